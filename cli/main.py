"""The ``vrpsolve`` command (filled in below)."""
