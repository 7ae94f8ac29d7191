"""Greedy and beam search on a similarity graph, with exact accounting of distance computations.

Every search reads distances through a :class:`DistanceCounter`, which computes the distance from
one query to a vertex at most once, counts it (one DCS per exact computation, or ``cost`` per
computation in a cheaper space, see :mod:`vrpsolve.graphs.search.model`), and refuses to go
beyond its budget: a search that runs out of budget stops where it is and returns the best
vertices it has seen. Distances are squared Euclidean, which ranks as the Euclidean distance.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vrpsolve.graphs.search.model import EMPTY, GraphSearchInstance, SearchSolution


@dataclass(frozen=True, eq=False)
class SimilarityGraph:
    """A directed graph over base vectors in CSR form, with the vertex searches start from.

    The out-neighbours of ``v`` are ``indices[indptr[v]:indptr[v + 1]]`` (no repeats). Builders
    list them nearest first.
    """

    indptr: NDArray[np.integer]
    indices: NDArray[np.integer]
    entry: int

    def __post_init__(self) -> None:
        indptr = np.ascontiguousarray(self.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(self.indices, dtype=np.int32)
        if indptr.ndim != 1 or indptr.size < 2 or indptr[0] != 0 or indptr[-1] != indices.size:
            raise ValueError("indptr must run from 0 to len(indices) over n + 1 entries")
        if not 0 <= int(self.entry) < indptr.size - 1:
            raise ValueError(f"entry {self.entry!r} is not a vertex")
        for array in (indptr, indices):
            array.setflags(write=False)
        object.__setattr__(self, "indptr", indptr)
        object.__setattr__(self, "indices", indices)
        object.__setattr__(self, "entry", int(self.entry))

    @classmethod
    def of(cls, instance: GraphSearchInstance) -> SimilarityGraph:
        """The graph of a graph-search instance."""
        return cls(instance.indptr, instance.indices, instance.entry)

    @property
    def num_vertices(self) -> int:
        """Number of vertices."""
        return int(self.indptr.size - 1)

    @property
    def num_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.size)

    def degrees(self) -> NDArray[np.int64]:
        """Out-degree of every vertex."""
        return np.diff(self.indptr)

    def out_neighbours(self, vertex: int) -> NDArray[np.integer]:
        """The out-neighbours of ``vertex`` (a read-only view)."""
        return self.indices[self.indptr[vertex] : self.indptr[vertex + 1]]

    def reachable(self, source: int | None = None) -> NDArray[np.bool_]:
        """Which vertices a search from ``source`` (default: the entry) can reach."""
        seen = np.zeros(self.num_vertices, dtype=bool)
        frontier = np.array([self.entry if source is None else source], dtype=np.int64)
        seen[frontier] = True
        while frontier.size:
            starts, ends = self.indptr[frontier], self.indptr[frontier + 1]
            lengths = ends - starts
            offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
            heads = self.indices[np.arange(lengths.sum()) + offsets]
            frontier = np.unique(heads[~seen[heads]])
            seen[frontier] = True
        return seen


class DistanceCounter:
    """Distances from one query to vectors, each computed and counted at most once, on a budget.

    Parameters
    ----------
    vectors
        ``n x d`` vectors the query is compared with (base vectors, or learned representations).
    query
        The query's vector in the same space.
    budget
        The most DCS this counter may spend (``None``: no limit).
    cost
        DCS charged per computation: 1 for an exact distance; the ratio of dimensions for a cheaper
        space (see :mod:`vrpsolve.graphs.search.model`).
    """

    def __init__(
        self,
        vectors: NDArray[np.float32],
        query: NDArray[np.float32],
        *,
        budget: float | None = None,
        cost: float = 1.0,
    ) -> None:
        if cost <= 0:
            raise ValueError(f"cost must be positive, got {cost}")
        self.vectors = vectors
        self.query = np.asarray(query, dtype=vectors.dtype)
        self.budget = math.inf if budget is None else float(budget)
        self.cost = float(cost)
        self.computed = 0
        """Number of distances computed so far."""
        self._seen = np.zeros(vectors.shape[0], dtype=bool)
        self._ids: list[NDArray[np.int64]] = []
        self._distances: list[NDArray[np.float32]] = []

    @property
    def spent(self) -> float:
        """DCS spent: computations times their cost."""
        return self.computed * self.cost

    @property
    def remaining(self) -> int:
        """How many more distances the budget allows."""
        if math.isinf(self.budget):
            return self._seen.size - self.computed
        return max(0, math.floor((self.budget - self.spent) / self.cost + 1e-9))

    def seen(self, vertex: int) -> bool:
        """Whether the distance to ``vertex`` has been computed."""
        return bool(self._seen[vertex])

    def compute(self, ids: NDArray[np.integer]) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """Distances to those of ``ids`` (given without repeats) not computed before, in order.

        Stops at the budget: when it allows fewer distances than asked, only the first ones are
        computed. Returns the ids computed now and their squared distances.
        """
        ids = np.asarray(ids, dtype=np.int64)
        new = ids[~self._seen[ids]]
        allowed = self.remaining
        if new.size > allowed:
            new = new[:allowed]
        if not new.size:
            return new, np.empty(0, dtype=np.float32)
        self._seen[new] = True
        diff = self.vectors[new] - self.query
        distances = np.einsum("ij,ij->i", diff, diff)
        self.computed += int(new.size)
        self._ids.append(new)
        self._distances.append(distances)
        return new, distances

    def ranked(self, k: int | None = None) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The computed vertices nearest first (the first ``k``), with their squared distances."""
        if not self._ids:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        ids = np.concatenate(self._ids)
        distances = np.concatenate(self._distances)
        order = np.argsort(distances, kind="stable")[:k]
        return ids[order], distances[order]


@dataclass(frozen=True)
class SearchTrace:
    """What one search of one query found and spent."""

    ids: NDArray[np.int64]
    """The nearest vertices whose distance was computed, nearest first."""
    distances: NDArray[np.float32]
    """Their squared distances in the counter's space."""
    dcs: float
    """DCS spent by the counter (see :class:`DistanceCounter`)."""
    expansions: int
    """Vertices whose neighbours were examined."""


def beam_search(
    graph: SimilarityGraph,
    counter: DistanceCounter,
    *,
    ef: int,
    start: int | None = None,
    k: int | None = None,
) -> SearchTrace:
    """Best-first search keeping the ``ef`` nearest vertices seen (HNSW's ``ef`` search).

    Starting from ``start`` (default: the graph's entry), repeatedly expand the nearest vertex
    not yet expanded: compute the distances to its out-neighbours not seen before (each costs
    DCS once), and keep the ``ef`` nearest vertices seen. Stops when the nearest unexpanded
    vertex is farther than the ``ef``-th nearest seen, or when the budget runs out. With
    ``ef=1`` this is greedy routing.

    Returns the ``k`` (default: ``ef``) nearest vertices whose distance was computed.
    """
    if ef < 1:
        raise ValueError(f"ef must be at least 1, got {ef}")
    source = graph.entry if start is None else int(start)
    expansions = 0
    first, first_distance = counter.compute(np.array([source]))
    candidates: list[tuple[float, int]] = []
    pool: list[tuple[float, int]] = []
    if first.size:
        d0 = float(first_distance[0])
        candidates.append((d0, source))
        pool.append((-d0, source))
    elif counter.seen(source):
        # Resuming from a vertex already measured (a higher layer's result).
        ids, distances = counter.ranked()
        d0 = float(distances[np.flatnonzero(ids == source)[0]])
        candidates.append((d0, source))
        pool.append((-d0, source))
    while candidates and counter.remaining > 0:
        distance, vertex = heapq.heappop(candidates)
        if len(pool) >= ef and distance > -pool[0][0]:
            break
        expansions += 1
        ids, distances = counter.compute(graph.out_neighbours(vertex))
        for u, du in zip(ids.tolist(), distances.tolist(), strict=True):
            if len(pool) < ef or du < -pool[0][0]:
                heapq.heappush(candidates, (du, u))
                heapq.heappush(pool, (-du, u))
                if len(pool) > ef:
                    heapq.heappop(pool)
    ids, distances = counter.ranked(ef if k is None else k)
    return SearchTrace(ids, distances, counter.spent, expansions)


def greedy_search(
    graph: SimilarityGraph,
    counter: DistanceCounter,
    *,
    start: int | None = None,
    k: int | None = None,
) -> SearchTrace:
    """Greedy routing: move to the out-neighbour nearest the query while it is nearer.

    The same as :func:`beam_search` with ``ef=1``; it stops in the first local minimum (or at
    the budget). Returns the ``k`` (default 1) nearest vertices whose distance was computed.
    """
    return beam_search(graph, counter, ef=1, start=start, k=1 if k is None else k)


def search_queries(
    graph: SimilarityGraph,
    base: NDArray[np.float32],
    queries: NDArray[np.float32],
    *,
    ef: int,
    budget: float | None,
    k: int,
) -> SearchSolution:
    """Beam search (``ef=1``: greedy) for every query; the ranked answers and DCS spent.

    Each query gets its own :class:`DistanceCounter` over ``base`` with ``budget`` DCS.
    """
    return answer_queries(
        lambda counter: beam_search(graph, counter, ef=ef, k=k), base, queries, budget=budget, k=k
    )


def answer_queries(
    search: Callable[[DistanceCounter], SearchTrace],
    base: NDArray[np.float32],
    queries: NDArray[np.float32],
    *,
    budget: float | None,
    k: int,
) -> SearchSolution:
    """Run ``search`` once per query, each with its own counter over ``base`` and ``budget``
    DCS; the ranked answers (padded to ``k`` with ``EMPTY``) and the DCS spent."""
    ids = np.full((len(queries), k), EMPTY, dtype=np.int64)
    dcs = np.zeros(len(queries))
    for i, query in enumerate(queries):
        trace = search(DistanceCounter(base, query, budget=budget))
        ids[i, : trace.ids.size] = trace.ids
        dcs[i] = trace.dcs
    return SearchSolution(ids, dcs)
