"""Vector sets for graph search, all offline: seeded clustered Gaussians and scikit-learn's digits.

A :class:`VectorDataset` holds base vectors, test queries and training queries (for learned
routing), with every query's exact nearest neighbours. :meth:`VectorDataset.instance` pairs it
with a similarity graph to make a :class:`~vrpsolve.graphs.search.model.GraphSearchInstance`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vrpsolve.graphs.search.algorithms import SimilarityGraph
from vrpsolve.graphs.search.model import GraphSearchInstance

_BLOCK_ENTRIES = 1 << 23
"""Query-base distance entries computed at once by :func:`exact_neighbours` (32 MB of float32)."""

_MARGIN = 32
"""Extra float32 candidates that :func:`exact_neighbours` re-ranks in float64."""


def exact_neighbours(
    base: NDArray[np.floating], queries: NDArray[np.floating], k: int
) -> NDArray[np.int64]:
    """Ids of each query's ``k`` nearest base vectors (Euclidean), nearest first.

    Blocked brute force: float32 distances pick the ``k + 32`` nearest candidates of each query,
    which are then ranked by distances recomputed in float64 (ties by id), so rounding cannot
    reorder them.
    """
    x = np.ascontiguousarray(base, dtype=np.float32)
    y = np.ascontiguousarray(queries, dtype=np.float32)
    n = x.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, {n}], got {k}")
    norms = np.einsum("ij,ij->i", x, x)
    wide = min(n, k + _MARGIN)
    result = np.empty((y.shape[0], k), dtype=np.int64)
    step = max(1, min(_BLOCK_ENTRIES // n, (_BLOCK_ENTRIES // 2) // (wide * x.shape[1])))
    for lo in range(0, y.shape[0], step):
        block = y[lo : lo + step]
        dist = norms[None, :] - 2.0 * (block @ x.T)
        if wide < n:
            candidates = np.argpartition(dist, wide - 1, axis=1)[:, :wide]
        else:
            candidates = np.broadcast_to(np.arange(n), dist.shape)
        diff = x[candidates].astype(np.float64) - block[:, None, :].astype(np.float64)
        exact = np.einsum("qcd,qcd->qc", diff, diff)
        order = np.lexsort((candidates, exact), axis=1)[:, :k]
        result[lo : lo + step] = np.take_along_axis(candidates, order, axis=1)
    return result


@dataclass(frozen=True, eq=False)
class VectorDataset:
    """Base vectors, test and training queries, and their exact nearest neighbours."""

    name: str
    base: NDArray[np.float32]
    queries: NDArray[np.float32]
    """Test queries (the instance's)."""
    neighbours: NDArray[np.int64]
    """``q x k`` exact neighbours of the test queries."""
    train_queries: NDArray[np.float32]
    """Queries for training learned routing, disjoint from the test queries."""
    train_neighbours: NDArray[np.int64]
    """``t x k`` exact neighbours of the training queries."""
    seed: int

    def instance(
        self, graph: SimilarityGraph, *, budget: int, name: str | None = None
    ) -> GraphSearchInstance:
        """The graph-search instance of the test queries on ``graph`` with a DCS budget."""
        return GraphSearchInstance(
            name=name or self.name,
            base=self.base,
            queries=self.queries,
            neighbours=self.neighbours,
            indptr=graph.indptr,
            indices=graph.indices,
            entry=graph.entry,
            budget=budget,
        )


def clustered_gaussians(
    num_base: int = 100_000,
    num_queries: int = 10_000,
    num_train: int = 10_000,
    *,
    dim: int = 96,
    clusters: int = 64,
    intrinsic_dim: int = 16,
    separation: float = 2.0,
    noise: float = 0.1,
    k: int = 10,
    seed: int = 0,
) -> VectorDataset:
    """A seeded mixture of Gaussian clusters in ``dim`` dimensions.

    Each cluster has a centre drawn from ``N(0, separation^2 I)`` and spreads mostly along its own
    ``intrinsic_dim`` random orthonormal directions (scales uniform in [0.5, 1.5]), plus isotropic
    noise of standard deviation ``noise``; a point picks its cluster uniformly. Base vectors, test
    queries and training queries are independent draws from the same mixture. Deterministic for
    a seed (NumPy's PCG64).
    """
    if min(num_base, num_queries, num_train, dim, clusters, intrinsic_dim) < 1:
        raise ValueError("sizes, dimensions and cluster count must be positive")
    if intrinsic_dim > dim:
        raise ValueError(f"intrinsic_dim {intrinsic_dim} exceeds dim {dim}")
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, separation, size=(clusters, dim))
    bases = np.linalg.qr(rng.normal(size=(clusters, dim, intrinsic_dim)))[0]
    scales = rng.uniform(0.5, 1.5, size=(clusters, intrinsic_dim))

    def draw(count: int) -> NDArray[np.float32]:
        label = rng.integers(clusters, size=count)
        latent = rng.normal(size=(count, intrinsic_dim)) * scales[label]
        points = centres[label] + np.einsum("ndk,nk->nd", bases[label], latent)
        points += rng.normal(0.0, noise, size=(count, dim))
        return points.astype(np.float32)

    base, queries, train = draw(num_base), draw(num_queries), draw(num_train)
    return VectorDataset(
        name=f"gauss{clusters}c-{dim}d-{num_base}",
        base=base,
        queries=queries,
        neighbours=exact_neighbours(base, queries, k),
        train_queries=train,
        train_neighbours=exact_neighbours(base, train, k),
        seed=seed,
    )


def digits(
    num_queries: int = 200, num_train: int = 400, *, k: int = 10, seed: int = 0
) -> VectorDataset:
    """scikit-learn's bundled handwritten digits (1797 vectors of 64 pixels, values 0-16).

    A seeded permutation splits them into test queries, training queries and the base (the
    rest). Nothing is downloaded: the data ship with scikit-learn.
    """
    from sklearn.datasets import load_digits

    data = load_digits().data.astype(np.float32)
    if num_queries + num_train >= data.shape[0] - k:
        raise ValueError("too many queries for the 1797 digits")
    order = np.random.default_rng(seed).permutation(data.shape[0])
    queries = data[order[:num_queries]]
    train = data[order[num_queries : num_queries + num_train]]
    base = data[order[num_queries + num_train :]]
    return VectorDataset(
        name=f"digits-{base.shape[0]}",
        base=base,
        queries=queries,
        neighbours=exact_neighbours(base, queries, k),
        train_queries=train,
        train_neighbours=exact_neighbours(base, train, k),
        seed=seed,
    )
