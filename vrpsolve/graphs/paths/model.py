"""Point-to-point path queries on a directed network: the instance, its solution and the one judge.

A :class:`PathQueryInstance` holds a directed graph (CSR adjacency with a positive length per
edge), node coordinates (for geographic routing and learned features), and queries, each a
(source, target) pair with a hop limit after which a router gives up. A solver answers every query
with a node path or ``None`` (:class:`PathSolution`); :func:`evaluate_paths` checks each path
(it starts at the source, ends at the target, uses existing edges, keeps the hop limit) and
measures its stretch against the Dijkstra shortest length. The objective is the success rate: the
share of queries answered by a valid path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

PATH_ATTRIBUTES: frozenset[str] = frozenset({"directed"})
"""Every attribute name :meth:`PathQueryInstance.active_attributes` can report: ``directed``
when some edge has no reverse edge (one-way streets)."""

_SOURCES_PER_BLOCK = 256
"""Dijkstra sources run at once by :func:`shortest_lengths` (bounds its memory)."""


def _array(value: object, dtype: type, what: str, ndim: int) -> NDArray:
    try:
        array: NDArray = np.array(value, dtype=dtype, order="C")
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a numeric array") from None
    if array.ndim != ndim:
        raise ValueError(f"{what} must have {ndim} dimension(s), got shape {array.shape}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class PathQueryInstance:
    """A directed network with edge lengths and node coordinates, and (source, target) queries.

    Arrays are copied and made read-only.

    Parameters
    ----------
    name
        Instance name.
    indptr, indices
        The directed graph in CSR form: the out-neighbours of node ``v`` are
        ``indices[indptr[v]:indptr[v + 1]]``; no self-loops, no repeated edge.
    lengths
        Length of each edge, aligned with ``indices``; finite and positive.
    coordinates
        ``n x 2`` node positions (projected, e.g. metres east and north); finite.
    queries
        ``q x 2`` (source, target) node pairs, source and target distinct.
    hop_limits
        Per query, the most edges a path may use (a router gives up after that many hops).
    """

    name: str
    indptr: NDArray[np.integer]
    indices: NDArray[np.integer]
    lengths: NDArray[np.floating]
    coordinates: NDArray[np.floating]
    queries: NDArray[np.integer]
    hop_limits: NDArray[np.integer]
    directed: bool = field(init=False, repr=False)
    """Whether some edge ``u -> v`` has no edge ``v -> u``."""

    def __post_init__(self) -> None:
        indptr = _array(self.indptr, np.int64, "indptr", 1)
        indices = _array(self.indices, np.int64, "indices", 1)
        lengths = _array(self.lengths, np.float64, "lengths", 1)
        coordinates = _array(self.coordinates, np.float64, "coordinates", 2)
        queries = _array(self.queries, np.int64, "queries", 2)
        hop_limits = _array(self.hop_limits, np.int64, "hop_limits", 1)
        n = indptr.size - 1
        if n < 2:
            raise ValueError(f"indptr must describe at least 2 nodes, got {indptr.size} entries")
        if indptr[0] != 0 or indptr[-1] != indices.size or np.any(np.diff(indptr) < 0):
            raise ValueError("indptr must be non-decreasing from 0 to len(indices)")
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            raise ValueError(f"indices must be node ids in [0, {n})")
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        if np.any(rows == indices):
            raise ValueError("the graph must have no self-loops")
        keys = rows * n + indices
        if np.unique(keys).size != keys.size:
            raise ValueError("the graph must have no repeated edge")
        if lengths.shape != indices.shape:
            raise ValueError(f"lengths has {lengths.size} entries for {indices.size} edges")
        if not (np.isfinite(lengths).all() and (lengths > 0).all()):
            raise ValueError("lengths must be finite and positive")
        if coordinates.shape != (n, 2) or not np.isfinite(coordinates).all():
            raise ValueError(f"coordinates must be a finite ({n}, 2) array")
        if queries.shape[1:] != (2,):
            raise ValueError(f"queries must have shape (q, 2), got {queries.shape}")
        if queries.size and (queries.min() < 0 or queries.max() >= n):
            raise ValueError(f"queries must be node ids in [0, {n})")
        if np.any(queries[:, 0] == queries[:, 1]):
            raise ValueError("every query needs distinct source and target")
        if hop_limits.shape != (queries.shape[0],) or np.any(hop_limits < 1):
            raise ValueError("hop_limits needs one positive limit per query")
        set_ = object.__setattr__
        set_(self, "name", str(self.name))
        for key, value in (
            ("indptr", indptr),
            ("indices", indices),
            ("lengths", lengths),
            ("coordinates", coordinates),
            ("queries", queries),
            ("hop_limits", hop_limits),
        ):
            set_(self, key, value)
        set_(self, "directed", not np.isin(indices * n + rows, keys).all())

    @property
    def num_nodes(self) -> int:
        """Number of nodes."""
        return int(self.indptr.size - 1)

    @property
    def num_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.size)

    @property
    def num_queries(self) -> int:
        """Number of queries."""
        return int(self.queries.shape[0])

    def out_neighbours(self, node: int) -> NDArray[np.integer]:
        """The out-neighbours of ``node`` (a read-only view)."""
        return self.indices[self.indptr[node] : self.indptr[node + 1]]

    def active_attributes(self) -> frozenset[str]:
        """Names of the active attributes (see :data:`PATH_ATTRIBUTES`)."""
        return frozenset({"directed"}) if self.directed else frozenset()

    def to_csgraph(self) -> object:
        """The graph as a ``scipy.sparse.csr_array`` of edge lengths."""
        from scipy.sparse import csr_array

        n = self.num_nodes
        return csr_array((self.lengths, self.indices, self.indptr), shape=(n, n))


def shortest_lengths(instance: PathQueryInstance) -> FloatArray:
    """The Dijkstra shortest length of every query (``inf`` where the target is unreachable)."""
    from scipy.sparse.csgraph import dijkstra

    graph = instance.to_csgraph()
    sources, where = np.unique(instance.queries[:, 0], return_inverse=True)
    result = np.empty(instance.num_queries)
    for lo in range(0, sources.size, _SOURCES_PER_BLOCK):
        block = sources[lo : lo + _SOURCES_PER_BLOCK]
        lengths = np.atleast_2d(dijkstra(graph, directed=True, indices=block))
        chosen = (where >= lo) & (where < lo + block.size)
        result[chosen] = lengths[where[chosen] - lo, instance.queries[chosen, 1]]
    return result


@dataclass(frozen=True, eq=False)
class PathSolution:
    """A solver's answer: per query, a node path from source to target, or ``None`` (gave up)."""

    paths: tuple[tuple[int, ...] | None, ...]

    def __post_init__(self) -> None:
        paths = tuple(
            None if path is None else tuple(int(node) for node in path) for path in self.paths
        )
        object.__setattr__(self, "paths", paths)

    @classmethod
    def of(cls, paths: Sequence[Sequence[int] | None]) -> PathSolution:
        """A solution from any sequences of node ids (``None`` for a failed query)."""
        return cls(tuple(None if path is None else tuple(path) for path in paths))


@dataclass(frozen=True)
class PathViolation:
    """One way in which an answered path breaks the instance's rules."""

    kind: str
    """One of ``solution_size``, ``unknown_node``, ``wrong_source``, ``wrong_target``,
    ``missing_edge``, ``over_hop_limit``."""
    message: str
    query: int | None = None


@dataclass(frozen=True, eq=False)
class PathEvaluation:
    """The evaluator's verdict: success rate, stretch against Dijkstra and every violation."""

    success_rate: float
    """Share of queries answered by a valid path."""
    mean_stretch: float
    """Mean of path length over shortest length across successful queries (``nan`` if none)."""
    max_stretch: float
    successes: NDArray[np.bool_]
    """Per query: whether it was answered by a valid path."""
    stretch: FloatArray
    """Per query: path length over shortest length (``nan`` where it failed)."""
    shortest: FloatArray
    """Per query: the Dijkstra shortest length."""
    violations: tuple[PathViolation, ...]

    @property
    def num_successes(self) -> int:
        """Number of queries answered by a valid path."""
        return int(self.successes.sum())

    @property
    def feasible(self) -> bool:
        """True when there is no violation (a query given up is a failure, not a violation)."""
        return not self.violations

    @property
    def objective(self) -> float:
        """The objective to maximise: the success rate."""
        return self.success_rate

    @property
    def penalised_objective(self) -> float:
        """The success rate when feasible, ``-math.inf`` otherwise (a maximisation)."""
        return self.success_rate if self.feasible else -math.inf


def evaluate_paths(instance: PathQueryInstance, solution: PathSolution) -> PathEvaluation:
    """Judge the paths: validity per query, success rate, and stretch against Dijkstra.

    Rules: one entry per query; a path lists node ids, starts at the query's source, ends at its
    target, follows existing edges and uses at most the query's hop limit of them. A path that
    breaks a rule is a violation and its query counts as failed; ``None`` is a failure only.

    Parameters
    ----------
    instance
        The path-query instance.
    solution
        A path or ``None`` per query.

    Returns
    -------
    PathEvaluation
        Success rate, stretch statistics and the violations.
    """
    q, n = instance.num_queries, instance.num_nodes
    paths = list(solution.paths)
    violations: list[PathViolation] = []
    if len(paths) != q:
        violations.append(
            PathViolation("solution_size", f"the solution has {len(paths)} paths for {q} queries")
        )
        paths = (paths + [None] * q)[:q]
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(instance.indptr))
    edge_keys = rows * n + instance.indices
    order = np.argsort(edge_keys, kind="stable")
    sorted_keys, sorted_lengths = edge_keys[order], instance.lengths[order]
    shortest = shortest_lengths(instance)
    stretch = np.full(q, math.nan)
    successes = np.zeros(q, dtype=bool)
    for i, path in enumerate(paths):
        if path is None:
            continue
        source, target = (int(x) for x in instance.queries[i])
        problem = _path_problem(path, source, target, int(instance.hop_limits[i]), n)
        if problem is None:
            nodes = np.asarray(path, dtype=np.int64)
            keys = nodes[:-1] * n + nodes[1:]
            at = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
            missing = sorted_keys[at] != keys
            if missing.any():
                hop = int(np.flatnonzero(missing)[0])
                problem = (
                    "missing_edge",
                    f"no edge {path[hop]} -> {path[hop + 1]} (hop {hop})",
                )
            else:
                stretch[i] = math.fsum(sorted_lengths[at]) / shortest[i]
                successes[i] = True
        if problem is not None:
            violations.append(PathViolation(problem[0], f"query {i}: {problem[1]}", i))
    good = stretch[successes]
    return PathEvaluation(
        success_rate=float(successes.mean()) if q else 0.0,
        mean_stretch=float(good.mean()) if good.size else math.nan,
        max_stretch=float(good.max()) if good.size else math.nan,
        successes=_read_only(successes),
        stretch=_read_only(stretch),
        shortest=_read_only(shortest),
        violations=tuple(violations),
    )


def _path_problem(
    path: tuple[int, ...], source: int, target: int, hop_limit: int, n: int
) -> tuple[str, str] | None:
    """The first rule a path breaks, other than a missing edge, as ``(kind, message)``."""
    if not path or any(not 0 <= node < n for node in path):
        bad = [node for node in path if not 0 <= node < n]
        return "unknown_node", f"path has no nodes or unknown ones {bad[:5]}"
    if path[0] != source:
        return "wrong_source", f"path starts at {path[0]}, the source is {source}"
    if path[-1] != target:
        return "wrong_target", f"path ends at {path[-1]}, the target is {target}"
    if len(path) - 1 > hop_limit:
        return "over_hop_limit", f"path uses {len(path) - 1} edges, the hop limit is {hop_limit}"
    return None


def _read_only(array: NDArray) -> NDArray:
    array.setflags(write=False)
    return array
