"""hnswlib as the reference: its exported layers, searched with our DCS accounting."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from vrpsolve.graphs.search.algorithms import DistanceCounter
from vrpsolve.graphs.search.datasets import clustered_gaussians
from vrpsolve.graphs.search.hnsw_reference import (
    build_hnswlib,
    export_hnswlib,
    hnsw_search,
    parse_hnswlib_file,
    search_hnsw_queries,
)
from vrpsolve.graphs.search.model import evaluate_search


@pytest.fixture(scope="module")
def reference():
    data = clustered_gaussians(3000, 200, 10, dim=16, clusters=8, intrinsic_dim=6, seed=2)
    index = build_hnswlib(data.base, m=8, ef_construction=40, seed=1)
    return data, index, export_hnswlib(index)


def test_export_reads_every_layer_of_the_hnswlib_index(reference):
    """Layer 0 holds every vertex with at most 2M links; upper layers shrink; entry on top."""
    _, _, graph = reference
    assert graph.num_vertices == 3000 and len(graph.layers) >= 2
    assert graph.layers[0].degrees().max() <= 16 and graph.layers[0].degrees().min() >= 1
    on_layer = [int((layer.degrees() > 0).sum()) for layer in graph.layers]
    assert on_layer == sorted(on_layer, reverse=True)
    assert graph.layers[-1].num_edges == 0 or graph.layers[-1].degrees()[graph.entry] > 0
    assert graph.bottom.entry == graph.entry


def test_our_search_on_the_export_returns_what_hnswlib_returns(reference):
    """Without a budget, HNSW search on the parsed layers equals hnswlib's knn_query."""
    data, index, graph = reference
    index.set_ef(24)
    labels, _ = index.knn_query(data.queries, k=10)
    ours = search_hnsw_queries(graph, data.base, data.queries, ef=24, budget=None, k=10)
    assert np.mean(np.sort(labels, axis=1) == np.sort(ours.ids, axis=1)) >= 0.99


def test_hnsw_search_counts_every_layer_against_one_budget(reference):
    """The descent and layer 0 share one counter: the search stops exactly at the budget."""
    data, _, graph = reference
    counter = DistanceCounter(data.base, data.queries[0], budget=7)
    trace = hnsw_search(graph, counter, ef=16, k=5)
    assert trace.dcs == 7 == counter.computed and trace.ids.size == 5
    instance = data.instance(graph.bottom, budget=64)
    solution = search_hnsw_queries(graph, data.base, data.queries, ef=16, budget=64, k=10)
    evaluation = evaluate_search(instance, solution)
    assert evaluation.feasible and evaluation.max_dcs <= 64 and evaluation.recall_at_1 > 0.5


def test_parser_rejects_truncated_or_padded_files(reference):
    """A file cut short, or with bytes after its link lists, is refused."""
    _, index, _ = reference
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "i.bin"
        index.save_index(str(path))
        data = path.read_bytes()
    with pytest.raises(ValueError, match="layout"):
        parse_hnswlib_file(data + b"\0\0\0\0\0")
    with pytest.raises(ValueError, match="layout"):
        parse_hnswlib_file(data[:-9])
