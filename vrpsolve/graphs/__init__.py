"""Similarity graphs and routing on them: builders, greedy and beam search, learned routing."""
