"""NSW and kNN graph builders: degree caps, link order, connectivity, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from vrpsolve.graphs.search.build import build_knn_graph, build_nsw
from vrpsolve.graphs.search.datasets import clustered_gaussians, exact_neighbours
from vrpsolve.graphs.search.model import GraphSearchInstance


@pytest.fixture(scope="module")
def data():
    return clustered_gaussians(1500, 50, 10, dim=12, clusters=6, intrinsic_dim=4, seed=1)


def as_instance(graph, base):
    """The graph must pass the instance's CSR checks (no self-loop, no repeated edge)."""
    return GraphSearchInstance(
        "g",
        base,
        base[:1],
        np.zeros((1, 1), dtype=np.int64),
        graph.indptr,
        graph.indices,
        graph.entry,
        10,
    )


@pytest.mark.parametrize("selection", ["heuristic", "nearest"])
def test_nsw_respects_the_degree_cap_and_lists_neighbours_nearest_first(data, selection):
    """Out-degrees stay within max_degree; each list is sorted by distance; CSR is valid."""
    graph = build_nsw(data.base, m=6, max_degree=10, ef_construction=24, selection=selection)
    as_instance(graph, data.base)
    assert graph.degrees().max() <= 10 and graph.degrees().min() >= 1
    for v in range(0, graph.num_vertices, 37):
        heads = graph.out_neighbours(v)
        distances = np.sum((data.base[heads] - data.base[v]) ** 2, axis=1)
        assert np.all(np.diff(distances) >= -1e-4)


def test_heuristic_nsw_reaches_every_vertex_from_its_entry(data):
    """The first vectors, inserted one by one, link the clusters: all vertices are reachable."""
    graph = build_nsw(data.base, m=6, ef_construction=24)
    assert graph.reachable().all()
    centre = data.base.mean(axis=0)
    nearest = np.argmin(np.sum((data.base - centre) ** 2, axis=1))
    assert graph.entry == nearest


def test_nsw_links_most_vertices_to_their_nearest_neighbour(data):
    """Insertion finds a vertex's nearest other vertex (or it links back) almost always."""
    graph = build_nsw(data.base, m=6, ef_construction=24, max_batch=128)
    nearest = exact_neighbours(data.base, data.base, 2)[:, 1]
    linked = [nearest[v] in graph.out_neighbours(v) for v in range(graph.num_vertices)]
    assert np.mean(linked) >= 0.97


def test_nsw_is_deterministic_for_a_seed_and_changes_with_it(data):
    """The same seed gives the same graph; another seed another insertion order."""
    first = build_nsw(data.base, m=4, ef_construction=16, seed=5)
    again = build_nsw(data.base, m=4, ef_construction=16, seed=5)
    other = build_nsw(data.base, m=4, ef_construction=16, seed=6)
    assert np.array_equal(first.indices, again.indices)
    assert np.array_equal(first.indptr, again.indptr)
    assert not np.array_equal(first.indices, other.indices)


def test_nsw_rejects_bad_settings(data):
    """A cap below m, a beam narrower than m or an unknown rule raise."""
    with pytest.raises(ValueError):
        build_nsw(data.base, m=8, max_degree=4)
    with pytest.raises(ValueError):
        build_nsw(data.base, m=8, ef_construction=4)
    with pytest.raises(ValueError, match="selection"):
        build_nsw(data.base, selection="random")  # type: ignore[arg-type]


def test_knn_graph_lists_each_vertex_exact_neighbours(data):
    """Each vertex links to its k nearest other vertices, nearest first."""
    graph = build_knn_graph(data.base[:300], 5)
    expected = exact_neighbours(data.base[:300], data.base[:300], 6)[:, 1:]
    assert np.array_equal(graph.indices.reshape(300, 5), expected)
    as_instance(graph, data.base[:300])
