"""Seeded generators of semi-random PFAR networks and flows.

Topologies come from networkx generators (Waxman, Barabási-Albert, grid), are made connected, and
every edge becomes two directed links of the same capacity, so the network is strongly connected.
Capacities are drawn from a list of link speeds and delays are proportional to the distance
between node positions in the unit square. Flows pick their endpoints uniformly or by a gravity
model, draw their demand from a distribution and their priority from classes with given shares.
Everything is drawn from one :class:`numpy.random.Generator`, so a seed fixes the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import networkx as nx
import numpy as np

from vrpsolve.flows.model import AdmissionMode, Flow, FlowAdmissionInstance, Link
from vrpsolve.flows.topology import Topology

TopologyKind = Literal["waxman", "barabasi_albert", "grid"]
TOPOLOGY_KINDS: tuple[str, ...] = ("waxman", "barabasi_albert", "grid")

DEFAULT_LINK_SPEEDS: tuple[float, ...] = (1000.0, 2500.0, 10000.0)
"""Link speeds in Mbit/s (1, 2.5 and 10 Gbit/s)."""

DEFAULT_PRIORITY_SHARES: Mapping[int, float] = {1: 0.4, 2: 0.3, 3: 0.2, 4: 0.1}
"""Priority classes (higher is more important) and the share of flows in each."""

Seed = int | np.random.Generator


def _rng(seed: Seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _connect(graph: nx.Graph, pos: Mapping[int, tuple[float, float]]) -> None:
    """Join the components by adding, each time, the shortest edge leaving node 0's component."""
    while not nx.is_connected(graph):
        inside = nx.node_connected_component(graph, 0)
        outside = [v for v in graph if v not in inside]
        u, v = min(
            ((a, b) for a in sorted(inside) for b in outside),
            key=lambda e: (math.dist(pos[e[0]], pos[e[1]]), e),
        )
        graph.add_edge(u, v)


def _base_graph(
    kind: str,
    n: int,
    rng: np.random.Generator,
    waxman_alpha: float,
    waxman_beta: float,
    attachment: int,
) -> tuple[nx.Graph, dict[int, tuple[float, float]]]:
    nx_seed = int(rng.integers(2**31))
    if kind == "waxman":
        graph = nx.waxman_graph(n, beta=waxman_beta, alpha=waxman_alpha, seed=nx_seed)
        pos = {v: (float(x), float(y)) for v, (x, y) in graph.nodes(data="pos")}
    elif kind == "barabasi_albert":
        if attachment < 1:
            raise ValueError(f"attachment must be positive, got {attachment}")
        graph = nx.barabasi_albert_graph(n, min(attachment, n - 1), seed=nx_seed)
        xy = rng.uniform(size=(n, 2))
        pos = {v: (float(xy[v, 0]), float(xy[v, 1])) for v in range(n)}
    elif kind == "grid":
        rows = max(1, math.isqrt(n))
        cols = math.ceil(n / rows)
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        for v in range(n):
            if (v + 1) % cols and v + 1 < n:
                graph.add_edge(v, v + 1)
            if v + cols < n:
                graph.add_edge(v, v + cols)
        pos = {
            v: (divmod(v, cols)[1] / max(1, cols - 1), divmod(v, cols)[0] / max(1, rows - 1))
            for v in range(n)
        }
    else:
        raise ValueError(f"unknown topology kind {kind!r} (known: {', '.join(TOPOLOGY_KINDS)})")
    _connect(graph, pos)
    return graph, pos


def generate_topology(
    kind: TopologyKind,
    num_nodes: int,
    *,
    seed: Seed = 0,
    link_speeds: Sequence[float] = DEFAULT_LINK_SPEEDS,
    speed_weights: Sequence[float] | None = None,
    delay_scale: float = 10.0,
    waxman_alpha: float = 0.25,
    waxman_beta: float = 0.5,
    attachment: int = 2,
) -> Topology:
    """A random strongly connected network with links both ways.

    Parameters
    ----------
    kind
        ``"waxman"`` (networkx's Waxman graph, joined into one component by shortest edges),
        ``"barabasi_albert"`` (preferential attachment, ``attachment`` edges per new node) or
        ``"grid"`` (a near-square grid with ``num_nodes`` nodes, the last row possibly partial).
    num_nodes
        Number of nodes (at least 2); nodes are named ``0..num_nodes-1``.
    seed
        An integer seed or a NumPy generator (drawn from, so shared draws stay reproducible).
    link_speeds, speed_weights
        Capacities to draw from (same for both directions of an edge) and optional weights.
    delay_scale
        Delay (ms) of a link as long as the side of the unit square holding the node positions.
    waxman_alpha, waxman_beta
        Waxman's distance scale and edge density (networkx's ``alpha`` and ``beta``); the mean
        degree grows with ``num_nodes`` (about 2.5 at 20 nodes and 5.5 at 50 by default).
    attachment
        Barabási-Albert's edges per added node (at most ``num_nodes - 1``).

    Returns
    -------
    Topology
        Nodes, links (both directions of each edge, in sorted edge order) and node positions.
    """
    if num_nodes < 2:
        raise ValueError(f"num_nodes must be at least 2, got {num_nodes}")
    speeds = np.asarray(link_speeds, dtype=np.float64)
    if speeds.size == 0 or not (speeds > 0).all():
        raise ValueError("link_speeds must be a non-empty list of positive speeds")
    weights = None
    if speed_weights is not None:
        weights = np.asarray(speed_weights, dtype=np.float64)
        if weights.shape != speeds.shape or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError("speed_weights must be non-negative, one per speed, not all zero")
        weights = weights / weights.sum()
    rng = _rng(seed)
    graph, pos = _base_graph(kind, num_nodes, rng, waxman_alpha, waxman_beta, attachment)
    edges = sorted((min(u, v), max(u, v)) for u, v in graph.edges)
    capacities = rng.choice(speeds, size=len(edges), p=weights)
    links = []
    for (u, v), capacity in zip(edges, capacities, strict=True):
        delay = round(delay_scale * math.dist(pos[u], pos[v]), 3)
        links += [Link(u, v, float(capacity), delay), Link(v, u, float(capacity), delay)]
    return Topology(
        name=f"{kind}-{num_nodes}",
        nodes=tuple(range(num_nodes)),
        links=tuple(links),
        coordinates=tuple(pos[v] for v in range(num_nodes)),
        notes=(f"generated {kind} topology; capacities in Mbit/s, delays in ms",),
    )


def generate_flows(
    topology: Topology,
    num_flows: int,
    *,
    seed: Seed = 0,
    od: Literal["uniform", "gravity"] = "uniform",
    demand: Literal["uniform", "loguniform"] = "uniform",
    demand_range: tuple[float, float] = (100.0, 1000.0),
    integer_demands: bool = True,
    priority_shares: Mapping[int, float] | Mapping[float, float] = DEFAULT_PRIORITY_SHARES,
    hop_slack: int | None = None,
    delay_slack: float | None = None,
) -> tuple[Flow, ...]:
    """Random flows on a topology.

    Parameters
    ----------
    topology
        The network (its nodes and links).
    num_flows
        Number of flows.
    seed
        An integer seed or a NumPy generator.
    od
        Endpoint choice: ``"uniform"`` over ordered pairs of distinct nodes, or ``"gravity"``,
        where pair ``(s, t)`` has probability proportional to ``m_s * m_t`` and a node's mass
        ``m`` is the capacity of its outgoing links.
    demand, demand_range
        Demand distribution (``"uniform"`` or ``"loguniform"``) between the range's bounds.
    integer_demands
        Round demands to whole numbers (at least 1).
    priority_shares
        Priority classes and their shares (normalised); each flow draws its class.
    hop_slack, delay_slack
        When given, each flow's ``max_hops`` is its fewest possible hops plus ``hop_slack`` and
        its ``max_delay`` is its smallest possible delay times ``1 + delay_slack``.

    Returns
    -------
    tuple of Flow
        The flows, in generation order.
    """
    nodes = topology.nodes
    n = len(nodes)
    low, high = (float(x) for x in demand_range)
    if num_flows < 0 or n < 2:
        raise ValueError("need num_flows >= 0 and a topology with at least 2 nodes")
    if not 0 <= low <= high or (demand == "loguniform" and low <= 0):
        raise ValueError(f"bad demand_range {demand_range!r}")
    classes = np.array(sorted(priority_shares), dtype=np.float64)
    shares = np.array([share for _, share in sorted(priority_shares.items())], dtype=np.float64)
    if classes.size == 0 or (classes < 0).any() or (shares < 0).any() or shares.sum() <= 0:
        raise ValueError("priority_shares needs non-negative classes and shares, not all zero")
    rng = _rng(seed)
    if od == "uniform":
        sources = rng.integers(n, size=num_flows)
        targets = rng.integers(n - 1, size=num_flows)
        targets = targets + (targets >= sources)
    elif od == "gravity":
        index = {v: k for k, v in enumerate(nodes)}
        mass = np.zeros(n)
        for link in topology.links:
            mass[index[link.source]] += link.capacity
        weight = np.outer(mass, mass)
        np.fill_diagonal(weight, 0.0)
        if weight.sum() <= 0:
            raise ValueError("gravity needs nodes with outgoing capacity")
        pairs = rng.choice(n * n, size=num_flows, p=(weight / weight.sum()).ravel())
        sources, targets = np.divmod(pairs, n)
    else:
        raise ValueError(f"unknown od model {od!r}")
    if demand == "uniform":
        demands = rng.uniform(low, high, size=num_flows)
    elif demand == "loguniform":
        demands = np.exp(rng.uniform(math.log(low), math.log(high), size=num_flows))
    else:
        raise ValueError(f"unknown demand distribution {demand!r}")
    if integer_demands:
        demands = np.maximum(1.0, np.round(demands))
    priorities = rng.choice(classes, size=num_flows, p=shares / shares.sum())
    hops = delays = None
    if hop_slack is not None or delay_slack is not None:
        graph = nx.DiGraph()
        graph.add_weighted_edges_from((k.source, k.target, k.delay) for k in topology.links)
        hops = dict(nx.all_pairs_shortest_path_length(graph)) if hop_slack is not None else None
        delays = dict(nx.all_pairs_dijkstra_path_length(graph)) if delay_slack is not None else None
    flows = []
    for s, t, d, p in zip(sources, targets, demands, priorities, strict=True):
        u, v = nodes[int(s)], nodes[int(t)]
        max_hops = None if hops is None or hop_slack is None else hops[u][v] + hop_slack
        max_delay = None
        if delays is not None and delay_slack is not None:
            max_delay = round(delays[u][v] * (1 + delay_slack), 6)
        flows.append(Flow(u, v, float(d), float(p), max_hops=max_hops, max_delay=max_delay))
    return tuple(flows)


def generate_instance(
    kind: TopologyKind,
    num_nodes: int,
    num_flows: int,
    *,
    seed: int = 0,
    mode: AdmissionMode | str = AdmissionMode.WEIGHTED,
    name: str | None = None,
    link_speeds: Sequence[float] = DEFAULT_LINK_SPEEDS,
    od: Literal["uniform", "gravity"] = "uniform",
    demand: Literal["uniform", "loguniform"] = "uniform",
    demand_range: tuple[float, float] = (100.0, 1000.0),
    priority_shares: Mapping[int, float] | Mapping[float, float] = DEFAULT_PRIORITY_SHARES,
    hop_slack: int | None = None,
    delay_slack: float | None = None,
) -> FlowAdmissionInstance:
    """A random PFAR instance: :func:`generate_topology` then :func:`generate_flows`, one seed.

    Parameters are those of the two functions; the name defaults to
    ``"{kind}-n{num_nodes}-f{num_flows}-s{seed}"``.
    """
    rng = np.random.default_rng(seed)
    topology = generate_topology(kind, num_nodes, seed=rng, link_speeds=link_speeds)
    flows = generate_flows(
        topology,
        num_flows,
        seed=rng,
        od=od,
        demand=demand,
        demand_range=demand_range,
        priority_shares=priority_shares,
        hop_slack=hop_slack,
        delay_slack=delay_slack,
    )
    return topology.to_instance(
        flows, mode=mode, name=name or f"{kind}-n{num_nodes}-f{num_flows}-s{seed}"
    )
