"""Offline vector sets: exact ground truth, seeded synthetic clusters, scikit-learn digits."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from vrpsolve.graphs.search.build import build_knn_graph
from vrpsolve.graphs.search.datasets import clustered_gaussians, digits, exact_neighbours


def test_exact_neighbours_match_a_float64_sort_with_ties_by_id():
    """Blocked float32 search then float64 ranking equals a plain sort (ties broken by id)."""
    rng = np.random.default_rng(0)
    base = rng.integers(0, 3, size=(400, 4)).astype(np.float32)
    queries = rng.integers(0, 3, size=(30, 4)).astype(np.float32)
    found = exact_neighbours(base, queries, 7)
    for i, query in enumerate(queries.astype(np.float64)):
        distance = np.sum((base - query) ** 2, axis=1)
        expected = np.lexsort((np.arange(400), distance))[:7]
        assert found[i].tolist() == expected.tolist()


def test_exact_neighbours_handle_k_equal_to_the_base_size():
    """k = n ranks the whole base."""
    base = np.arange(10, dtype=np.float32)[:, None]
    assert exact_neighbours(base, np.array([[2.2]]), 10)[0, :3].tolist() == [2, 3, 1]
    with pytest.raises(ValueError):
        exact_neighbours(base, np.array([[2.2]]), 11)


def test_clustered_gaussians_are_seeded_and_sized_by_parameters():
    """Sizes and dimension follow the arguments; the same seed gives the same vectors."""
    data = clustered_gaussians(500, 40, 60, dim=20, clusters=5, intrinsic_dim=3, k=4, seed=7)
    assert data.base.shape == (500, 20) and data.base.dtype == np.float32
    assert data.queries.shape == (40, 20) and data.train_queries.shape == (60, 20)
    assert data.neighbours.shape == (40, 4) and data.train_neighbours.shape == (60, 4)
    again = clustered_gaussians(500, 40, 60, dim=20, clusters=5, intrinsic_dim=3, k=4, seed=7)
    other = clustered_gaussians(500, 40, 60, dim=20, clusters=5, intrinsic_dim=3, k=4, seed=8)
    assert np.array_equal(data.base, again.base) and np.array_equal(data.queries, again.queries)
    assert not np.array_equal(data.base, other.base)
    assert np.array_equal(data.neighbours, exact_neighbours(data.base, data.queries, 4))
    with pytest.raises(ValueError):
        clustered_gaussians(10, 1, 1, dim=4, intrinsic_dim=5)


def test_clustered_gaussians_default_to_the_issue_sizes():
    """The default set is 100k base vectors and 10k queries of 96 dimensions (signature)."""
    parameters = inspect.signature(clustered_gaussians).parameters
    sizes = [parameters[name].default for name in ("num_base", "num_queries", "dim")]
    assert sizes == [100_000, 10_000, 96]


def test_digits_split_base_and_queries_without_overlap():
    """The 1797 digits split into disjoint test queries, training queries and base."""
    data = digits(num_queries=100, num_train=200, seed=0)
    assert data.base.shape == (1497, 64) and data.queries.shape == (100, 64)
    rows = np.concatenate([data.base, data.queries, data.train_queries])
    assert rows.shape[0] == 1797
    again = digits(num_queries=100, num_train=200, seed=0)
    assert np.array_equal(data.queries, again.queries)
    instance = data.instance(build_knn_graph(data.base, 8), budget=64)
    assert instance.num_queries == 100 and instance.k == 10 and instance.name == data.name
