"""Greedy and beam search: exact DCS accounting, hard budgets, local minima."""

from __future__ import annotations

import numpy as np
import pytest

from vrpsolve.graphs.search.algorithms import (
    DistanceCounter,
    SimilarityGraph,
    beam_search,
    greedy_search,
    search_queries,
)
from vrpsolve.graphs.search.build import build_nsw
from vrpsolve.graphs.search.datasets import clustered_gaussians
from vrpsolve.graphs.search.model import evaluate_search

LINE = np.array([[float(v), 0.0] for v in range(5)], dtype=np.float32)
PATH = SimilarityGraph(np.array([0, 1, 3, 5, 7, 8]), np.array([1, 0, 2, 1, 3, 2, 4, 3]), 0)


def graph_of(rows, entry=0):
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    return SimilarityGraph(indptr, np.array([v for r in rows for v in r]), entry)


def test_greedy_walk_along_a_path_counts_each_vertex_once():
    """Greedy from 0 to a query at x=3.9 computes 5 distances (vertex 1 is met twice)."""
    counter = DistanceCounter(LINE, np.array([3.9, 0.0], dtype=np.float32))
    trace = greedy_search(PATH, counter)
    assert trace.ids.tolist() == [4]
    assert trace.dcs == 5 and counter.computed == 5
    assert trace.expansions == 4  # every distance is known before vertex 4 would be expanded
    assert trace.distances[0] == pytest.approx(0.01, abs=1e-6)


def test_beam_search_on_a_complete_graph_computes_every_vertex_exactly_once():
    """Every vertex neighbours every other: a wide beam still pays one DCS per vertex."""
    rows = [[u for u in range(6) if u != v] for v in range(6)]
    points = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    counter = DistanceCounter(points, np.zeros(3, dtype=np.float32))
    trace = beam_search(graph_of(rows), counter, ef=6)
    assert trace.dcs == 6 and sorted(trace.ids.tolist()) == list(range(6))
    assert np.all(np.diff(trace.distances) >= 0)


def test_budget_cuts_the_search_mid_neighbour_list():
    """With 3 DCS the walk stops after vertex 2 and answers with the best seen."""
    counter = DistanceCounter(LINE, np.array([3.9, 0.0], dtype=np.float32), budget=3)
    trace = beam_search(PATH, counter, ef=4)
    assert trace.dcs == 3 and trace.ids.tolist() == [2, 1, 0]
    star = graph_of([[1, 2, 3, 4], [0], [0], [0], [0]])
    counter = DistanceCounter(LINE, np.array([3.9, 0.0], dtype=np.float32), budget=3)
    assert beam_search(star, counter, ef=8).ids.tolist() == [2, 1, 0]


def test_fractional_costs_share_the_budget():
    """At a quarter DCS per distance, a budget of 1 buys four distances."""
    counter = DistanceCounter(LINE, np.zeros(2, dtype=np.float32), budget=1.0, cost=0.25)
    ids, _ = counter.compute(np.arange(5))
    assert ids.tolist() == [0, 1, 2, 3] and counter.spent == 1.0 and counter.remaining == 0


def test_greedy_stops_in_a_local_minimum_that_beam_search_escapes():
    """A dead end nearer the query traps greedy routing; a beam of 3 goes around it."""
    points = np.array([[0, 0], [2, 0], [-0.5, 1], [5, 3], [10, 0]], dtype=np.float32)
    graph = graph_of([[1, 2], [0], [3], [4], [3]])
    query = np.array([10.0, 0.0], dtype=np.float32)
    assert greedy_search(graph, DistanceCounter(points, query)).ids.tolist() == [1]
    assert beam_search(graph, DistanceCounter(points, query), ef=3).ids[0] == 4


def test_reachable_follows_edge_directions():
    """Vertices only reachable against the edges' direction are not reachable."""
    graph = graph_of([[1], [2], [], [0]])
    assert graph.reachable().tolist() == [True, True, True, False]
    assert graph.reachable(3).all()


def test_beam_search_beats_greedy_on_a_seeded_set_within_budget():
    """On clustered data, beam search finds more nearest neighbours than greedy, within budget."""
    data = clustered_gaussians(2000, 100, 10, dim=16, clusters=8, intrinsic_dim=4, seed=3)
    graph = build_nsw(data.base, m=8)
    instance = data.instance(graph, budget=128)
    recall = {}
    for ef in (1, 16):
        solution = search_queries(graph, data.base, data.queries, ef=ef, budget=128, k=10)
        evaluation = evaluate_search(instance, solution)
        assert evaluation.feasible and evaluation.max_dcs <= 128
        recall[ef] = evaluation.recall_at_1
    assert recall[16] >= recall[1] + 0.2
    assert recall[16] >= 0.8
