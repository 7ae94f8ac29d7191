"""Similarity-graph builders: a navigable small-world (NSW) graph and an exact kNN graph.

:func:`build_nsw` inserts the vectors in a seeded random order, as NSW and HNSW do: each new
vector searches the graph built so far (beam search of width ``ef_construction``), links to ``m``
of the vertices found, and those vertices link back; a vertex whose out-degree exceeds
``max_degree`` is pruned back to it. Two selection rules: ``"nearest"`` keeps the nearest
candidates (NSW with a degree cap), ``"heuristic"`` keeps a candidate only if it is nearer to the
vertex than to every neighbour already kept (HNSW's neighbour heuristic; with ``max_degree = 2 m``
this is a flat graph like HNSW's bottom layer).

To stay fast in NumPy the insertion is batched: a batch of new vectors searches the graph of the
earlier ones together (one vectorised beam search whose steps advance every query at once), and
the vectors of one batch see each other through an exact brute-force search among themselves, so
each vector's candidates are about what one-by-one insertion would give it. A batch is at most an
eighth of the graph so far (and ``max_batch``): the first vectors go in one at a time and link
across the whole set, the long links that make a small world navigable.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from vrpsolve.graphs.search.algorithms import SimilarityGraph

Selection = Literal["nearest", "heuristic"]
"""How a vertex chooses its out-neighbours among candidates (see the module docstring)."""

_GROWTH = 8
"""A batch holds at most ``1 / _GROWTH`` as many vectors as the graph it joins."""


def build_nsw(
    base: NDArray[np.floating],
    *,
    m: int = 16,
    max_degree: int | None = None,
    ef_construction: int = 64,
    selection: Selection = "heuristic",
    seed: int = 0,
    max_batch: int = 2048,
) -> SimilarityGraph:
    """Build a flat navigable small-world graph by batched incremental insertion.

    Parameters
    ----------
    base
        ``n x d`` vectors.
    m
        Out-neighbours a vertex picks when it is inserted.
    max_degree
        Cap on any vertex's out-degree, kept by pruning (default ``2 m``).
    ef_construction
        Beam width of the insertion searches (candidates per new vertex).
    selection
        ``"heuristic"`` (HNSW's rule) or ``"nearest"``.
    seed
        Seed of the insertion order.
    max_batch
        Largest number of vectors inserted together.

    Returns
    -------
    SimilarityGraph
        Out-neighbours listed nearest first; the entry is the vertex nearest the mean vector.
    """
    x = np.ascontiguousarray(base, dtype=np.float32)
    n = x.shape[0]
    cap = 2 * m if max_degree is None else int(max_degree)
    if m < 1 or cap < m or ef_construction < m or max_batch < 1:
        raise ValueError("need 1 <= m <= max_degree, ef_construction >= m and max_batch >= 1")
    if selection not in ("nearest", "heuristic"):
        raise ValueError(f"selection must be 'nearest' or 'heuristic', got {selection!r}")
    builder = _Builder(x, m, cap, ef_construction, selection)
    order = np.random.default_rng(seed).permutation(n)
    inserted = 0
    while inserted < n:
        size = min(max_batch, max(1, inserted // _GROWTH), n - inserted)
        builder.insert(order[inserted : inserted + size])
        inserted += size
    return builder.graph(_nearest_to_mean(x))


def build_knn_graph(base: NDArray[np.floating], k: int) -> SimilarityGraph:
    """The exact directed k-nearest-neighbour graph (each vertex to its ``k`` nearest others).

    Quadratic time by blocked brute force; meant for small sets and tests. The entry is the
    vertex nearest the mean vector.
    """
    from vrpsolve.graphs.search.datasets import exact_neighbours

    x = np.ascontiguousarray(base, dtype=np.float32)
    n = x.shape[0]
    if not 1 <= k < n:
        raise ValueError(f"k must be in [1, {n - 1}], got {k}")
    found = exact_neighbours(x, x, k + 1)
    rows = []
    for v in range(n):
        row = found[v][found[v] != v]
        rows.append(row[:k])
    indices = np.concatenate(rows).astype(np.int32)
    indptr = np.arange(n + 1, dtype=np.int64) * k
    return SimilarityGraph(indptr, indices, _nearest_to_mean(x))


def _nearest_to_mean(x: NDArray[np.float32]) -> int:
    diff = x - x.mean(axis=0)
    return int(np.argmin(np.einsum("ij,ij->i", diff, diff)))


def _pairwise(vectors: NDArray[np.float32], norms: NDArray[np.float32]) -> NDArray[np.float32]:
    """Squared distances within each row group: ``(s, c, d)`` vectors to ``(s, c, c)``."""
    gram = np.matmul(vectors, vectors.transpose(0, 2, 1))
    return norms[:, :, None] + norms[:, None, :] - 2.0 * gram


class _Builder:
    """Adjacency under construction: fixed-width rows of out-neighbours and their distances."""

    def __init__(
        self, x: NDArray[np.float32], m: int, cap: int, ef: int, selection: Selection
    ) -> None:
        n = x.shape[0]
        self.x, self.m, self.cap, self.ef, self.selection = x, m, cap, ef, selection
        self.norms = np.einsum("ij,ij->i", x, x)
        self.adj = np.full((n, cap), -1, dtype=np.int32)
        self.adj_d = np.full((n, cap), np.inf, dtype=np.float32)
        self.degree = np.zeros(n, dtype=np.int64)
        self.entry = -1

    def insert(self, batch: NDArray[np.int64]) -> None:
        """Link a batch of new vertices into the graph of the earlier ones."""
        inner_ids, inner_d = self._within(batch)
        if self.entry < 0:
            ids, dists = inner_ids, inner_d
            self.entry = int(batch[_nearest_to_mean(self.x[batch])])
        else:
            pool_ids, pool_d = self._search(batch)
            ids = np.concatenate([pool_ids, inner_ids], axis=1)
            dists = np.concatenate([pool_d, inner_d], axis=1)
        order = np.argsort(dists, axis=1, kind="stable")[:, : self.ef]
        ids = np.take_along_axis(ids, order, axis=1)
        dists = np.take_along_axis(dists, order, axis=1)
        keep = self._select(batch, ids, dists, self.m)
        rows, cols = np.nonzero(keep)
        new, old, d = batch[rows], ids[rows, cols], dists[rows, cols]
        self._add_edges(
            np.concatenate([new, old]), np.concatenate([old, new]), np.concatenate([d, d])
        )

    def graph(self, entry: int) -> SimilarityGraph:
        """The finished graph in CSR form."""
        indptr = np.concatenate([[0], np.cumsum(self.degree)])
        indices = self.adj[self.adj >= 0]
        return SimilarityGraph(indptr, indices, entry)

    def _within(self, batch: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """Each batch vector's nearest others in the batch (exact), up to ``ef`` of them."""
        xb, nb = self.x[batch], self.norms[batch]
        dist = nb[:, None] + nb[None, :] - 2.0 * (xb @ xb.T)
        np.fill_diagonal(dist, np.inf)
        t = min(self.ef, batch.size - 1)
        if t < 1:
            return np.empty((batch.size, 0), np.int64), np.empty((batch.size, 0), np.float32)
        part = np.argpartition(dist, t - 1, axis=1)[:, :t]
        return batch[part], np.take_along_axis(dist, part, axis=1)

    def _search(self, batch: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """Beam search of width ``ef`` from the entry for every batch vector at once.

        The pool holds each query's ``ef`` nearest vertices seen; every step expands each active
        query's nearest unexpanded pool vertex. No visited set is needed: a vertex that left a
        full pool is no nearer than its worst entry, which only improves.
        """
        q, qn = self.x[batch], self.norms[batch]
        ef = self.ef
        pool = np.full((batch.size, ef), -1, dtype=np.int64)
        pool_d = np.full((batch.size, ef), np.inf, dtype=np.float32)
        done = np.zeros((batch.size, ef), dtype=bool)
        pool[:, 0] = self.entry
        diff = q - self.x[self.entry]
        pool_d[:, 0] = np.einsum("ij,ij->i", diff, diff)
        active = np.arange(batch.size)
        while active.size:
            masked = np.where(done[active] | (pool[active] < 0), np.inf, pool_d[active])
            slot = np.argmin(masked, axis=1)
            alive = np.isfinite(masked[np.arange(active.size), slot])
            active, slot = active[alive], slot[alive]
            if not active.size:
                break
            done[active, slot] = True
            heads = self.adj[pool[active, slot]].astype(np.int64)
            members = pool[active]
            fresh = (heads >= 0) & ~(heads[:, :, None] == members[:, None, :]).any(axis=2)
            safe = np.where(fresh, heads, 0)
            dots = np.matmul(self.x[safe], q[active][:, :, None])[:, :, 0]
            dist = np.where(fresh, qn[active, None] + self.norms[safe] - 2.0 * dots, np.inf)
            all_ids = np.concatenate([members, np.where(fresh, heads, -1)], axis=1)
            all_d = np.concatenate([pool_d[active], dist.astype(np.float32)], axis=1)
            all_done = np.concatenate([done[active], np.zeros_like(fresh)], axis=1)
            best = np.argpartition(all_d, ef - 1, axis=1)[:, :ef]
            pool[active] = np.take_along_axis(all_ids, best, axis=1)
            pool_d[active] = np.take_along_axis(all_d, best, axis=1)
            done[active] = np.take_along_axis(all_done, best, axis=1)
        return pool, pool_d

    def _select(
        self,
        owners: NDArray[np.int64],
        ids: NDArray[np.int64],
        dists: NDArray[np.float32],
        limit: int,
    ) -> NDArray[np.bool_]:
        """Which candidates each owner keeps (candidates sorted nearest first; -1 or inf: none)."""
        valid = (ids >= 0) & np.isfinite(dists) & (ids != owners[:, None])
        if self.selection == "nearest":
            return valid & (np.cumsum(valid, axis=1) <= limit)
        keep = np.zeros_like(valid)
        chunk = max(1, 2**22 // max(1, ids.shape[1] ** 2))
        for lo in range(0, ids.shape[0], chunk):
            sl = slice(lo, lo + chunk)
            keep[sl] = self._heuristic(ids[sl], dists[sl], valid[sl], limit)
        return keep

    def _heuristic(
        self,
        ids: NDArray[np.int64],
        dists: NDArray[np.float32],
        valid: NDArray[np.bool_],
        limit: int,
    ) -> NDArray[np.bool_]:
        safe = np.where(valid, ids, 0)
        pair = _pairwise(self.x[safe], self.norms[safe])
        keep = np.zeros_like(valid)
        count = np.zeros(ids.shape[0], dtype=np.int64)
        for j in range(ids.shape[1]):
            closer = keep[:, :j] & (pair[:, :j, j] < dists[:, j : j + 1])
            ok = valid[:, j] & (count < limit) & ~closer.any(axis=1)
            keep[:, j] = ok
            count += ok
        return keep

    def _add_edges(
        self, src: NDArray[np.int64], dst: NDArray[np.int64], dist: NDArray[np.float32]
    ) -> None:
        """Merge new edges into the rows of their sources; prune rows beyond the cap."""
        if not src.size:
            return
        n = self.adj.shape[0]
        sources = np.unique(src)
        old = self.adj[sources]
        present = old >= 0
        src = np.concatenate([np.repeat(sources, present.sum(axis=1)), src])
        dst = np.concatenate([old[present].astype(np.int64), dst])
        dist = np.concatenate([self.adj_d[sources][present], dist])
        _, first = np.unique(src * n + dst, return_index=True)
        src, dst, dist = src[first], dst[first], dist[first]
        order = np.lexsort((dist, src))
        src, dst, dist = src[order], dst[order], dist[order]
        starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
        counts = np.diff(np.r_[starts, src.size])
        rank = np.arange(src.size) - np.repeat(starts, counts)
        keep = rank < self.cap
        over = np.flatnonzero(counts > self.cap)
        if over.size and self.selection == "heuristic":
            keep = self._prune(src, dst, dist, starts, counts, over, keep)
        src, dst, dist = src[keep], dst[keep], dist[keep]
        starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
        counts = np.diff(np.r_[starts, src.size])
        rank = np.arange(src.size) - np.repeat(starts, counts)
        self.adj[sources] = -1
        self.adj_d[sources] = np.inf
        self.degree[sources] = 0
        self.adj[src, rank] = dst
        self.adj_d[src, rank] = dist
        self.degree[src[starts]] = counts

    def _prune(
        self,
        src: NDArray[np.int64],
        dst: NDArray[np.int64],
        dist: NDArray[np.float32],
        starts: NDArray[np.int64],
        counts: NDArray[np.int64],
        over: NDArray[np.int64],
        keep: NDArray[np.bool_],
    ) -> NDArray[np.bool_]:
        """Heuristic selection for the rows over the cap, among their ``3 cap`` nearest."""
        width = 3 * self.cap
        keep = keep.copy()
        for group in np.array_split(over, math.ceil(over.size / 4096)):
            positions = starts[group, None] + np.arange(width)[None, :]
            inside = np.arange(width)[None, :] < np.minimum(counts[group], width)[:, None]
            positions = np.where(inside, positions, 0)
            ids = np.where(inside, dst[positions], -1)
            dists = np.where(inside, dist[positions], np.inf).astype(np.float32)
            chosen = self._select(src[starts[group]], ids, dists, self.cap)
            flat = np.zeros(src.size, dtype=bool)
            flat[positions[chosen]] = True
            members = np.isin(src, src[starts[group]])
            keep[members] = flat[members]
        return keep
