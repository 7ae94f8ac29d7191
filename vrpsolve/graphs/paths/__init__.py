"""Point-to-point path queries on road and wireless networks: the model and its evaluator
(success rate and stretch), network builders, greedy geographic and learned routing."""
