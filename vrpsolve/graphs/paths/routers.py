"""Point-to-point routing on networks: instance builders, greedy geographic and learned routing.

Networks
    :func:`osm_network` reads a city's OSM extract from ``instances/osm`` (its largest strongly
    connected drivable component, one-way streets kept; intersections only unless
    ``simplify=False``) with coordinates projected to metres; :func:`geometric_network` draws a
    seeded random geometric (wireless) graph in the unit square and keeps its largest connected
    component; :func:`tntp_network` reads a TNTP traffic-assignment network with free-flow
    times (or lengths) as edge lengths. All are
    :class:`~vrpsolve.graphs.paths.model.PathQueryInstance` objects without queries;
    :func:`with_queries` adds seeded (source, target) queries and their hop limits.

Greedy routing (:func:`greedy_route`)
    A memoryless router: at node ``v`` with target ``t`` the packet moves to the out-neighbour
    ``u`` nearest ``t`` in some vector space (the first such neighbour in CSR order on ties),
    even when ``u`` is farther from ``t`` than ``v``. Since the rule depends on ``(v, t)`` only,
    coming back to a node is an endless loop: the query fails there, or when the hop limit is
    reached. In the coordinates this is greedy geographic forwarding
    (:func:`geographic_paths`); in learned vertex representations it is learned greedy routing
    (:func:`learned_paths`).

Learned routing (:func:`train_path_routing`)
    The vertex encoder of :class:`~vrpsolve.graphs.search.learned.RoutingModel` (graph convolutions
    over the network plus an MLP) maps each node's coordinates, centred on the network's mean and
    divided by its RMS radius, to ``f(v) = P x_v + MLP(h_v)`` in the plane; ``P`` starts as the
    principal directions of the coordinates (a rotation) and the MLP's output at zero, so an
    untrained model routes exactly by geography. The next hop towards ``t`` is the out-neighbour
    nearest ``f(t)``. Training imitates the shortest-path oracle with exploration (DAgger), as
    :func:`~vrpsolve.graphs.search.learned.train_routing` does for nearest-neighbour search: each
    step rolls out the current policy on a batch of training queries, sampling each hop from
    ``softmax(-s |f(u) - f(t)|^2)`` over the out-neighbours (Gumbel noise), and at every visited
    node records the out-neighbours with a mask of those on a shortest path to ``t`` (``length(v, u)
    + d(u, t) = d(v, t)``, from a Dijkstra run to ``t``). The loss is the core's imitation cross
    entropy ``-log sum_right p(u)``; the policy with the best validation success rate is kept. The
    model is inductive: it applies to networks it was not trained on. ``RoutingConfig``'s search
    settings (``ef``, ``rerank``, ``budget``) are not used here, and the query encoder ``g``
    neither: the target is a node, represented by ``f(t)``. (Wider representations, from coordinates
    padded with zeros or with degree features, routed no better in trials on random geometric and
    road graphs.)

Packet routing (:class:`GreedyPacketPolicy`)
    Either greedy rule as a routing policy of :mod:`vrpsolve.packets.simulator`: a next-hop table
    computed from a :class:`~vrpsolve.packets.model.PacketNetwork`'s coordinates (or
    the model's representations of its nodes), judged by
    :func:`~vrpsolve.packets.simulator.evaluate_policy`.

Torch runs on the CPU with one thread while training (the setting is restored).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from vrpsolve.catalog import instances_dir
from vrpsolve.core.errors import InputError
from vrpsolve.graphs.paths.model import (
    PathQueryInstance,
    PathSolution,
    evaluate_paths,
)
from vrpsolve.graphs.search.algorithms import SimilarityGraph

OSM_DIR = instances_dir() / "osm"
"""The shipped OSM extracts (see ``instances/osm/README.md``)."""

CHECKPOINT_KIND = "path-routing"
"""The ``kind`` recorded in learned path-routing checkpoints."""

if TYPE_CHECKING:  # torch and the learned model are imported where learned routing needs them
    from vrpsolve.graphs.search.learned import RoutingConfig, RoutingModel, TrainingRun
    from vrpsolve.packets.model import PacketNetwork
    from vrpsolve.packets.simulator import NodeView, Packet

FloatArray = NDArray[np.float64]
Route = tuple[int, ...]


# -- networks and queries ------------------------------------------------------------------------
def _network(
    name: str, heads: NDArray[np.int64], tails: NDArray[np.int64], coordinates: FloatArray
) -> PathQueryInstance:
    """A query-less instance from directed edges; lengths are Euclidean in ``coordinates``."""
    n = coordinates.shape[0]
    keys = np.unique(heads * n + tails)
    rows, cols = keys // n, keys % n
    lengths = np.linalg.norm(coordinates[rows] - coordinates[cols], axis=1)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    return PathQueryInstance(
        name=name,
        indptr=indptr,
        indices=cols,
        lengths=np.maximum(lengths, 1e-9),
        coordinates=coordinates,
        queries=np.empty((0, 2), dtype=np.int64),
        hop_limits=np.empty(0, dtype=np.int64),
    )


def osm_path(city: str | Path) -> Path:
    """The OSM file of a shipped city (a file stem in ``instances/osm``) or a given path."""
    path = Path(city)
    if path.suffix or path.exists():
        return path
    found = sorted(OSM_DIR.glob(f"{city}.osm*"))
    if not found:
        known = sorted(p.name.split(".")[0] for p in OSM_DIR.glob("*.osm*"))
        raise InputError(f"no shipped OSM extract of that name; known: {', '.join(known)}", city)
    return found[0]


def osm_network(city: str | Path, *, simplify: bool = True) -> PathQueryInstance:
    """The drivable road network of an OSM extract, without queries.

    Parameters
    ----------
    city
        A shipped city's name (``monaco``, ``krems``, ...) or an OSM file
        (see :func:`vrpsolve.networks.roads.load_road_graph`).
    simplify
        Keep only intersections and dead ends (OSMnx's simplification); edge lengths are the
        road lengths either way.

    Returns
    -------
    PathQueryInstance
        The largest strongly connected component, coordinates in metres (a local projection),
        each edge's length the shortest road between its ends (parallel roads merged).
    """
    from vrpsolve.networks.roads import load_road_graph, node_lonlat, project_local

    path = osm_path(city)
    graph = load_road_graph(path, simplify=simplify)
    nodes = list(graph.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    coordinates = project_local(node_lonlat(graph, nodes))
    best: dict[tuple[int, int], float] = {}
    for u, v, length in graph.edges(data="length"):
        key = (index[u], index[v])
        if key[0] != key[1]:
            best[key] = min(best.get(key, math.inf), float(length))
    pairs = np.array(sorted(best), dtype=np.int64)
    network = _network(path.name.split(".")[0], pairs[:, 0], pairs[:, 1], coordinates)
    lengths = np.array([best[(int(u), int(v))] for u, v in _edges(network)])
    return _with_lengths(network, np.maximum(lengths, 1e-3))


def tntp_network(
    path: str | Path, *, weight: Literal["free_flow_time", "length"] = "free_flow_time"
) -> PathQueryInstance:
    """A TNTP road network (``<name>_net.tntp``) without queries.

    Node ``i`` is the file's node ``i + 1``; every link is an edge (of parallel links the one
    with the smaller weight), whose length is its free-flow time (default) or its length, in
    the file's units. Coordinates come from the matching ``<name>_node.tntp`` file, projected
    to metres when they are longitude/latitude (as for :func:`osm_network`) and used as given
    otherwise; greedy geographic routing needs them, so a network without a node file (Anaheim)
    raises :class:`InputError`, as does a node the file gives no coordinates and a link of zero
    weight. All nodes are kept, so ids match the file; :func:`with_queries` draws only
    connected pairs. TNTP bars routes through zone nodes (below ``<FIRST THRU NODE>``); a path
    query has no such rule, so such a network is routed through its zones too.
    """
    from vrpsolve.networks.roads import project_local
    from vrpsolve.networks.tntp import read_tntp_network

    if weight not in ("free_flow_time", "length"):
        raise ValueError(f"weight must be 'free_flow_time' or 'length', got {weight!r}")
    network = read_tntp_network(path, trips=False)
    source = Path(path)
    if not network.coordinates:
        raise InputError(
            "no node file (<name>_node.tntp) next to it: path queries need node coordinates",
            source,
        )
    if any(point is None for point in network.coordinates):
        raise InputError(f"{network.node_file} lacks coordinates for some nodes", source)
    xy = np.array(network.coordinates, dtype=np.float64)
    if (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all():
        xy = project_local(xy)
    weights = network.free_flow_time if weight == "free_flow_time" else network.length
    if not (weights > 0).all():
        bad = int(np.flatnonzero(weights <= 0)[0])
        raise InputError(
            f"link {network.tails[bad]} -> {network.heads[bad]} has {weight} 0; "
            "path lengths must be positive",
            source,
        )
    n = network.num_nodes
    keys = (network.tails - 1) * n + (network.heads - 1)
    order = np.lexsort((weights, keys))
    keys, weights = keys[order], weights[order]
    first = np.concatenate([[True], keys[1:] != keys[:-1]])
    keys, weights = keys[first], weights[first]
    rows = keys // n
    return PathQueryInstance(
        name=network.name,
        indptr=np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]),
        indices=keys % n,
        lengths=weights,
        coordinates=xy,
        queries=np.empty((0, 2), dtype=np.int64),
        hop_limits=np.empty(0, dtype=np.int64),
    )


def _edges(network: PathQueryInstance) -> NDArray[np.int64]:
    """``(m, 2)`` (tail, head) pairs in CSR order."""
    rows = np.repeat(np.arange(network.num_nodes), np.diff(network.indptr))
    return np.column_stack([rows, network.indices])


def _with_lengths(network: PathQueryInstance, lengths: FloatArray) -> PathQueryInstance:
    return PathQueryInstance(
        name=network.name,
        indptr=network.indptr,
        indices=network.indices,
        lengths=lengths,
        coordinates=network.coordinates,
        queries=network.queries,
        hop_limits=network.hop_limits,
    )


def default_radius(num_nodes: int) -> float:
    """``1.2 sqrt(ln n / (pi n))``: 1.2 times the connectivity threshold of a unit-square RGG."""
    return 1.2 * math.sqrt(math.log(num_nodes) / (math.pi * num_nodes))


def geometric_network(
    num_nodes: int, radius: float | None = None, *, seed: int = 0
) -> PathQueryInstance:
    """A seeded random geometric (wireless) graph in the unit square, without queries.

    Nodes are placed by :func:`networkx.random_geometric_graph` and joined (both ways) when
    closer than ``radius`` (default :func:`default_radius`); the largest connected component is
    kept and renumbered. Edge lengths are Euclidean.
    """
    import networkx as nx

    if isinstance(num_nodes, bool) or not isinstance(num_nodes, int) or num_nodes < 2:
        raise ValueError(f"num_nodes must be an integer of at least 2, got {num_nodes!r}")
    radius = default_radius(num_nodes) if radius is None else float(radius)
    if not (math.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be positive and finite, got {radius!r}")
    graph = nx.random_geometric_graph(num_nodes, radius, seed=seed)
    components: list[set[int]] = list(nx.connected_components(graph))
    keep = sorted(components[int(np.argmax([len(part) for part in components]))])
    if len(keep) < 2:
        raise ValueError(f"radius {radius} leaves no connected pair among {num_nodes} nodes")
    index = {v: i for i, v in enumerate(keep)}
    coordinates = np.array([graph.nodes[v]["pos"] for v in keep], dtype=np.float64)
    edges = np.array(
        [(index[u], index[v]) for u, v in graph.subgraph(keep).edges], dtype=np.int64
    ).reshape(-1, 2)
    heads = np.concatenate([edges[:, 0], edges[:, 1]])
    tails = np.concatenate([edges[:, 1], edges[:, 0]])
    return _network(f"rgg-{num_nodes}-r{radius:.3g}-seed{seed}", heads, tails, coordinates)


def hop_counts(network: PathQueryInstance, sources: NDArray[np.int64]) -> FloatArray:
    """BFS hop distances from each source to every node (``inf`` where unreachable)."""
    from scipy.sparse.csgraph import shortest_path

    return np.atleast_2d(
        shortest_path(network.to_csgraph(), directed=True, unweighted=True, indices=sources)
    )


def with_queries(
    network: PathQueryInstance,
    count: int,
    *,
    seed: int = 0,
    hop_factor: float = 4.0,
    hop_slack: int = 10,
    exclude: NDArray[np.integer] | None = None,
    name: str | None = None,
) -> PathQueryInstance:
    """The network with ``count`` seeded queries: uniform distinct (source, target) pairs.

    Only pairs with a path are drawn, and none listed in ``exclude`` (a ``(p, 2)`` array, e.g.
    the training queries). A query's hop limit is ``hop_factor`` times its fewest hops plus
    ``hop_slack``.
    """
    if count < 0:
        raise ValueError(f"count must be non-negative, got {count}")
    rng = np.random.default_rng(seed)
    n = network.num_nodes
    banned = set() if exclude is None else {(int(s), int(t)) for s, t in np.asarray(exclude)}
    pairs: list[tuple[int, int]] = []
    limits: list[int] = []
    for _ in range(100):
        if len(pairs) == count:
            break
        draw = rng.integers(n, size=(2 * (count - len(pairs)) + 8, 2))
        draw = draw[draw[:, 0] != draw[:, 1]]
        hops = hop_counts(network, draw[:, 0])[np.arange(len(draw)), draw[:, 1]]
        for (s, t), h in zip(draw.tolist(), hops.tolist(), strict=True):
            if len(pairs) < count and math.isfinite(h) and (s, t) not in banned:
                banned.add((s, t))
                pairs.append((s, t))
                limits.append(math.ceil(hop_factor * h) + hop_slack)
    if len(pairs) < count:
        raise ValueError(f"{network.name}: could not draw {count} distinct connected pairs")
    return PathQueryInstance(
        name=name or f"{network.name}-q{count}-seed{seed}",
        indptr=network.indptr,
        indices=network.indices,
        lengths=network.lengths,
        coordinates=network.coordinates,
        queries=np.array(pairs, dtype=np.int64).reshape(-1, 2),
        hop_limits=np.array(limits, dtype=np.int64),
    )


# -- greedy routing ------------------------------------------------------------------------------
def greedy_route(
    instance: PathQueryInstance,
    vectors: NDArray[np.floating],
    source: int,
    target: int,
    hop_limit: int,
) -> Route | None:
    """Route greedily by ``vectors`` (see the module); the node path, or ``None`` on failure."""
    goal = vectors[target]
    path = [source]
    visited = {source}
    node = source
    while node != target:
        if len(path) > hop_limit:
            return None
        heads = instance.out_neighbours(node)
        if heads.size == 0:
            return None
        diff = vectors[heads] - goal
        node = int(heads[int(np.argmin(np.einsum("ij,ij->i", diff, diff)))])
        if node in visited:
            return None
        visited.add(node)
        path.append(node)
    return tuple(path)


def greedy_paths(instance: PathQueryInstance, vectors: NDArray[np.floating]) -> PathSolution:
    """:func:`greedy_route` for every query of the instance."""
    return PathSolution(
        tuple(
            greedy_route(instance, vectors, int(s), int(t), int(limit))
            for (s, t), limit in zip(instance.queries, instance.hop_limits, strict=True)
        )
    )


def geographic_paths(instance: PathQueryInstance) -> PathSolution:
    """Greedy geographic forwarding for every query: the next hop nearest the target."""
    return greedy_paths(instance, instance.coordinates)


# -- learned routing -----------------------------------------------------------------------------
def node_features(network: PathQueryInstance) -> NDArray[np.float32]:
    """Node coordinates centred on their mean and divided by their RMS radius (``n x 2``)."""
    xy = network.coordinates - network.coordinates.mean(axis=0)
    radius = math.sqrt(float(np.mean(np.sum(xy**2, axis=1)))) or 1.0
    return np.ascontiguousarray(xy / radius, dtype=np.float32)


def _graph(network: PathQueryInstance) -> SimilarityGraph:
    return SimilarityGraph(network.indptr, network.indices, 0)


def vertex_vectors(model: RoutingModel, network: PathQueryInstance) -> NDArray[np.float32]:
    """The learned representations ``f(v)`` of every node of a network."""
    import torch

    from vrpsolve.graphs.search.learned import propagation_matrix

    with torch.no_grad():
        vectors = model.vertices(
            torch.from_numpy(node_features(network)),
            propagation_matrix(_graph(network)),
        )
    return np.ascontiguousarray(vectors.numpy())


def learned_paths(model: RoutingModel, instance: PathQueryInstance) -> PathSolution:
    """Learned greedy routing for every query: the next hop nearest the target in ``f``."""
    return greedy_paths(instance, vertex_vectors(model, instance))


PATH_CURVE_COLUMNS = (
    "step",
    "seconds",
    "loss",
    "validation_success_rate",
    "validation_mean_stretch",
)
"""The learning curve's columns (:meth:`PathTrainingRecord.curve_row`)."""


@dataclass(frozen=True)
class PathTrainingRecord:
    """Validation figures of the policy after ``step`` gradient steps."""

    step: int
    success_rate: float
    mean_stretch: float
    loss: float
    """Loss of the last gradient step (``nan`` before the first)."""
    seconds: float
    """Wall-clock seconds since training started."""

    def curve_row(self) -> dict[str, float]:
        """The record as a row of :data:`PATH_CURVE_COLUMNS`."""
        return {
            "step": self.step,
            "seconds": self.seconds,
            "loss": self.loss,
            "validation_success_rate": self.success_rate,
            "validation_mean_stretch": self.mean_stretch,
        }


def path_config(**settings: Any) -> RoutingConfig:
    """The default model and training settings of learned path routing, with overrides."""
    from vrpsolve.graphs.search.learned import RoutingConfig

    defaults: dict[str, Any] = {
        "dim": 2,
        "out_dim": 2,
        "hidden": 64,
        "layers": 3,
        "steps": 600,
        "queries_per_step": 32,
        "learning_rate": 2e-3,
        "temperature": 1.0,
        "validation_queries": 300,
        "eval_every": 50,
    }
    return RoutingConfig(**(defaults | settings))


@dataclass
class _Union:
    """Several networks as one block-diagonal graph (node ids offset per network)."""

    networks: list[PathQueryInstance]
    offsets: NDArray[np.int64]
    graph: SimilarityGraph
    lengths: FloatArray
    features: NDArray[np.float32]

    @classmethod
    def of(cls, networks: Sequence[PathQueryInstance]) -> _Union:
        sizes = np.array([net.num_nodes for net in networks], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        edge_starts = np.concatenate([[0], np.cumsum([net.num_edges for net in networks])])
        indptr = np.concatenate(
            [[0]]
            + [net.indptr[1:] + start for net, start in zip(networks, edge_starts, strict=False)]
        )
        indices = np.concatenate(
            [net.indices + offset for net, offset in zip(networks, offsets, strict=True)]
        )
        return cls(
            list(networks),
            offsets,
            SimilarityGraph(indptr, indices, 0),
            np.concatenate([net.lengths for net in networks]),
            np.concatenate([node_features(net) for net in networks]),
        )

    def distances_to(self, targets: NDArray[np.int64]) -> FloatArray:
        """Shortest lengths from every node to each target (``len(targets) x n``)."""
        from scipy.sparse import csr_array
        from scipy.sparse.csgraph import dijkstra

        n = self.graph.num_vertices
        forward = csr_array((self.lengths, self.graph.indices, self.graph.indptr), shape=(n, n))
        return np.atleast_2d(dijkstra(forward.T.tocsr(), directed=True, indices=targets))


def train_path_routing(
    training: Sequence[PathQueryInstance],
    config: RoutingConfig | None = None,
    *,
    seed: int = 0,
    log: Callable[[PathTrainingRecord], None] | None = None,
) -> TrainingRun[PathTrainingRecord]:
    """Train learned greedy routing by imitation of the shortest-path oracle (see the module).

    Parameters
    ----------
    training
        Networks with training queries; of each, the last ``config.validation_queries`` queries
        split evenly over the networks (at most a quarter of its queries) are held out to pick
        the kept policy.
    config
        Model sizes and training settings (default :func:`path_config`).
    seed
        Seeds torch and the rollouts.
    log
        Called with each validation record.
    """
    import torch

    config = path_config() if config is None else config
    if config.dim != 2 or config.out_dim > 2:
        raise ValueError(f"path routing maps 2-d coordinates to at most 2-d, got {config}")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _train(list(training), config, seed, log)
    finally:
        torch.set_num_threads(previous)


def _split(
    training: list[PathQueryInstance], config: RoutingConfig
) -> tuple[list[PathQueryInstance], NDArray[np.int64], NDArray[np.int64]]:
    """Validation instances, and the training queries (union ids) with their hop limits."""
    share = max(1, config.validation_queries // len(training))
    validation, pairs, limits = [], [], []
    offset = 0
    for net in training:
        held = min(share, net.num_queries // 4)
        if held < 1:
            raise ValueError(f"{net.name}: training needs at least 4 queries per network")
        keep = net.num_queries - held
        validation.append(
            PathQueryInstance(
                name=f"{net.name}-validation",
                indptr=net.indptr,
                indices=net.indices,
                lengths=net.lengths,
                coordinates=net.coordinates,
                queries=net.queries[keep:],
                hop_limits=net.hop_limits[keep:],
            )
        )
        pairs.append(net.queries[:keep] + offset)
        limits.append(net.hop_limits[:keep])
        offset += net.num_nodes
    return validation, np.concatenate(pairs), np.concatenate(limits)


def _train(
    training: list[PathQueryInstance],
    config: RoutingConfig,
    seed: int,
    log: Callable[[PathTrainingRecord], None] | None,
) -> TrainingRun[PathTrainingRecord]:
    import torch

    from vrpsolve.graphs.search.learned import (
        RoutingModel,
        TrainingRun,
        imitation_loss,
        propagation_matrix,
    )

    if not training:
        raise ValueError("no training network given")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    validation, pairs, limits = _split(training, config)
    union = _Union.of(training)
    model = RoutingModel(config)
    model.fit_input(union.features)
    propagate = propagation_matrix(union.graph)
    x = torch.as_tensor(union.features)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    run: TrainingRun[PathTrainingRecord] = TrainingRun(model)
    start = time.perf_counter()
    best = (-1.0, math.inf, {k: v.clone() for k, v in model.state_dict().items()})
    loss_value = math.nan
    for step in range(config.steps + 1):
        if step % config.eval_every == 0 or step == config.steps:
            success, stretch = _validate(model, validation)
            record = PathTrainingRecord(
                step, success, stretch, loss_value, time.perf_counter() - start
            )
            run.history.append(record)
            if log is not None:
                log(record)
            if (success, -stretch) > (best[0], -best[1]):
                best = (success, stretch, {k: v.clone() for k, v in model.state_dict().items()})
                run.best_step = step
        if step == config.steps:
            break
        pick = rng.choice(len(pairs), size=min(config.queries_per_step, len(pairs)))
        vertices = model.vertices(x, propagate)
        vectors = vertices.detach().numpy()
        with torch.no_grad():
            sharpness = float(model.sharpness)
        targets = pairs[pick, 1]
        distances = union.distances_to(targets)
        states: list[tuple[int, NDArray[np.int64], NDArray[np.bool_], bool]] = []
        for row in range(pick.size):
            for ids, right in _rollout(
                union,
                vectors,
                int(pairs[pick[row], 0]),
                int(targets[row]),
                int(limits[pick[row]]),
                distances[row],
                sharpness=sharpness,
                temperature=config.temperature,
                rng=rng,
            ):
                states.append((row, ids, right, False))
        if not states:
            continue
        loss = imitation_loss(model, vertices, vertices[torch.as_tensor(targets)], states)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        loss_value = float(loss.detach())
    model.load_state_dict(best[2])
    model.eval()
    run.seconds = time.perf_counter() - start
    return run


def _validate(model: RoutingModel, validation: list[PathQueryInstance]) -> tuple[float, float]:
    """Success rate over all validation queries, and the mean stretch of the successes."""
    successes, stretches = 0, []
    total = 0
    for instance in validation:
        evaluation = evaluate_paths(instance, learned_paths(model, instance))
        successes += evaluation.num_successes
        stretches.extend(evaluation.stretch[evaluation.successes].tolist())
        total += instance.num_queries
    return successes / total, float(np.mean(stretches)) if stretches else math.inf


def _rollout(
    union: _Union,
    vectors: NDArray[np.float32],
    source: int,
    target: int,
    hop_limit: int,
    distance: FloatArray,
    *,
    sharpness: float,
    temperature: float,
    rng: np.random.Generator,
) -> list[tuple[NDArray[np.int64], NDArray[np.bool_]]]:
    """One exploring rollout of learned greedy routing; the states the oracle labelled.

    A state is a visited node's out-neighbours with a mask of those on a shortest path to the
    target, kept when some neighbour is not (otherwise every choice is right).
    """
    graph = union.graph
    goal = vectors[target]
    node, hops = source, 0
    states: list[tuple[NDArray[np.int64], NDArray[np.bool_]]] = []
    while node != target and hops < hop_limit:
        lo, hi = graph.indptr[node], graph.indptr[node + 1]
        heads = graph.indices[lo:hi].astype(np.int64)
        through = union.lengths[lo:hi] + distance[heads]
        right = through <= distance[node] * (1 + 1e-9) + 1e-9
        if not right.all():
            states.append((heads, right))
        diff = vectors[heads] - goal
        scores = sharpness * np.einsum("ij,ij->i", diff, diff)
        if temperature:
            scores = scores - temperature * rng.gumbel(size=heads.size)
        node = int(heads[int(np.argmin(scores))])
        hops += 1
    return states


def save_path_checkpoint(
    path: str | Path, run: TrainingRun[PathTrainingRecord], metadata: dict[str, Any]
) -> None:
    """Save a path-routing model with its history and ``metadata`` (the training networks)."""
    from vrpsolve.graphs.search.learned import save_checkpoint

    save_checkpoint(path, run, metadata, kind=CHECKPOINT_KIND)


def load_path_checkpoint(path: str | Path) -> tuple[RoutingModel, dict[str, Any]]:
    """A saved path-routing model and its checkpoint dict; ``InputError`` for another file."""
    from vrpsolve.graphs.search.learned import load_checkpoint

    return load_checkpoint(path, kind=CHECKPOINT_KIND)


# -- packet routing ------------------------------------------------------------------------------
def packet_paths_network(network: PacketNetwork) -> PathQueryInstance:
    """A packet network as a query-less path instance: its links, each as long as its latency
    on an empty network, and its coordinates (``ValueError`` when it has none)."""
    if network.coordinates is None:
        raise ValueError(f"network {network.name!r} has no coordinates to route greedily by")
    tails = np.array([link.source for link in network.links], dtype=np.int64)
    heads = np.array([link.target for link in network.links], dtype=np.int64)
    order = np.lexsort((heads, tails))
    counts = np.bincount(tails, minlength=network.num_nodes)
    return PathQueryInstance(
        name=network.name,
        indptr=np.concatenate([[0], np.cumsum(counts)]),
        indices=heads[order],
        lengths=network.link_latencies()[order],
        coordinates=np.array(network.coordinates, dtype=np.float64),
        queries=np.empty((0, 2), dtype=np.int64),
        hop_limits=np.empty(0, dtype=np.int64),
    )


class GreedyPacketPolicy:
    """A packet-routing policy that forwards each packet by the greedy rule of :func:`greedy_route`.

    Every router sends a packet to its neighbour nearest the packet's destination in ``vectors``
    (node coordinates: greedy geographic forwarding; learned representations: learned greedy
    routing). The rule ignores queues and the packet's history, so a packet caught in a loop
    circles until the network's ``ttl`` drops it: give the network a ``ttl``.

    Parameters
    ----------
    network
        The packet network.
    vectors
        ``n x d`` node vectors; see :meth:`geographic` and :meth:`learned`.
    """

    def __init__(self, network: PacketNetwork, vectors: NDArray[np.floating]) -> None:
        vectors = np.asarray(vectors, dtype=np.float64)
        n = network.num_nodes
        if vectors.ndim != 2 or vectors.shape[0] != n:
            raise ValueError(f"vectors must have one row per node ({n}), got {vectors.shape}")
        squared = np.sum(vectors**2, axis=1)
        table = np.empty((n, n), dtype=np.int64)
        for node in range(n):
            heads = np.array(network.neighbours(node), dtype=np.int64)
            distance = squared[heads, None] - 2 * vectors[heads] @ vectors.T + squared[None, :]
            table[node] = heads[np.argmin(distance, axis=0)]
        table.setflags(write=False)
        self.table = table
        """Next hop ``[node, destination]``."""
        self._rows: list[list[int]] = table.tolist()

    @classmethod
    def geographic(cls, network: PacketNetwork) -> GreedyPacketPolicy:
        """Greedy geographic forwarding on the network's coordinates."""
        return cls(network, packet_paths_network(network).coordinates)

    @classmethod
    def learned(cls, network: PacketNetwork, model: RoutingModel) -> GreedyPacketPolicy:
        """Learned greedy routing: the model's representations of the network's nodes."""
        return cls(network, vertex_vectors(model, packet_paths_network(network)))

    def next_hop(self, node: int, destination: int, packet: Packet, view: NodeView) -> int:
        """The table's next hop (queues and the packet's history are ignored)."""
        return self._rows[node][destination]
