"""Vehicle routing (RouteFinder's variants, TSP and ATSP): the model and its evaluator, file
formats, generators, the learning environment, and the solvers (engines, the ILP, heuristics, the
genetic algorithm and neural policies)."""
