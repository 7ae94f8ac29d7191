"""The `vrpsolve` command: a thin layer of subcommands over the Python API."""
