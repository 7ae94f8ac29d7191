"""Routing solvers: engine adapters (PyVRP, OR-Tools), the exact ILP, construction heuristics and
neural policies, each behind the one solver interface."""
