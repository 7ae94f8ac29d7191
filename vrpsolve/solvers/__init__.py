"""Solvers behind one interface (`Solver`), and the registry that names and picks them."""
