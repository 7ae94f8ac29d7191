"""Problem families: instances, solutions and the one trusted evaluator of each."""
