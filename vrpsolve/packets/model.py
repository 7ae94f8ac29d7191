"""Packet routing: the network instance, its traffic model and the report of a simulation.

A :class:`PacketNetwork` is a directed graph of routers (nodes ``0..n-1``) joined by links with a
bandwidth and a propagation delay, a per-node buffer limit, a hop limit (TTL) and a
:class:`TrafficModel` that injects packets as a Poisson process. A *solution* is a routing policy
(see :mod:`vrpsolve.packets.simulator` for the protocol), and the one evaluator,
:func:`~vrpsolve.packets.simulator.evaluate_policy`, judges it by simulating it and returning a
:class:`SimulationReport`.

Units
-----
Time and data units are abstract but must be consistent: a link's ``bandwidth`` is in data units
per time unit and the traffic's ``packet_size`` in data units, so a packet occupies a link for
``packet_size / bandwidth`` time units (its transmission time), then travels for the link's
``propagation_delay``. Boyan and Littman's grid uses bandwidth 1, packet size 1 and no propagation
delay: each router sends one packet per time unit, as in their simulator. The Topology Zoo networks
of :mod:`vrpsolve.packets.topologies` use milliseconds and kilobits (so a bandwidth in kbit/ms
reads the same as the file's Mbit/s).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from vrpsolve.core.files import check_finite

if TYPE_CHECKING:
    import networkx as nx


FloatArray = NDArray[np.float64]

MAX_NODES = 5_000
"""The most routers a packet network may have: the simulator and the learned policies keep
``n x n`` tables. The bundled networks have at most a few dozen."""

MAX_PACKETS = 10_000_000
"""The most packets a network's traffic may be expected to send (load times duration): the
simulator handles each one in Python, so a simulation of this many takes hours. The bundled grid
at load 2.5 sends 25,000 in its 10,000 time units."""

PACKET_ATTRIBUTES: frozenset[str] = frozenset(
    {"finite_buffers", "ttl", "od_matrix", "propagation_delays", "mixed_bandwidth", "warmup"}
)
"""Every attribute name :meth:`PacketNetwork.active_attributes` can report."""

DropReason = Literal["buffer", "ttl"]
"""Why a packet was dropped: its next queue was full, or it used up its hop limit."""


def _positive_finite(value: object, what: str) -> float:
    number = float(value)  # type: ignore[arg-type]
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{what} must be positive and finite, got {value!r}")
    return number


def _positive_int_or_none(value: object, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{what} must be a positive integer or None, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class PacketLink:
    """A directed link between two routers.

    Parameters
    ----------
    source, target
        Node indices of its tail and head; they must differ.
    bandwidth
        Data units per time unit, positive and finite; a packet's transmission time on the link
        is ``packet_size / bandwidth``.
    propagation_delay
        Time from the end of a transmission to the packet's arrival at ``target``; finite and
        non-negative.
    """

    source: int
    target: int
    bandwidth: float = 1.0
    propagation_delay: float = 0.0

    def __post_init__(self) -> None:
        for end in ("source", "target"):
            value = getattr(self, end)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise ValueError(f"{end} must be a non-negative node index, got {value!r}")
            object.__setattr__(self, end, int(value))
        if self.source == self.target:
            raise ValueError(f"self-loop link at node {self.source}")
        object.__setattr__(self, "bandwidth", _positive_finite(self.bandwidth, "bandwidth"))
        delay = float(self.propagation_delay)
        if not (math.isfinite(delay) and delay >= 0):
            raise ValueError(
                f"propagation_delay must be finite and non-negative, got {self.propagation_delay!r}"
            )
        object.__setattr__(self, "propagation_delay", delay)


OD = Literal["uniform"] | tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class TrafficModel:
    """Where and how often packets enter the network.

    Packets arrive as one Poisson process of rate ``load`` over the whole network; each packet
    draws its (source, destination) pair independently from ``od``. This is the same as an
    independent Poisson process per pair with rate ``load * od[s][d] / sum(od)``.

    Parameters
    ----------
    load
        Mean number of new packets per time unit over the whole network; finite, non-negative.
    od
        ``"uniform"`` (source uniform over the nodes, destination uniform over the other nodes,
        as in Boyan and Littman) or an ``n x n`` matrix of non-negative weights with a zero
        diagonal and a positive sum (it is normalised; stored as a tuple of tuples).
    packet_size
        Size of every packet in data units (see the module's note on units); positive, finite.
    """

    load: float
    od: OD = "uniform"
    packet_size: float = 1.0

    def __post_init__(self) -> None:
        load = float(self.load)
        if not (math.isfinite(load) and load >= 0):
            raise ValueError(f"traffic.load must be finite and non-negative, got {self.load!r}")
        object.__setattr__(self, "load", load)
        object.__setattr__(
            self, "packet_size", _positive_finite(self.packet_size, "traffic.packet_size")
        )
        if isinstance(self.od, str):
            if self.od != "uniform":
                raise ValueError(f"traffic.od must be 'uniform' or a matrix, got {self.od!r}")
            return
        try:
            matrix = np.array(self.od, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError("traffic.od must be 'uniform' or a square numeric matrix") from None
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 2:
            raise ValueError(f"traffic.od must be a square matrix, got shape {matrix.shape}")
        if not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
            raise ValueError("traffic.od entries must be finite and non-negative")
        if np.any(np.diag(matrix) != 0):
            raise ValueError("traffic.od must have a zero diagonal (no packet to itself)")
        if not matrix.sum() > 0:
            raise ValueError("traffic.od must have a positive sum")
        object.__setattr__(self, "od", tuple(tuple(float(x) for x in row) for row in matrix))

    @property
    def uniform(self) -> bool:
        """Whether the pairs are uniform (``od == "uniform"``)."""
        return isinstance(self.od, str)


@dataclass(frozen=True)
class PacketNetwork:
    """A packet routing problem: routers, links, queue and hop limits, traffic and run length.

    Each router has one FIFO queue and sends one packet at a time (Boyan and Littman's model):
    a packet waits in the queue of the router that holds it, is transmitted over the chosen
    link (``packet_size / bandwidth`` time units, during which the router sends nothing else),
    propagates (``propagation_delay``) and joins the next router's queue, or is delivered when
    that router is its destination. See :mod:`vrpsolve.packets.simulator`.

    Parameters
    ----------
    name
        Network name.
    num_nodes
        Number of routers (at least 2), named ``0..num_nodes-1``.
    links
        Directed links, no two with the same source and target; every node needs at least one
        outgoing link (a packet at a node must be able to leave it).
    traffic
        The :class:`TrafficModel`.
    buffer_size
        Most packets waiting in one router's queue (the packet being transmitted not included);
        a packet that arrives at a full queue is dropped. ``None`` for unlimited queues.
    ttl
        Hop limit: a packet that has made ``ttl`` hops without reaching its destination is
        dropped where it arrives. ``None`` for no limit.
    duration
        Simulated time; packets are generated in ``[0, duration)`` and the run stops at
        ``duration`` (packets still travelling are reported as in flight).
    warmup
        Statistics count only packets generated at or after ``warmup`` and the queue lengths of
        the window ``[warmup, duration]``; ``0 <= warmup < duration``.
    node_names
        Optional router names (for plots and readers), one per node.
    coordinates
        Optional ``(x, y)`` positions (longitude/latitude for geographic networks), one per node.

    Raises
    ------
    ValueError
        Naming the bad field (and index), e.g. ``links[3].target`` or ``traffic.od``.
    """

    name: str
    num_nodes: int
    links: tuple[PacketLink, ...]
    traffic: TrafficModel
    buffer_size: int | None = None
    ttl: int | None = None
    duration: float = 10_000.0
    warmup: float = 0.0
    node_names: tuple[str, ...] | None = None
    coordinates: tuple[tuple[float, float], ...] | None = None
    _link_index: dict[tuple[int, int], int] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _out_links: tuple[tuple[int, ...], ...] = field(
        init=False, repr=False, compare=False, default=()
    )

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "name", str(self.name))
        n = self.num_nodes
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 2 <= n <= MAX_NODES:
            raise ValueError(f"num_nodes must be an integer in 2..{MAX_NODES}, got {n!r}")
        n = int(n)
        set_(self, "num_nodes", n)
        set_(self, "links", tuple(self.links))
        index: dict[tuple[int, int], int] = {}
        out: list[list[int]] = [[] for _ in range(n)]
        for k, link in enumerate(self.links):
            if not isinstance(link, PacketLink):
                raise ValueError(f"links[{k}] must be a PacketLink, got {type(link).__name__}")
            for end in ("source", "target"):
                if getattr(link, end) >= n:
                    raise ValueError(
                        f"links[{k}].{end}: node {getattr(link, end)} is not in 0..{n - 1}"
                    )
            pair = (link.source, link.target)
            if pair in index:
                raise ValueError(
                    f"links[{k}]: parallel link {link.source} -> {link.target} "
                    f"(also links[{index[pair]}])"
                )
            index[pair] = k
            out[link.source].append(k)
        for node, leaving in enumerate(out):
            if not leaving:
                raise ValueError(f"links: node {node} has no outgoing link")
        set_(self, "_link_index", index)
        set_(self, "_out_links", tuple(tuple(ks) for ks in out))
        if not isinstance(self.traffic, TrafficModel):
            raise ValueError(f"traffic must be a TrafficModel, got {type(self.traffic).__name__}")
        if not self.traffic.uniform and len(self.traffic.od) != n:
            raise ValueError(
                f"traffic.od: a {len(self.traffic.od)}x{len(self.traffic.od)} matrix for {n} nodes"
            )
        set_(self, "buffer_size", _positive_int_or_none(self.buffer_size, "buffer_size"))
        set_(self, "ttl", _positive_int_or_none(self.ttl, "ttl"))
        set_(self, "duration", _positive_finite(self.duration, "duration"))
        warmup = float(self.warmup)
        if not (math.isfinite(warmup) and 0 <= warmup < self.duration):
            raise ValueError(f"warmup must lie in [0, duration), got {self.warmup!r}")
        set_(self, "warmup", warmup)
        expected = self.traffic.load * self.duration
        if expected > MAX_PACKETS:
            raise ValueError(
                f"load {self.traffic.load:g} over duration {self.duration:g} means about "
                f"{expected:.3g} packets, more than the {MAX_PACKETS:,} one simulation handles"
            )
        if self.node_names is not None:
            names = tuple(str(x) for x in self.node_names)
            if len(names) != n:
                raise ValueError(f"node_names: {len(names)} names for {n} nodes")
            set_(self, "node_names", names)
        if self.coordinates is not None:
            points = tuple((float(x), float(y)) for x, y in self.coordinates)
            if len(points) != n:
                raise ValueError(f"coordinates: {len(points)} points for {n} nodes")
            check_finite(points, "coordinates")
            set_(self, "coordinates", points)

    # -- sizes and lookups -----------------------------------------------------------------------
    @property
    def num_links(self) -> int:
        """Number of directed links."""
        return len(self.links)

    def link_index(self, source: int, target: int) -> int:
        """Index in :attr:`links` of the link ``source -> target``; ``KeyError`` when absent."""
        try:
            return self._link_index[(source, target)]
        except (KeyError, TypeError):
            raise KeyError(f"no link {source!r} -> {target!r}") from None

    def has_link(self, source: object, target: object) -> bool:
        """Whether the link ``source -> target`` exists."""
        try:
            return (source, target) in self._link_index
        except TypeError:
            return False

    def out_links(self, node: int) -> tuple[int, ...]:
        """Indices of the links leaving ``node``, in link order."""
        return self._out_links[node]

    def neighbours(self, node: int) -> tuple[int, ...]:
        """Heads of the links leaving ``node``, in link order (a router's possible actions)."""
        return tuple(self.links[k].target for k in self._out_links[node])

    def transmission_times(self) -> FloatArray:
        """``packet_size / bandwidth`` per link, in link order."""
        size = self.traffic.packet_size
        return np.array([size / link.bandwidth for link in self.links], dtype=np.float64)

    def propagation_delays(self) -> FloatArray:
        """Propagation delay per link, in link order."""
        return np.array([link.propagation_delay for link in self.links], dtype=np.float64)

    def link_latencies(self) -> FloatArray:
        """Transmission plus propagation time per link: its latency on an empty network."""
        return self.transmission_times() + self.propagation_delays()

    def od_probabilities(self) -> FloatArray:
        """The ``n x n`` matrix of (source, destination) probabilities; it sums to 1."""
        n = self.num_nodes
        if self.traffic.uniform:
            matrix = np.full((n, n), 1.0 / (n * (n - 1)))
            np.fill_diagonal(matrix, 0.0)
            return matrix
        matrix = np.array(self.traffic.od, dtype=np.float64)
        return matrix / matrix.sum()

    def active_attributes(self) -> frozenset[str]:
        """Names of the active attributes (see :data:`PACKET_ATTRIBUTES`)."""
        flags = {
            "finite_buffers": self.buffer_size is not None,
            "ttl": self.ttl is not None,
            "od_matrix": not self.traffic.uniform,
            "propagation_delays": any(link.propagation_delay > 0 for link in self.links),
            "mixed_bandwidth": len({link.bandwidth for link in self.links}) > 1,
            "warmup": self.warmup > 0,
        }
        return frozenset(name for name, on in flags.items() if on)

    def with_traffic(self, **changes: Any) -> PacketNetwork:
        """A copy with some :class:`TrafficModel` fields changed, e.g. ``with_traffic(load=3)``."""
        return replace(self, traffic=replace(self.traffic, **changes))

    def to_networkx(self) -> nx.DiGraph:
        """A new :class:`networkx.DiGraph`; edges carry ``bandwidth``, ``propagation_delay``,
        ``latency`` (transmission plus propagation) and ``index`` (position in :attr:`links`)."""
        import networkx as nx

        graph = nx.DiGraph(name=self.name)
        graph.add_nodes_from(range(self.num_nodes))
        latency = self.link_latencies()
        for k, link in enumerate(self.links):
            graph.add_edge(
                link.source,
                link.target,
                bandwidth=link.bandwidth,
                propagation_delay=link.propagation_delay,
                latency=float(latency[k]),
                index=k,
            )
        return graph


@dataclass(frozen=True)
class SimulationReport:
    """What a simulation measured; every count covers only packets generated after the warmup.

    Conservation holds exactly: ``generated == delivered + dropped + in_flight``.
    """

    generated: int
    """Packets generated in ``[warmup, duration)``, including those dropped at their source."""
    delivered: int
    """Of those, packets that reached their destination by the end of the run."""
    dropped_buffer: int
    """Packets dropped because the queue they were to join was full."""
    dropped_ttl: int
    """Packets dropped because they used up their hop limit."""
    in_flight: int
    """Packets still queued or on a link when the run stopped."""
    mean_delivery_time: float
    """Mean time from generation to delivery of the delivered packets (``nan`` if none)."""
    p95_delivery_time: float
    """95th percentile of the delivery times (``nan`` if none)."""
    max_delivery_time: float
    """Longest delivery time (``nan`` if none)."""
    mean_hops: float
    """Mean number of links the delivered packets crossed (``nan`` if none)."""
    throughput: float
    """Delivered packets per time unit of the window ``[warmup, duration]``."""
    mean_queue_length: float
    """Time-averaged number of packets waiting per router over the window."""
    node_queue_lengths: tuple[float, ...]
    """Time-averaged number of packets waiting at each router over the window."""
    link_packets: tuple[int, ...]
    """Packets sent over each link during the window (all packets), in link order."""
    window: float
    """Length of the measurement window, ``duration - warmup`` (or less for a partial run)."""
    events: int
    """Events the simulator processed (generations, transmissions ends and arrivals)."""

    @property
    def feasible(self) -> bool:
        """Always true: any policy the simulator accepts gives a valid run (drops are costs)."""
        return True

    @property
    def violations(self) -> tuple[()]:
        """No rule can be broken by a completed simulation (an invalid hop stops it)."""
        return ()

    @property
    def objective(self) -> float:
        """The objective to minimise: the mean delivery time."""
        return self.mean_delivery_time

    @property
    def dropped(self) -> int:
        """Packets dropped for any reason."""
        return self.dropped_buffer + self.dropped_ttl

    @property
    def delivery_ratio(self) -> float:
        """Share of the generated packets that were delivered (``nan`` if none generated)."""
        return self.delivered / self.generated if self.generated else math.nan

    @property
    def drop_ratio(self) -> float:
        """Share of the generated packets that were dropped (``nan`` if none generated)."""
        return self.dropped / self.generated if self.generated else math.nan

    def summary(self) -> str:
        """One line with the main figures."""
        return (
            f"generated {self.generated}, delivered {self.delivered}, dropped {self.dropped} "
            f"(buffer {self.dropped_buffer}, ttl {self.dropped_ttl}), in flight {self.in_flight}; "
            f"delivery time mean {self.mean_delivery_time:.4g} p95 {self.p95_delivery_time:.4g}; "
            f"hops {self.mean_hops:.3g}; throughput {self.throughput:.4g}/time unit; "
            f"mean queue {self.mean_queue_length:.3g}"
        )


def delivery_statistics(
    times: Sequence[float], hops: Sequence[int]
) -> tuple[float, float, float, float]:
    """Mean, 95th percentile and maximum of the delivery times, and the mean hop count.

    All four are ``nan`` when no packet was delivered.
    """
    if not times:
        return math.nan, math.nan, math.nan, math.nan
    values = np.asarray(times, dtype=np.float64)
    return (
        float(values.mean()),
        float(np.percentile(values, 95)),
        float(values.max()),
        float(np.mean(np.asarray(hops, dtype=np.float64))),
    )
