"""Nearest-neighbour search on a similarity graph: the instance, its solution and the one judge.

A :class:`GraphSearchInstance` holds base vectors, a directed similarity graph over them (CSR
adjacency), an entry vertex, queries with their exact nearest neighbours, and a budget of
distance computations (DCS) per query. A solver answers every query with a ranked list of base
vertex ids and the DCS it spent (:class:`SearchSolution`); :func:`evaluate_search` recomputes the
recall from the instance's ground truth and flags claims that break the rules.

DCS convention
--------------
One DCS is one exact distance computation between the query and a base vector; a vertex counts
once per query however often a search meets it, and re-ranking computations count too (as in
Baranchuk et al., ICML 2019). A solver that routes on cheaper representations of dimension
``d' < d`` (a learned space) counts each such computation as ``d'/d`` DCS, and mapping the query
into that space (a ``d x d'`` matrix product) as ``d'`` DCS, which is how the settings the
authors published add up; so claims are real numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

EMPTY = -1
"""The id that marks an empty slot in a ranked answer."""

SEARCH_ATTRIBUTES: frozenset[str] = frozenset({"directed"})
"""Every attribute name :meth:`GraphSearchInstance.active_attributes` can report: ``directed``
when some edge has no reverse edge."""


def _frozen(value: object, dtype: type, what: str, ndim: int) -> NDArray:
    try:
        with np.errstate(over="ignore"):  # a float32 overflow is an infinity, refused below
            array: NDArray = np.array(value, dtype=dtype, order="C")
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a numeric array") from None
    if array.ndim != ndim:
        raise ValueError(f"{what} must have {ndim} dimension(s), got shape {array.shape}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class GraphSearchInstance:
    """Base vectors, a similarity graph over them, queries with exact neighbours, and a budget.

    Arrays are copied and made read-only. Distances are Euclidean (searches may rank by the
    squared distance, which orders the same).

    Parameters
    ----------
    name
        Instance name.
    base
        ``n x d`` base vectors (stored as float32), finite.
    queries
        ``q x d`` query vectors (float32), finite.
    neighbours
        ``q x k`` ids of each query's ``k`` exact nearest base vectors, nearest first.
    indptr, indices
        The directed graph in CSR form: the out-neighbours of vertex ``v`` are
        ``indices[indptr[v]:indptr[v + 1]]``; no self-loops, no repeated edge.
    entry
        The vertex every search starts from.
    budget
        Distance computations allowed per query (see the module's DCS convention).
    """

    name: str
    base: NDArray[np.floating]
    queries: NDArray[np.floating]
    neighbours: NDArray[np.integer]
    indptr: NDArray[np.integer]
    indices: NDArray[np.integer]
    entry: int
    budget: int
    directed: bool = field(init=False, repr=False)
    """Whether some edge ``u -> v`` has no edge ``v -> u``."""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        base = _frozen(self.base, np.float32, "base", 2)
        queries = _frozen(self.queries, np.float32, "queries", 2)
        neighbours = _frozen(self.neighbours, np.int64, "neighbours", 2)
        indptr = _frozen(self.indptr, np.int64, "indptr", 1)
        indices = _frozen(self.indices, np.int64, "indices", 1)
        n, d = base.shape
        if n < 1 or d < 1:
            raise ValueError(f"base must be a non-empty n x d array, got shape {base.shape}")
        if queries.shape[1] != d:
            raise ValueError(f"queries have dimension {queries.shape[1]}, base has {d}")
        if not (np.isfinite(base).all() and np.isfinite(queries).all()):
            raise ValueError("base and query vectors must be finite")
        q = queries.shape[0]
        if neighbours.shape[0] != q or not 1 <= neighbours.shape[1] <= n:
            raise ValueError(f"neighbours must have shape ({q}, k) with 1 <= k <= {n}")
        if neighbours.size and (neighbours.min() < 0 or neighbours.max() >= n):
            raise ValueError("neighbours must be base vertex ids")
        _check_csr(indptr, indices, n)
        indices = indices.astype(np.int32)  # the ids fit: they are below n
        indices.setflags(write=False)
        entry = int(self.entry)
        if not 0 <= entry < n:
            raise ValueError(f"entry must be a vertex id in [0, {n}), got {self.entry!r}")
        if isinstance(self.budget, bool) or int(self.budget) != self.budget or self.budget < 1:
            raise ValueError(f"budget must be a positive integer, got {self.budget!r}")
        for name, value in (
            ("base", base),
            ("queries", queries),
            ("neighbours", neighbours),
            ("indptr", indptr),
            ("indices", indices),
        ):
            set_(self, name, value)
        set_(self, "entry", entry)
        set_(self, "budget", int(self.budget))
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        forward = rows * n + indices
        set_(self, "directed", not np.isin(indices * np.int64(n) + rows, forward).all())

    @property
    def num_vectors(self) -> int:
        """Number of base vectors (graph vertices)."""
        return int(self.base.shape[0])

    @property
    def dim(self) -> int:
        """Dimension of the vectors."""
        return int(self.base.shape[1])

    @property
    def num_queries(self) -> int:
        """Number of queries."""
        return int(self.queries.shape[0])

    @property
    def k(self) -> int:
        """Number of exact neighbours known per query."""
        return int(self.neighbours.shape[1])

    @property
    def num_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.shape[0])

    def out_neighbours(self, vertex: int) -> NDArray[np.integer]:
        """The out-neighbours of ``vertex`` (a read-only view)."""
        return self.indices[self.indptr[vertex] : self.indptr[vertex + 1]]

    def active_attributes(self) -> frozenset[str]:
        """Names of the active attributes (see :data:`SEARCH_ATTRIBUTES`)."""
        return frozenset({"directed"}) if self.directed else frozenset()


def _check_csr(indptr: NDArray[np.integer], indices: NDArray[np.integer], n: int) -> None:
    if indptr.shape != (n + 1,) or indptr[0] != 0 or indptr[-1] != indices.shape[0]:
        raise ValueError(f"indptr must have n + 1 = {n + 1} entries from 0 to len(indices)")
    if np.any(np.diff(indptr) < 0):
        raise ValueError("indptr must be non-decreasing")
    if indices.size == 0:
        return
    if indices.min() < 0 or indices.max() >= n:
        raise ValueError("indices must be vertex ids in [0, n)")
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    if np.any(rows == indices):
        raise ValueError("the graph must have no self-loops")
    keys = rows * n + indices
    if np.unique(keys).size != keys.size:
        raise ValueError("the graph must have no repeated edge")


@dataclass(frozen=True, eq=False)
class SearchSolution:
    """A solver's answer: ranked base ids per query and the distance computations it spent.

    Parameters
    ----------
    ids
        ``q x r`` base vertex ids per query, best first; :data:`EMPTY` (-1) marks an unused slot.
    dcs
        The distance computations the solver claims it spent on each query.
    """

    ids: IntArray
    dcs: FloatArray

    def __post_init__(self) -> None:
        ids = _frozen(self.ids, np.int64, "ids", 2)
        dcs = _frozen(self.dcs, np.float64, "dcs", 1)
        if dcs.shape[0] != ids.shape[0]:
            raise ValueError(f"dcs has {dcs.shape[0]} entries for {ids.shape[0]} queries")
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "dcs", dcs)


@dataclass(frozen=True)
class SearchViolation:
    """One way in which a search answer breaks the instance's rules."""

    kind: str
    """One of ``solution_size``, ``unknown_vertex``, ``repeated_vertex``, ``invalid_dcs``,
    ``undercounted_dcs``, ``over_budget``."""
    message: str
    query: int | None = None


@dataclass(frozen=True, eq=False)
class SearchEvaluation:
    """The evaluator's verdict: recall, distance computations and every violation."""

    recall_at_1: float
    """Share of queries whose first id is their nearest neighbour (or ties its distance)."""
    recall_at_k: float
    """Mean share of each query's ``k`` true neighbours found among its first ``k`` ids."""
    k: int
    mean_dcs: float
    """Mean claimed distance computations per query."""
    max_dcs: float
    budget: int
    hits: NDArray[np.bool_]
    """Per query: whether its first id counts for Recall@1."""
    violations: tuple[SearchViolation, ...]

    @property
    def feasible(self) -> bool:
        """True when there is no violation."""
        return not self.violations

    @property
    def objective(self) -> float:
        """The objective to maximise: Recall@1."""
        return self.recall_at_1

    @property
    def penalised_objective(self) -> float:
        """Recall@1 when feasible, ``-math.inf`` otherwise (a maximisation)."""
        return self.recall_at_1 if self.feasible else -math.inf


def evaluate_search(instance: GraphSearchInstance, solution: SearchSolution) -> SearchEvaluation:
    """Judge a search answer: recall from the ground truth, and the DCS claims against the rules.

    Rules: one row per query; every id is a base vertex or :data:`EMPTY`; no vertex is ranked twice
    for a query; each claim is finite, at least the number of ids ranked (a vertex cannot be
    ranked without computing its distance) and at most the budget. A first id that is not the
    listed nearest neighbour still counts as a hit when its exact distance equals the nearest one
    (ties).

    Parameters
    ----------
    instance
        The graph-search instance.
    solution
        Ranked ids and claimed DCS per query.

    Returns
    -------
    SearchEvaluation
        Recall@1, Recall@k, DCS statistics and the violations.
    """
    violations: list[SearchViolation] = []
    q, n, k = instance.num_queries, instance.num_vectors, instance.k
    ids, dcs = solution.ids, solution.dcs
    if ids.shape[0] != q:
        violations.append(
            SearchViolation(
                "solution_size", f"the solution has {ids.shape[0]} rows for {q} queries"
            )
        )
        rows = min(q, ids.shape[0])
        ids = np.vstack([ids[:rows], np.full((q - rows, ids.shape[1]), EMPTY, dtype=np.int64)])
        dcs = np.concatenate([dcs[:rows], np.zeros(q - rows)])
    unknown = (ids != EMPTY) & ((ids < 0) | (ids >= n))
    for i in np.flatnonzero(unknown.any(axis=1)).tolist():
        bad = ids[i][unknown[i]]
        violations.append(
            SearchViolation("unknown_vertex", f"query {i}: ids {bad.tolist()} are not vertices", i)
        )
    valid = (ids != EMPTY) & ~unknown
    ranked = valid.sum(axis=1)
    for i in range(q):
        row = ids[i][valid[i]]
        if np.unique(row).size != row.size:
            violations.append(
                SearchViolation("repeated_vertex", f"query {i} ranks a vertex twice", i)
            )
    for i in np.flatnonzero(~np.isfinite(dcs) | (dcs < 0)).tolist():
        violations.append(SearchViolation("invalid_dcs", f"query {i}: claimed DCS {dcs[i]!r}", i))
    for i in np.flatnonzero(np.isfinite(dcs) & (dcs < ranked)).tolist():
        violations.append(
            SearchViolation(
                "undercounted_dcs",
                f"query {i}: ranks {ranked[i]} vertices but claims {dcs[i]:g} DCS",
                i,
            )
        )
    for i in np.flatnonzero(dcs > instance.budget).tolist():
        violations.append(
            SearchViolation(
                "over_budget",
                f"query {i}: claims {dcs[i]:g} DCS, more than the budget {instance.budget}",
                i,
            )
        )
    hits = _top1_hits(instance, ids, valid)
    width = min(k, ids.shape[1])
    found = 0
    for i in range(q):
        top = ids[i, :width][valid[i, :width]]
        found += np.intersect1d(top, instance.neighbours[i]).size
    finite = dcs[np.isfinite(dcs)]
    return SearchEvaluation(
        recall_at_1=float(hits.mean()) if q else 0.0,
        recall_at_k=found / (q * k) if q else 0.0,
        k=k,
        mean_dcs=float(finite.mean()) if finite.size else math.nan,
        max_dcs=float(finite.max()) if finite.size else math.nan,
        budget=instance.budget,
        hits=hits,
        violations=tuple(violations),
    )


def _top1_hits(
    instance: GraphSearchInstance, ids: IntArray, valid: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    if ids.shape[1] == 0:
        return np.zeros(instance.num_queries, dtype=bool)
    first = np.where(valid[:, 0], ids[:, 0], 0)
    nearest = instance.neighbours[:, 0]
    hits = valid[:, 0] & (first == nearest)
    maybe = np.flatnonzero(valid[:, 0] & ~hits)
    if maybe.size:
        queries = instance.queries[maybe].astype(np.float64)
        got = np.sum((instance.base[first[maybe]] - queries) ** 2, axis=1)
        best = np.sum((instance.base[nearest[maybe]] - queries) ** 2, axis=1)
        hits[maybe] = got <= best
    hits.setflags(write=False)
    return hits
