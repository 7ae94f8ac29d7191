"""The foundations every problem family builds on: the solver interface and its result, the family
descriptor, the registry that names solvers and families, errors, and file helpers."""
