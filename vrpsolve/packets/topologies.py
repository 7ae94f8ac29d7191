"""Packet networks to route on: Boyan and Littman's 6x6 grid, Topology Zoo networks, random ones.

Every builder returns a :class:`~vrpsolve.packets.model.PacketNetwork` with links both
ways and takes the same settings: ``load``, ``od`` and ``packet_size`` (the traffic) and
``buffer_size``, ``ttl``, ``duration`` and ``warmup``. Change them later with
:func:`dataclasses.replace` or :meth:`PacketNetwork.with_traffic`.

The native file format (``vrpsolve-packet-network``, JSON) is read by
:func:`read_packet_network` and written by :func:`write_packet_network`::

    {
      "format": "vrpsolve-packet-network", "version": 1,
      "name": "boyan-littman-6x6",
      "description": "free text", "source": "free text",       (optional, ignored)
      "num_nodes": 36,
      "node_names": ["a", ...],                                (optional)
      "coordinates": [[x, y], ...],                            (optional)
      "directed": false,          (false: each link is listed once and used both ways)
      "bandwidth": 1.0,           (default for links that give none)
      "propagation_delay": 0.0,   (default for links that give none)
      "links": [[u, v], [u, v, bandwidth, propagation_delay], ...],
      "traffic": {"load": 2.0, "od": "uniform" | [[...], ...], "packet_size": 1.0},
      "buffer_size": null, "ttl": null, "duration": 10000.0, "warmup": 1000.0
    }

Nodes are ``0..num_nodes-1``; ``null`` means unlimited for ``buffer_size`` and ``ttl``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from vrpsolve.catalog import instances_dir
from vrpsolve.core.errors import InputError
from vrpsolve.core.files import VERSION, load_json, write_text_atomic
from vrpsolve.flows.topology import read_topology
from vrpsolve.packets.model import OD, PacketLink, PacketNetwork, TrafficModel

FORMAT_TAG = "vrpsolve-packet-network"
"""The ``format`` field of the native JSON files."""

BOYAN_LITTMAN_FILE = "network/boyan-littman-6x6.json"
"""The 6x6 grid's file, relative to :func:`vrpsolve.catalog.instances_dir`."""

ZOO_NETWORKS: tuple[str, ...] = ("Abilene", "Geant2012", "Nsfnet")
"""Topology Zoo networks bundled in ``instances/network/topologyzoo``."""

ZOO_PACKET_SIZE = 10_000.0
"""Default packet size (kbit) on Topology Zoo networks: 1 ms on a 10 Gbit/s link.

A scaled packet (a 10 Mbit burst rather than a 1500-byte packet), chosen so that queues build at
loads of a few packets per millisecond, which a simulation can afford; ``packet_size=12.0`` gives
real 1500-byte packets, whose queues only build at millions of packets per second.
"""

_SETTINGS = ("buffer_size", "ttl", "duration", "warmup")
_TRAFFIC = ("load", "od", "packet_size")
_KEYS = {
    "format",
    "version",
    "name",
    "description",
    "source",
    "num_nodes",
    "node_names",
    "coordinates",
    "directed",
    "bandwidth",
    "propagation_delay",
    "links",
    "traffic",
    *_SETTINGS,
}


def _network(
    name: str,
    num_nodes: int,
    links: list[PacketLink],
    *,
    load: float,
    od: OD = "uniform",
    packet_size: float = 1.0,
    buffer_size: int | None = None,
    ttl: int | None = None,
    duration: float = 10_000.0,
    warmup: float = 0.0,
    node_names: tuple[str, ...] | None = None,
    coordinates: tuple[tuple[float, float], ...] | None = None,
) -> PacketNetwork:
    return PacketNetwork(
        name=name,
        num_nodes=num_nodes,
        links=tuple(links),
        traffic=TrafficModel(load, od, packet_size),
        buffer_size=buffer_size,
        ttl=ttl,
        duration=duration,
        warmup=warmup,
        node_names=node_names,
        coordinates=coordinates,
    )


def _both_ways(
    edges: list[tuple[int, int]], bandwidth: float, delays: list[float] | None = None
) -> list[PacketLink]:
    links = []
    for k, (u, v) in enumerate(edges):
        delay = 0.0 if delays is None else delays[k]
        links.append(PacketLink(u, v, bandwidth, delay))
        links.append(PacketLink(v, u, bandwidth, delay))
    return links


# -- the native JSON format ----------------------------------------------------------------------
def read_packet_network(path: str | Path, **overrides: Any) -> PacketNetwork:
    """Read a ``vrpsolve-packet-network`` JSON file (format in this module's docstring).

    Parameters
    ----------
    path
        The file.
    **overrides
        Replace the file's ``name``, traffic (``load``, ``od``, ``packet_size``) or settings
        (``buffer_size``, ``ttl``, ``duration``, ``warmup``).

    Raises
    ------
    InputError
        Naming the file and the field, for a malformed file or invalid values.
    """
    path = Path(path)
    data = load_json(path, FORMAT_TAG)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(unknown)}", path)
    bad = sorted(set(overrides) - {"name", *_TRAFFIC, *_SETTINGS})
    if bad:
        raise TypeError(f"unknown setting(s) {', '.join(bad)}")
    for key in ("num_nodes", "links"):
        if key not in data:
            raise InputError(f"missing field {key!r}", path)
    try:
        n = data["num_nodes"]
        default_bandwidth = float(data.get("bandwidth", 1.0))
        default_delay = float(data.get("propagation_delay", 0.0))
        directed = bool(data.get("directed", False))
        if not isinstance(data["links"], list):
            raise ValueError("links must be a list")
        links: list[PacketLink] = []
        for k, entry in enumerate(data["links"]):
            if not (isinstance(entry, list) and len(entry) in (2, 4)):
                raise ValueError(
                    f"links[{k}] must be [source, target] or "
                    f"[source, target, bandwidth, propagation_delay], got {entry!r}"
                )
            u, v = entry[0], entry[1]
            bandwidth, delay = (entry[2], entry[3]) if len(entry) == 4 else (None, None)
            bandwidth = default_bandwidth if bandwidth is None else bandwidth
            delay = default_delay if delay is None else delay
            try:
                links.append(PacketLink(u, v, bandwidth, delay))
                if not directed:
                    links.append(PacketLink(v, u, bandwidth, delay))
            except ValueError as exc:
                raise ValueError(f"links[{k}]: {exc}") from None
        traffic = dict(data.get("traffic") or {})
        unknown_traffic = sorted(set(traffic) - set(_TRAFFIC))
        if unknown_traffic:
            raise ValueError(f"unknown traffic field(s) {', '.join(unknown_traffic)}")
        settings: dict[str, Any] = {key: data[key] for key in _SETTINGS if key in data}
        for key, value in overrides.items():
            if key in _TRAFFIC:
                traffic[key] = value
            elif key in _SETTINGS:
                settings[key] = value
        if "load" not in traffic:
            raise ValueError("traffic.load is missing (give it in the file or as load=...)")
        names = data.get("node_names")
        points = data.get("coordinates")
        return _network(
            str(overrides.get("name", data.get("name", path.stem))),
            n,
            links,
            **traffic,
            **settings,
            node_names=None if names is None else tuple(names),
            coordinates=None if points is None else tuple(tuple(p) for p in points),
        )
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(str(exc), path) from None


def write_packet_network(
    network: PacketNetwork,
    path: str | Path,
    *,
    description: str | None = None,
    source: str | None = None,
) -> None:
    """Write a network in the ``vrpsolve-packet-network`` JSON format.

    When every link has a reverse with the same bandwidth and delay, each pair is written once
    (``"directed": false``); otherwise every link is written. The most common bandwidth and
    delay become the file's defaults, and only links that differ carry their own values.
    """
    links = network.links
    attrs = {(lk.source, lk.target): (lk.bandwidth, lk.propagation_delay) for lk in links}
    undirected = all(
        attrs.get((lk.target, lk.source)) == attrs[(lk.source, lk.target)] for lk in links
    )
    chosen = [lk for lk in links if not undirected or lk.source < lk.target]
    bandwidths = [lk.bandwidth for lk in chosen]
    delays = [lk.propagation_delay for lk in chosen]
    bandwidth = max(set(bandwidths), key=lambda b: (bandwidths.count(b), -b))
    delay = max(set(delays), key=lambda d: (delays.count(d), -d))
    rows: list[list[Any]] = []
    for lk in chosen:
        if (lk.bandwidth, lk.propagation_delay) == (bandwidth, delay):
            rows.append([lk.source, lk.target])
        else:
            rows.append([lk.source, lk.target, lk.bandwidth, lk.propagation_delay])
    traffic = network.traffic
    data: dict[str, Any] = {"format": FORMAT_TAG, "version": VERSION, "name": network.name}
    if description is not None:
        data["description"] = description
    if source is not None:
        data["source"] = source
    data["num_nodes"] = network.num_nodes
    if network.node_names is not None:
        data["node_names"] = list(network.node_names)
    if network.coordinates is not None:
        data["coordinates"] = [list(p) for p in network.coordinates]
    data["directed"] = not undirected
    data["bandwidth"] = bandwidth
    data["propagation_delay"] = delay
    data["traffic"] = {
        "load": traffic.load,
        "od": traffic.od if traffic.uniform else [list(row) for row in traffic.od],
        "packet_size": traffic.packet_size,
    }
    for key in _SETTINGS:
        data[key] = getattr(network, key)
    # one row per line (links, coordinates, OD rows) keeps the file readable and diffs small
    blocks = {"links": rows}
    if network.coordinates is not None:
        blocks["coordinates"] = data.pop("coordinates")
    text = json.dumps({**data, **{key: f"@{key}@" for key in blocks}}, indent=2)
    for key, block in blocks.items():
        body = ",\n".join(f"    {json.dumps(row)}" for row in block)
        text = text.replace(f'"@{key}@"', f"[\n{body}\n  ]")
    write_text_atomic(path, text + "\n")


# -- Boyan and Littman's grid --------------------------------------------------------------------
def boyan_littman_edges(bridge_rows: tuple[int, ...] = (2, 3)) -> list[tuple[int, int]]:
    """Undirected edges of the reconstructed 6x6 irregular grid (node ``6 * row + column``).

    Each half (columns 0-2 and 3-5) is a full 6-row by 3-column grid; the halves are joined only
    by horizontal links from column 2 to column 3 in ``bridge_rows``. See
    :func:`boyan_littman_grid` for the provenance.
    """
    edges = []
    for row in range(6):
        for col in range(6):
            node = 6 * row + col
            if col < 5 and (col != 2 or row in bridge_rows):
                edges.append((node, node + 1))
            if row < 5:
                edges.append((node, node + 6))
    return edges


def boyan_littman_grid(path: str | Path | None = None, **settings: Any) -> PacketNetwork:
    """Boyan and Littman's 36-node irregular grid, read from ``instances/network/``.

    Reconstruction, not a copy: the paper (Boyan and Littman, "Packet routing in dynamically
    changing networks: a reinforcement learning approach", NIPS 6, 1994) gives the network only
    as a figure. The bundled file keeps the property the experiments rest on: 36 routers on a
    6x6 layout in two clusters of 18 (columns 0-2 and 3-5, each a full grid) joined by only two
    links, in the middle rows 2 and 3 (links 14-15 and 20-21), so that all traffic between the
    clusters crosses them and shortest paths funnel it through the same few routers. Node
    numbers, positions and the exact bridge rows are this reconstruction's choices (see
    :func:`boyan_littman_edges`). As in the paper: unit transmission time (bandwidth 1, packet
    size 1), no propagation delay, unlimited queues, uniform traffic, Poisson arrivals.

    Parameters
    ----------
    path
        Another file in the same format; by default the bundled ``boyan-littman-6x6.json``.
    **settings
        Overrides of the file's ``load``, ``od``, ``packet_size``, ``buffer_size``, ``ttl``,
        ``duration``, ``warmup`` or ``name``.
    """
    return read_packet_network(path or instances_dir() / BOYAN_LITTMAN_FILE, **settings)


# -- Topology Zoo --------------------------------------------------------------------------------
def zoo_network(
    name: str | Path,
    *,
    load: float = 2.0,
    packet_size: float = ZOO_PACKET_SIZE,
    od: OD = "uniform",
    default_capacity: float | None = None,
    buffer_size: int | None = None,
    ttl: int | None = None,
    duration: float = 1_000.0,
    warmup: float = 100.0,
) -> PacketNetwork:
    """A Topology Zoo network (``Abilene``, ``Geant2012``, ``Nsfnet`` or a GML/GraphML path).

    Read with :func:`vrpsolve.flows.topology.read_topology`: link capacities in Mbit/s become
    bandwidths in kbit/ms (the same numbers), propagation delays in ms come from the node
    coordinates (great-circle length at 200 km/ms; 0 where a node has none), and undirected
    edges become links both ways. Time is in milliseconds and sizes in kilobits.

    Parameters
    ----------
    name
        A bundled network's name (see :data:`ZOO_NETWORKS`) or a file path.
    load
        Packets per millisecond over the whole network.
    packet_size
        Kilobits per packet; see :data:`ZOO_PACKET_SIZE` for the scaled default.
    od
        ``"uniform"`` or an OD weight matrix in node order.
    default_capacity
        Mbit/s for links whose speed the file omits (the reader's default when ``None``).
    buffer_size, ttl, duration, warmup
        As in :class:`PacketNetwork` (duration and warmup in ms).
    """
    path = Path(name)
    if str(name) in ZOO_NETWORKS:
        path = instances_dir() / "network" / "topologyzoo" / f"{name}.gml"
    options: dict[str, Any] = {}
    if default_capacity is not None:
        options["default_capacity"] = default_capacity
    topology = read_topology(path, **options)
    index = {node: k for k, node in enumerate(topology.nodes)}
    links = [
        PacketLink(index[lk.source], index[lk.target], lk.capacity, lk.delay)
        for lk in topology.links
    ]
    points = topology.coordinates
    coordinates = None
    if points and all(p is not None for p in points):
        coordinates = tuple((float(p[0]), float(p[1])) for p in points if p is not None)
    return _network(
        topology.name,
        len(topology.nodes),
        links,
        load=load,
        od=od,
        packet_size=packet_size,
        buffer_size=buffer_size,
        ttl=ttl,
        duration=duration,
        warmup=warmup,
        node_names=tuple(str(node) for node in topology.nodes),
        coordinates=coordinates,
    )


# -- random geometric graphs ---------------------------------------------------------------------
def random_geometric_network(
    num_nodes: int,
    radius: float | None = None,
    *,
    seed: int = 0,
    bandwidth: float = 1.0,
    delay_per_unit: float = 1.0,
    load: float = 1.0,
    packet_size: float = 1.0,
    od: OD = "uniform",
    buffer_size: int | None = None,
    ttl: int | None = None,
    duration: float = 10_000.0,
    warmup: float = 0.0,
) -> PacketNetwork:
    """A seeded random geometric network in the unit square, made connected.

    Nodes are placed by :func:`networkx.random_geometric_graph` (``seed``) and joined when
    closer than ``radius``; while the graph is disconnected, the shortest edge leaving node 0's
    component is added. Every edge becomes two links of ``bandwidth`` whose propagation delay is
    ``delay_per_unit`` times the edge's Euclidean length.

    Parameters
    ----------
    num_nodes
        Number of routers (at least 2).
    radius
        Connection radius; by default ``1.5 * sqrt(ln(n) / (pi * n))``, about 1.5 times the
        connectivity threshold.
    seed
        Seed of the node positions.
    bandwidth, delay_per_unit
        Link bandwidth and propagation delay per unit of length.
    load, packet_size, od, buffer_size, ttl, duration, warmup
        As in :class:`PacketNetwork` and :class:`TrafficModel`.
    """
    import networkx as nx

    if isinstance(num_nodes, bool) or not isinstance(num_nodes, int) or num_nodes < 2:
        raise ValueError(f"num_nodes must be an integer of at least 2, got {num_nodes!r}")
    if radius is None:
        radius = 1.5 * math.sqrt(math.log(num_nodes) / (math.pi * num_nodes))
    if not (math.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be positive and finite, got {radius!r}")
    graph = nx.random_geometric_graph(num_nodes, radius, seed=seed)
    pos = {v: (float(x), float(y)) for v, (x, y) in graph.nodes(data="pos")}
    while not nx.is_connected(graph):
        inside = nx.node_connected_component(graph, 0)
        outside = [v for v in graph if v not in inside]
        u, v = min(
            ((a, b) for a in sorted(inside) for b in outside),
            key=lambda e: (math.dist(pos[e[0]], pos[e[1]]), e),
        )
        graph.add_edge(u, v)
    edges = sorted((min(u, v), max(u, v)) for u, v in graph.edges)
    delays = [delay_per_unit * math.dist(pos[u], pos[v]) for u, v in edges]
    return _network(
        f"rgg-{num_nodes}-seed{seed}",
        num_nodes,
        _both_ways(edges, bandwidth, delays),
        load=load,
        od=od,
        packet_size=packet_size,
        buffer_size=buffer_size,
        ttl=ttl,
        duration=duration,
        warmup=warmup,
        coordinates=tuple(pos[v] for v in range(num_nodes)),
    )


def is_strongly_connected(network: PacketNetwork) -> bool:
    """Whether every router can reach every other one."""
    import networkx as nx

    return bool(nx.is_strongly_connected(network.to_networkx()))


def _grid_network() -> PacketNetwork:
    """The reconstructed grid as written to the bundled file (used to regenerate it)."""
    return _network(
        "boyan-littman-6x6",
        36,
        _both_ways(boyan_littman_edges(), 1.0),
        load=2.0,
        duration=10_000.0,
        warmup=1_000.0,
        coordinates=tuple((float(v % 6), float(5 - v // 6)) for v in range(36)),
    )
