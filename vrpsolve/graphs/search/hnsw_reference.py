"""hnswlib's HNSW as the reference index, searched with the same DCS accounting as our graphs.

hnswlib's Python binding counts no distance computations, so we read its graph out and search it
ourselves: :func:`export_hnswlib` saves the index and parses hnswlib's index file (a header of
sizes, then for every element its level-0 link list, vector and label, then its upper-level link
lists), and :func:`hnsw_search` runs HNSW's query algorithm on that graph with a
:class:`~vrpsolve.graphs.search.algorithms.DistanceCounter`: greedy descent from the top-level entry
point through the upper layers, then a beam search of width ``ef`` on layer 0. Every distance
counts, once per vertex per query, in every layer, exactly as for our flat graphs. The tests check
that this search returns what ``hnswlib.Index.knn_query`` returns.
"""

from __future__ import annotations

import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrpsolve.graphs.search.algorithms import (
    DistanceCounter,
    SearchTrace,
    SimilarityGraph,
    answer_queries,
    beam_search,
    greedy_search,
)
from vrpsolve.graphs.search.model import SearchSolution

_HEADER = struct.Struct("<QQQQQQiIQQQdQ")
"""hnswlib's index header: offsetLevel0, max_elements, cur_element_count, size_data_per_element,
label_offset, offsetData, maxlevel, enterpoint_node, maxM, maxM0, M, mult, ef_construction."""


@dataclass(frozen=True, eq=False)
class HnswGraph:
    """An HNSW hierarchy: one graph per layer over all vertices (empty rows off the layer).

    ``layers[0]`` is the bottom layer (every vertex); the search enters at ``entry`` on the top
    layer. Vertex ids are hnswlib's labels.
    """

    layers: tuple[SimilarityGraph, ...]
    entry: int

    @property
    def num_vertices(self) -> int:
        """Number of vertices."""
        return self.layers[0].num_vertices

    @property
    def bottom(self) -> SimilarityGraph:
        """Layer 0 as a flat graph entered at the top entry point."""
        layer = self.layers[0]
        return SimilarityGraph(layer.indptr, layer.indices, self.entry)


def build_hnswlib(
    base: NDArray[np.floating], *, m: int = 16, ef_construction: int = 64, seed: int = 0
) -> Any:
    """An ``hnswlib.Index`` (L2) over ``base`` with labels ``0..n-1``, built on one thread."""
    import hnswlib

    x = np.ascontiguousarray(base, dtype=np.float32)
    index = hnswlib.Index(space="l2", dim=x.shape[1])
    index.init_index(
        max_elements=x.shape[0], M=m, ef_construction=ef_construction, random_seed=seed
    )
    index.set_num_threads(1)
    index.add_items(x, np.arange(x.shape[0]))
    return index


def export_hnswlib(index: Any) -> HnswGraph:
    """Read an ``hnswlib.Index``'s layers from its saved file (labels become vertex ids)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.bin"
        index.save_index(str(path))
        return parse_hnswlib_file(path.read_bytes())


def parse_hnswlib_file(data: bytes) -> HnswGraph:
    """The layers of an hnswlib index file (as written by ``Index.save_index``).

    Raises ``ValueError`` for data that is not such a file (cut short, or with bytes left over).
    """
    try:
        return _parse(data)
    except struct.error as error:
        raise ValueError(f"not an hnswlib index file of the expected layout ({error})") from None


def _parse(data: bytes) -> HnswGraph:
    (_, _, count, per_element, label_offset, _, max_level, entry, max_m, max_m0, *_) = (
        _HEADER.unpack_from(data, 0)
    )
    start = _HEADER.size
    level0 = np.frombuffer(data, dtype=np.uint8, count=count * per_element, offset=start)
    level0 = level0.reshape(count, per_element)
    labels = level0[:, label_offset : label_offset + 8].copy().view("<u8")[:, 0].astype(np.int64)
    sizes = level0[:, 0:2].copy().view("<u2")[:, 0].astype(np.int64)
    links = level0[:, 4 : 4 + 4 * max_m0].copy().view("<u4").astype(np.int64)
    layers = [_layer(labels, [links[i, : sizes[i]] for i in range(count)], count)]
    per_level = 4 + 4 * max_m
    upper: list[list[NDArray[np.int64]]] = [
        [np.empty(0, np.int64)] * count for _ in range(max_level)
    ]
    offset = start + count * per_element
    for i in range(count):
        (size,) = struct.unpack_from("<I", data, offset)
        offset += 4
        for level in range(size // per_level):
            block = offset + level * per_level
            (length,) = struct.unpack_from("<H", data, block)
            upper[level][i] = np.frombuffer(data, dtype="<u4", count=length, offset=block + 4)
        offset += size
    if offset != len(data):
        raise ValueError("not an hnswlib index file of the expected layout")
    layers += [_layer(labels, rows, count) for rows in upper]
    top = int(labels[entry])
    return HnswGraph(tuple(SimilarityGraph(g.indptr, g.indices, top) for g in layers), top)


def _layer(labels: NDArray[np.int64], rows: list[NDArray], count: int) -> SimilarityGraph:
    by_label: list[NDArray[np.int64]] = [np.empty(0, np.int64)] * count
    for internal, row in enumerate(rows):
        by_label[int(labels[internal])] = labels[np.asarray(row, dtype=np.int64)]
    lengths = np.array([row.size for row in by_label], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate(by_label) if count else np.empty(0, np.int64)
    return SimilarityGraph(indptr, indices, 0)


def hnsw_search(
    graph: HnswGraph, counter: DistanceCounter, *, ef: int, k: int | None = None
) -> SearchTrace:
    """HNSW's query: greedy descent through the upper layers, then beam search on layer 0.

    All layers share ``counter``, so a vertex met on several layers costs one DCS and the budget
    covers the whole search. Returns the ``k`` (default ``ef``) nearest vertices computed.
    """
    current = graph.entry
    expansions = 0
    for layer in reversed(graph.layers[1:]):
        trace = greedy_search(layer, counter, start=current)
        expansions += trace.expansions
        if trace.ids.size:
            current = int(trace.ids[0])
    trace = beam_search(graph.layers[0], counter, ef=ef, start=current, k=k)
    return SearchTrace(trace.ids, trace.distances, trace.dcs, expansions + trace.expansions)


def search_hnsw_queries(
    graph: HnswGraph,
    base: NDArray[np.float32],
    queries: NDArray[np.float32],
    *,
    ef: int,
    budget: float | None,
    k: int,
) -> SearchSolution:
    """:func:`hnsw_search` for every query with ``budget`` DCS each; answers and DCS spent."""
    return answer_queries(
        lambda counter: hnsw_search(graph, counter, ef=ef, k=k), base, queries, budget=budget, k=k
    )
