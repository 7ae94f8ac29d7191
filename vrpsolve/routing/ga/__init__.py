"""The routing genetic algorithm: giant-tour split, penalised population, numba local search."""
