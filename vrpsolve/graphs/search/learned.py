"""Learned routing on a similarity graph (Baranchuk, Persiyanov, Sinitsin and Babenko, ICML 2019).

Greedy and beam search compare the query with vertices in the original space and get stuck in
local minima. Here every vertex gets a learned representation ``f(v)`` computed from the base
vectors by graph convolutions over the graph and an MLP, and the query a representation ``g(q)``;
the search routes by distances in that space and re-ranks its best few candidates by exact
distances.

Model (:class:`RoutingModel`)
    The inputs are standardised with the base's mean and scale. ``f(v) = P x_v + MLP(h_v)`` where
    ``P`` is a linear map of the vector (initialised to the top principal directions of the
    base) and ``h_v`` comes from ``layers`` residual graph-convolution blocks (mean of the vertex's
    neighbours in either direction, concatenated with the vertex's own state, a linear layer,
    ELU, a linear layer, then layer normalisation); the MLP's output layer starts at zero, so an
    untrained model routes by the principal components. ``g(q) = P q + Q q`` with ``Q`` linear,
    starting at zero.

Training (:func:`train_routing`), imitation of an oracle with exploration (DAgger)
    For a training query the oracle knows, for every vertex, the BFS hop distance along the
    graph's edges to the query's true nearest neighbour. Each step rolls out the current policy
    on a batch of training queries (the test-time beam search in the learned space, with each
    vertex's distance perturbed by Gumbel noise so that picking the nearest samples from the
    policy's softmax), and at every expansion records the state: the pool's unexpanded vertices,
    of which the oracle marks those fewest hops from the target as right. The loss is the cross
    entropy ``-log sum_right p(v)`` with ``p = softmax(-s * |g(q) - f(v)|^2)`` over the state's
    vertices (``s`` learned). When the rollout met the target, one more state asks the target to
    come first among the vertices it met (what re-ranking needs). Adam; the policy with the best
    Recall@1 on held-out training queries is kept.

Search (:func:`learned_search`) and its DCS convention (the one the authors' published settings
add up to; see :mod:`vrpsolve.graphs.search.model`)
    Mapping the query costs ``out_dim`` DCS (a ``dim x out_dim`` matrix product is ``out_dim``
    distance computations' worth of arithmetic); each learned-space distance costs
    ``out_dim / dim`` DCS; the final ``rerank`` exact distances cost 1 DCS each. The routing beam
    search gets what the budget leaves after the query mapping and the re-ranking.

Torch runs on the CPU; :func:`train_routing` uses one thread (and restores the setting).
"""

from __future__ import annotations

import hashlib
import math
import pickle
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from vrpsolve.core.errors import InputError
from vrpsolve.graphs.search.algorithms import (
    DistanceCounter,
    SearchTrace,
    SimilarityGraph,
    beam_search,
)
from vrpsolve.graphs.search.model import EMPTY, SearchSolution

CHECKPOINT_KIND = "graph-routing"
"""The ``kind`` recorded in learned-routing checkpoints."""


@dataclass(frozen=True)
class RoutingConfig:
    """Sizes of the model and settings of its training.

    The search settings (``ef``, ``rerank``, ``budget``) are those of the training rollouts and
    of the validation that picks the kept policy; a solver may search with others.
    """

    dim: int
    """Dimension of the base vectors."""
    out_dim: int = 24
    """Dimension of the learned representations (each learned distance costs out_dim/dim DCS)."""
    hidden: int = 64
    """Width of the graph-convolution blocks."""
    layers: int = 2
    """Graph-convolution blocks."""
    steps: int = 1000
    """Gradient steps (one batch of rollouts each)."""
    queries_per_step: int = 32
    learning_rate: float = 2e-3
    temperature: float = 1.0
    """Scale of the Gumbel exploration noise (1: sample from the policy; 0: follow it)."""
    ef: int = 32
    rerank: int = 16
    budget: int = 256
    validation_queries: int = 200
    """Training queries held out to pick the best policy."""
    eval_every: int = 50

    def __post_init__(self) -> None:
        if not 0 < self.out_dim <= self.dim:
            raise ValueError(f"out_dim must be in 1..dim={self.dim}, got {self.out_dim}")


CURVE_COLUMNS = ("step", "seconds", "loss", "validation_recall_at_1")
"""The learning curve's columns (:meth:`TrainingRecord.curve_row`)."""


@dataclass(frozen=True)
class TrainingRecord:
    """Validation Recall@1 of the policy after ``step`` gradient steps."""

    step: int
    recall_at_1: float
    loss: float
    """Loss of the last gradient step (``nan`` before the first)."""
    seconds: float
    """Wall-clock seconds since training started."""

    def curve_row(self) -> dict[str, float]:
        """The record as a row of :data:`CURVE_COLUMNS`."""
        return {
            "step": self.step,
            "seconds": self.seconds,
            "loss": self.loss,
            "validation_recall_at_1": self.recall_at_1,
        }


class _ConvBlock(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.mix = nn.Linear(2 * width, width)
        self.out = nn.Linear(width, width)
        self.norm = nn.LayerNorm(width)

    def forward(self, h: torch.Tensor, propagate: torch.Tensor) -> torch.Tensor:
        neighbours = torch.sparse.mm(propagate, h)
        update = self.out(nn.functional.elu(self.mix(torch.cat([h, neighbours], dim=1))))
        return self.norm(h + update)


class RoutingModel(nn.Module):
    """Vertex encoder ``f`` (graph convolutions + MLP) and query encoder ``g``; see the module."""

    centre: torch.Tensor
    spread: torch.Tensor

    def __init__(self, config: RoutingConfig) -> None:
        super().__init__()
        self.config = config
        dim, out, hidden = config.dim, config.out_dim, config.hidden
        self.register_buffer("centre", torch.zeros(dim))
        self.register_buffer("spread", torch.ones(()))
        self.project = nn.Linear(dim, out, bias=False)
        self.embed = nn.Linear(dim, hidden)
        self.blocks = nn.ModuleList(_ConvBlock(hidden) for _ in range(config.layers))
        self.hidden = nn.Linear(hidden, hidden)
        self.output = nn.Linear(hidden, out)
        self.query_map = nn.Linear(dim, out, bias=False)
        self.log_sharpness = nn.Parameter(torch.zeros(()))
        for tensor in (self.output.weight, self.output.bias, self.query_map.weight):
            nn.init.zeros_(tensor)

    def fit_input(self, base: NDArray[np.float32]) -> None:
        """Set the standardisation and ``P`` (top principal directions) from the base vectors."""
        x = torch.as_tensor(base, dtype=torch.float32)
        centre = x.mean(dim=0)
        spread = (x - centre).pow(2).sum(dim=1).mean().sqrt().clamp_min(1e-12)
        z = (x - centre) / spread
        sample = z[torch.randperm(z.shape[0], generator=torch.Generator().manual_seed(0))[:20000]]
        _, _, vh = torch.linalg.svd(sample, full_matrices=False)
        with torch.no_grad():
            self.centre.copy_(centre)
            self.spread.copy_(spread)
            self.project.weight.copy_(vh[: self.config.out_dim] * math.sqrt(self.config.dim))

    def standardise(self, x: torch.Tensor) -> torch.Tensor:
        """Inputs centred on the base mean, divided by the base's RMS norm."""
        return (x - self.centre) / self.spread

    def vertices(self, base: torch.Tensor, propagate: torch.Tensor) -> torch.Tensor:
        """Learned representations ``f(v)`` of every vertex (``n x out_dim``)."""
        z = self.standardise(base)
        h = self.embed(z)
        for block in self.blocks:
            h = block(h, propagate)
        return self.project(z) + self.output(nn.functional.elu(self.hidden(h)))

    def queries(self, queries: torch.Tensor) -> torch.Tensor:
        """Learned representations ``g(q)`` of queries (``q x out_dim``)."""
        z = self.standardise(queries)
        return self.project(z) + self.query_map(z)

    @property
    def sharpness(self) -> torch.Tensor:
        """``s`` in the policy's softmax over ``-s * distance``."""
        return self.log_sharpness.exp()


def propagation_matrix(graph: SimilarityGraph) -> torch.Tensor:
    """Sparse ``n x n`` mean over each vertex's neighbours in either edge direction."""
    n = graph.num_vertices
    rows = np.repeat(np.arange(n), graph.degrees())
    cols = graph.indices.astype(np.int64)
    keys = np.unique(np.concatenate([rows * n + cols, cols * n + rows]))
    src, dst = keys // n, keys % n
    degree = np.bincount(src, minlength=n).astype(np.float32)
    values = 1.0 / np.maximum(degree[src], 1.0)
    index = torch.as_tensor(np.stack([src, dst]))
    return torch.sparse_coo_tensor(
        index, torch.as_tensor(values), (n, n), check_invariants=False
    ).coalesce()


def hop_distances(graph: SimilarityGraph, targets: NDArray[np.int64]) -> NDArray[np.int32]:
    """BFS hops from every vertex to each target along the graph's edges (``-1``: unreachable).

    Returns a ``len(targets) x n`` array.
    """
    return _hops(_reversed(graph), targets)


def _reversed(graph: SimilarityGraph) -> Any:
    from scipy.sparse import csr_matrix

    n = graph.num_vertices
    ones = np.ones(graph.num_edges, dtype=np.float32)
    return csr_matrix((ones, graph.indices, graph.indptr), shape=(n, n)).T.tocsr()


def _hops(reverse: Any, targets: NDArray[np.int64]) -> NDArray[np.int32]:
    from scipy.sparse.csgraph import shortest_path

    hops = shortest_path(reverse, directed=True, unweighted=True, indices=np.asarray(targets))
    hops = np.atleast_2d(hops)
    return np.where(np.isinf(hops), -1, hops).astype(np.int32)


def routing_budget(budget: float, *, out_dim: int, rerank: int) -> float:
    """DCS left for routing in the learned space after mapping the query and re-ranking."""
    return float(budget) - out_dim - rerank


def learned_search(
    graph: SimilarityGraph,
    vertex_vectors: NDArray[np.float32],
    query_vector: NDArray[np.float32],
    base: NDArray[np.float32],
    query: NDArray[np.float32],
    *,
    budget: float,
    ef: int,
    rerank: int,
    k: int | None = None,
) -> SearchTrace:
    """Route in the learned space, then re-rank the ``rerank`` best candidates exactly.

    ``vertex_vectors`` and ``query_vector`` are ``f(V)`` and ``g(q)``; ``base`` and ``query`` are
    the original vectors. DCS follow the module's convention; the search stops at ``budget``.
    Returns the ``k`` (default ``rerank``) nearest re-ranked vertices by exact distance.
    """
    dim, out_dim = base.shape[1], vertex_vectors.shape[1]
    routing = routing_budget(budget, out_dim=out_dim, rerank=rerank)
    cost = out_dim / dim
    if routing < cost:
        raise ValueError(
            f"budget {budget} leaves nothing for routing after {out_dim} DCS for the query "
            f"and {rerank} for re-ranking"
        )
    counter = DistanceCounter(vertex_vectors, query_vector, budget=routing, cost=cost)
    trace = beam_search(graph, counter, ef=ef, k=rerank)
    exact = DistanceCounter(base, query, budget=budget - out_dim - counter.spent)
    exact.compute(trace.ids)
    ids, distances = exact.ranked(rerank if k is None else k)
    return SearchTrace(ids, distances, out_dim + counter.spent + exact.spent, trace.expansions)


@dataclass(frozen=True, eq=False)
class LearnedRouter:
    """A routing model applied to one graph: its vertex representations, ready to search."""

    model: RoutingModel
    graph: SimilarityGraph
    vertex_vectors: NDArray[np.float32]
    """``f(v)`` of every vertex."""

    def encode(self, queries: NDArray[np.float32]) -> NDArray[np.float32]:
        """``g(q)`` of queries."""
        with torch.no_grad():
            mapped = self.model.queries(torch.from_numpy(np.array(queries, dtype=np.float32)))
        return mapped.numpy()

    def search(
        self,
        base: NDArray[np.float32],
        queries: NDArray[np.float32],
        *,
        budget: float,
        ef: int,
        rerank: int,
        k: int,
    ) -> SearchSolution:
        """:func:`learned_search` for every query; the ranked answers and DCS spent."""
        mapped = self.encode(queries)
        ids = np.full((len(queries), k), EMPTY, dtype=np.int64)
        dcs = np.zeros(len(queries))
        for i, query in enumerate(queries):
            trace = learned_search(
                self.graph,
                self.vertex_vectors,
                mapped[i],
                base,
                query,
                budget=budget,
                ef=ef,
                rerank=rerank,
                k=k,
            )
            ids[i, : trace.ids.size] = trace.ids
            dcs[i] = trace.dcs
        return SearchSolution(ids, dcs)


def make_router(model: RoutingModel, graph: SimilarityGraph, base: NDArray) -> LearnedRouter:
    """Compute ``f(v)`` for every vertex of ``graph`` (whose vectors are ``base``)."""
    with torch.no_grad():
        vectors = model.vertices(
            torch.from_numpy(np.array(base, dtype=np.float32)), propagation_matrix(graph)
        )
    return LearnedRouter(model, graph, np.ascontiguousarray(vectors.numpy()))


def graph_fingerprint(graph: SimilarityGraph) -> str:
    """SHA-256 of the graph's CSR arrays and entry (to tell whether a policy saw this graph)."""
    digest = hashlib.sha256()
    digest.update(graph.indptr.tobytes())
    digest.update(graph.indices.tobytes())
    digest.update(str(graph.entry).encode())
    return digest.hexdigest()


RecordT = TypeVar("RecordT")
"""The validation record type of a training run."""


@dataclass
class TrainingRun(Generic[RecordT]):
    """A trained model with its validation history and the wall time it took."""

    model: RoutingModel
    history: list[RecordT] = field(default_factory=list)
    seconds: float = 0.0
    best_step: int = 0


def train_routing(
    base: NDArray[np.float32],
    graph: SimilarityGraph,
    queries: NDArray[np.float32],
    nearest: NDArray[np.int64],
    config: RoutingConfig,
    *,
    seed: int = 0,
    log: Callable[[TrainingRecord], None] | None = None,
) -> TrainingRun[TrainingRecord]:
    """Train a routing model on ``graph`` by imitation of the BFS oracle (see the module).

    Parameters
    ----------
    base
        ``n x d`` base vectors (the graph's vertices).
    graph
        The similarity graph to route on.
    queries
        Training queries; the last ``config.validation_queries`` (at most a quarter) are held
        out for validation.
    nearest
        Id of each training query's true nearest neighbour.
    config
        Model sizes and training settings.
    seed
        Seeds torch and the rollouts.
    log
        Called with each validation record.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _train(base, graph, queries, nearest, config, seed, log)
    finally:
        torch.set_num_threads(previous)


def _train(
    base: NDArray[np.float32],
    graph: SimilarityGraph,
    queries: NDArray[np.float32],
    nearest: NDArray[np.int64],
    config: RoutingConfig,
    seed: int,
    log: Callable[[TrainingRecord], None] | None,
) -> TrainingRun[TrainingRecord]:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    base = np.array(base, dtype=np.float32)
    queries = np.array(queries, dtype=np.float32)
    held = min(config.validation_queries, len(queries) // 4)
    if held < 1 or config.validation_queries < 1:
        raise ValueError("training holds out a quarter of its queries: give at least 4")
    train_q, val_q = queries[: len(queries) - held], queries[len(queries) - held :]
    train_t = np.asarray(nearest[: len(queries) - held], dtype=np.int64)
    val_t = np.asarray(nearest[len(queries) - held :], dtype=np.int64)
    model = RoutingModel(config)
    model.fit_input(base)
    propagate = propagation_matrix(graph)
    reverse = _reversed(graph)
    x = torch.as_tensor(base)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    run: TrainingRun[TrainingRecord] = TrainingRun(model)
    start = time.perf_counter()
    best = (-1.0, {k: v.clone() for k, v in model.state_dict().items()})
    cost = config.out_dim / config.dim
    steps_allowed = math.floor(
        routing_budget(config.budget, out_dim=config.out_dim, rerank=config.rerank) / cost
    )
    loss_value = math.nan
    for step in range(config.steps + 1):
        if step % config.eval_every == 0 or step == config.steps:
            router = make_router(model, graph, base)
            found = router.search(
                base, val_q, budget=config.budget, ef=config.ef, rerank=config.rerank, k=1
            )
            recall = float(np.mean(found.ids[:, 0] == val_t))
            record = TrainingRecord(step, recall, loss_value, time.perf_counter() - start)
            run.history.append(record)
            if log is not None:
                log(record)
            if recall > best[0]:
                best = (recall, {k: v.clone() for k, v in model.state_dict().items()})
                run.best_step = step
        if step == config.steps:
            break
        pick = rng.choice(len(train_q), size=min(config.queries_per_step, len(train_q)))
        vertices = model.vertices(x, propagate)
        vertex_vectors = vertices.detach().numpy()
        with torch.no_grad():
            mapped = model.queries(torch.as_tensor(train_q[pick])).numpy()
            sharpness = float(model.sharpness)
        hops = _hops(reverse, train_t[pick])
        states: list[tuple[int, NDArray[np.int64], NDArray[np.bool_], bool]] = []
        for row in range(pick.size):
            for ids, right, last in _rollout(
                graph,
                vertex_vectors,
                mapped[row],
                hops[row],
                int(train_t[pick[row]]),
                ef=config.ef,
                allowed=steps_allowed,
                sharpness=sharpness,
                temperature=config.temperature,
                rng=rng,
            ):
                states.append((row, ids, right, last))
        if not states:
            continue
        loss = imitation_loss(
            model, vertices, model.queries(torch.as_tensor(train_q[pick])), states
        )
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        loss_value = float(loss.detach())
    model.load_state_dict(best[1])
    model.eval()
    run.seconds = time.perf_counter() - start
    return run


def _rollout(
    graph: SimilarityGraph,
    vectors: NDArray[np.float32],
    query: NDArray[np.float32],
    hops: NDArray[np.int32],
    target: int,
    *,
    ef: int,
    allowed: int,
    sharpness: float,
    temperature: float,
    rng: np.random.Generator,
) -> list[tuple[NDArray[np.int64], NDArray[np.bool_], bool]]:
    """One exploring rollout of the learned beam search; the states the oracle labelled.

    A routing state is the pool's unexpanded vertices with a mask of those fewest hops from the
    target (kept only when the oracle prefers some of them); the final state (flagged ``True``)
    is the 64 vertices met nearest in the learned space with the target, which should come first.
    """
    far = np.iinfo(np.int32).max
    steps = np.where(hops < 0, far, hops)
    seen = np.zeros(graph.num_vertices, dtype=bool)
    clean: dict[int, float] = {}
    pool: dict[int, float] = {}
    expanded: set[int] = set()
    states: list[tuple[NDArray[np.int64], NDArray[np.bool_], bool]] = []

    def measure(ids: NDArray[np.int64]) -> None:
        diff = vectors[ids] - query
        distance = sharpness * np.einsum("ij,ij->i", diff, diff)
        noisy = distance - temperature * rng.gumbel(size=ids.size) if temperature else distance
        for u, d, key in zip(ids.tolist(), distance.tolist(), noisy.tolist(), strict=True):
            clean[u] = d
            if len(pool) < ef or key < max(pool.values()):
                pool[u] = key
                if len(pool) > ef:
                    del pool[max(pool, key=pool.__getitem__)]

    entry = np.array([graph.entry])
    seen[entry] = True
    measure(entry)
    budget = allowed - 1
    while budget > 0:
        open_ = [v for v in pool if v not in expanded]
        if not open_:
            break
        ids = np.array(open_, dtype=np.int64)
        best = steps[ids].min()
        if best < far and np.any(steps[ids] != best):
            states.append((ids, steps[ids] == best, False))
        vertex = open_[int(np.argmin([pool[v] for v in open_]))]
        expanded.add(vertex)
        heads = graph.out_neighbours(vertex).astype(np.int64)
        new = heads[~seen[heads]][:budget]
        seen[new] = True
        budget -= new.size
        if new.size:
            measure(new)
    if target in clean:
        met = np.fromiter(clean, dtype=np.int64, count=len(clean))
        distance = np.fromiter(clean.values(), dtype=np.float64, count=len(clean))
        nearest = met[np.argsort(distance)[:64]]
        if nearest[0] != target:
            ids = np.unique(np.append(nearest, target))
            states.append((ids, ids == target, True))
    return states


def imitation_loss(
    model: RoutingModel,
    vertices: torch.Tensor,
    queries: torch.Tensor,
    states: list[tuple[int, NDArray[np.int64], NDArray[np.bool_], bool]],
) -> torch.Tensor:
    """Cross entropy of the right vertices: mean over routing states plus mean over final ones."""
    sizes = np.array([ids.size for _, ids, _, _ in states])
    width = int(sizes.max())
    row = np.repeat(np.arange(len(states)), sizes)
    col = np.concatenate([np.arange(size) for size in sizes])
    query = np.repeat([q for q, _, _, _ in states], sizes)
    vertex = np.concatenate([ids for _, ids, _, _ in states])
    right = np.concatenate([mask for _, _, mask, _ in states])
    final = torch.as_tensor([last for _, _, _, last in states])
    diff = queries[torch.as_tensor(query)] - vertices[torch.as_tensor(vertex)]
    logits = -model.sharpness * diff.pow(2).sum(dim=1)
    shape = (len(states), width)
    everything = torch.full(shape, -math.inf)
    everything[torch.as_tensor(row), torch.as_tensor(col)] = logits
    chosen = torch.full(shape, -math.inf)
    keep = torch.as_tensor(right)
    chosen[torch.as_tensor(row[right]), torch.as_tensor(col[right])] = logits[keep]
    losses = torch.logsumexp(everything, dim=1) - torch.logsumexp(chosen, dim=1)
    total = losses[~final].mean() if bool((~final).any()) else losses.new_zeros(())
    if bool(final.any()):
        total = total + losses[final].mean()
    return total


def save_checkpoint(
    path: str | Path,
    run: TrainingRun[Any],
    metadata: dict[str, Any],
    *,
    kind: str = CHECKPOINT_KIND,
) -> None:
    """Save the model's weights (float32), config, validation history and ``metadata``.

    ``metadata`` should say how to rebuild the training data (for search: dataset name and seed,
    builder settings, and :func:`graph_fingerprint` of the training graph). ``kind`` names what
    the model routes (:data:`CHECKPOINT_KIND` for search; path routing has its own). The file
    is written atomically.
    """
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    torch.save(
        {
            "kind": kind,
            "config": asdict(run.model.config),
            "state_dict": run.model.state_dict(),
            "history": [asdict(record) for record in run.history],
            "best_step": run.best_step,
            "seconds": run.seconds,
            "metadata": metadata,
        },
        partial,
    )
    partial.replace(path)


def load_checkpoint(
    path: str | Path, *, kind: str = CHECKPOINT_KIND
) -> tuple[RoutingModel, dict[str, Any]]:
    """A saved routing model of ``kind`` and its checkpoint dict (config, history, metadata).

    Raises :class:`~vrpsolve.core.errors.InputError` (naming the file) for an unreadable file or a
    checkpoint of another kind.
    """
    try:
        checkpoint = torch.load(Path(path), map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as error:
        raise InputError(f"cannot read the checkpoint ({error})", path) from None
    if not isinstance(checkpoint, dict) or checkpoint.get("kind") != kind:
        raise InputError(f"not a {kind} checkpoint", path)
    model = RoutingModel(RoutingConfig(**checkpoint["config"]))
    model.load_state_dict(checkpoint["state_dict"])
    model.eval()
    return model, checkpoint


def load_router(path: str | Path, graph: SimilarityGraph, base: NDArray) -> LearnedRouter:
    """Load a checkpoint and apply it to ``graph``, whose vertices' vectors are ``base``."""
    model, _ = load_checkpoint(path)
    if model.config.dim != base.shape[1]:
        raise ValueError(f"the policy expects {model.config.dim}-d vectors, got {base.shape[1]}")
    return make_router(model, graph, base)
