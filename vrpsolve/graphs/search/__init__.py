"""Nearest-neighbour search on similarity graphs: the model and its evaluator (Recall@1 at a DCS
budget), graph builders, greedy, beam and learned routing, and the search environment."""
