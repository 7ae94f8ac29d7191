"""A discrete-event simulator of packet routing, with a step-wise interface for learning agents.

Model (Boyan and Littman, 1994)
-------------------------------
Every router has **one FIFO queue** and sends **one packet at a time**. When a router is idle and
its queue is not empty, the packet at the head of the queue needs a routing *decision*: the
router's policy picks a neighbour. The router then transmits the packet over that link for
``packet_size / bandwidth`` time units (it sends nothing else meanwhile); the packet propagates
for the link's ``propagation_delay`` and arrives at the neighbour. There it is delivered if the
neighbour is its destination, dropped if it has made ``ttl`` hops, dropped if the neighbour's
queue already holds ``buffer_size`` waiting packets, and otherwise joins that queue. So a
packet's delivery time is the sum, over its hops, of the time it waited in a queue plus the
link's transmission and propagation time, as in Boyan and Littman's ``q + s``.

Packets enter as a Poisson process of rate ``traffic.load`` over the whole network, each with a
(source, destination) pair drawn from the traffic's OD distribution; a packet whose source queue
is full is dropped at once. The arrival stream is drawn from a :class:`numpy.random.Generator`
seeded by ``seed`` and does not depend on the routing, so the same seed gives the same traffic to
every policy, and the same seed and decisions give the same run. Ties between events at the same
time are broken by the order in which they were scheduled (transmission ends and arrivals before
new packets).

Policies and hooks
------------------
A policy is any object with :meth:`RoutingPolicy.next_hop`. A learning policy may also define
any of the hooks of :class:`SimulationHooks` (``on_forward``, ``on_arrival``, ``on_delivered``,
``on_dropped``); the simulator calls those it finds. That is enough for Q-routing (``on_arrival``
gives the router that sent a packet the time ``q + s`` it took and the receiving router, whose
estimate it needs) and for OLPOMDP (``next_hop`` records the gradient of its log-probability,
``on_delivered`` and ``on_dropped`` give the global reward).

Step-wise use
-------------
:meth:`Simulation.run_until_decision` advances to the next decision and returns a
:class:`Decision` (the router, the packet at the head of its queue, the time and a
:class:`NodeView`); :meth:`Simulation.apply` carries out the chosen neighbour.
:meth:`Simulation.run` is exactly that loop with the policy choosing, so both give the same
report for the same decisions.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from vrpsolve.packets.model import (
    DropReason,
    PacketNetwork,
    SimulationReport,
    delivery_statistics,
)

_FREE, _ARRIVE, _WARMUP = 0, 1, 2
"""Event kinds: a router finished a transmission, a packet arrived at a router, warmup ends."""

_BLOCK = 1024
"""Packets drawn from the random generator at a time."""


class Packet:
    """A packet in the network; policies may read it but must not change its fields.

    Attributes
    ----------
    id
        Serial number, in order of generation (0, 1, ...).
    source, destination
        Its endpoints.
    created
        Generation time.
    hops
        Links it has been sent over so far.
    node
        The router that holds it: the one whose queue it is in, or the one that sent it while
        it is on a link.
    enqueued_at
        When it joined the queue of :attr:`node`.
    data
        Free for a policy's own use (e.g. per-packet bookkeeping); the simulator never reads it.
    """

    __slots__ = ("created", "data", "destination", "enqueued_at", "hops", "id", "node", "source")

    def __init__(self, id: int, source: int, destination: int, created: float) -> None:
        self.id = id
        self.source = source
        self.destination = destination
        self.created = created
        self.hops = 0
        self.node = source
        self.enqueued_at = created
        self.data: Any = None

    def __repr__(self) -> str:
        return (
            f"Packet(id={self.id}, {self.source}->{self.destination}, at {self.node}, "
            f"hops={self.hops}, created={self.created:.6g})"
        )


class NodeView:
    """What a router can see locally when it decides: its links and the queues around it.

    One view exists per router for the life of a simulation; its values are read when asked,
    so they describe the current moment.
    """

    __slots__ = ("_sim", "links", "neighbours", "node")

    def __init__(self, sim: Simulation, node: int) -> None:
        self._sim = sim
        self.node = node
        """The router."""
        self.links: tuple[int, ...] = sim.network.out_links(node)
        """Indices of its outgoing links, in link order."""
        self.neighbours: tuple[int, ...] = sim.network.neighbours(node)
        """Heads of its outgoing links, in the same order: its possible actions."""

    @property
    def time(self) -> float:
        """The current simulated time."""
        return self._sim.time

    @property
    def queue_length(self) -> int:
        """Packets waiting in this router's queue (the one being decided included)."""
        return len(self._sim._queues[self.node])

    @property
    def neighbour_queue_lengths(self) -> tuple[int, ...]:
        """Packets waiting at each neighbour, in :attr:`neighbours` order."""
        queues = self._sim._queues
        return tuple(len(queues[v]) for v in self.neighbours)

    @property
    def neighbour_busy(self) -> tuple[bool, ...]:
        """Whether each neighbour is transmitting, in :attr:`neighbours` order."""
        busy = self._sim._busy
        return tuple(busy[v] for v in self.neighbours)

    @property
    def link_latencies(self) -> tuple[float, ...]:
        """Transmission plus propagation time of each outgoing link, in :attr:`neighbours` order."""
        sim = self._sim
        return tuple(sim._transmission[k] + sim._propagation[k] for k in self.links)


class RoutingPolicy(Protocol):
    """A routing policy: at every decision, the neighbour to send the head-of-queue packet to."""

    def next_hop(self, node: int, destination: int, packet: Packet, view: NodeView) -> int:
        """The neighbour of ``node`` (one of ``view.neighbours``) to send ``packet`` to."""
        ...


class SimulationHooks(Protocol):
    """Callbacks for learning policies and environments; each one is optional.

    The simulator looks each method up once, at :meth:`Simulation.run` or construction, and
    calls only those that exist. All times are absolute simulated times.
    """

    def on_forward(self, node: int, packet: Packet, neighbour: int, time: float) -> None:
        """``node`` starts sending ``packet`` to ``neighbour`` at ``time`` (after the decision).

        The packet waited ``time - packet.enqueued_at`` in the queue; ``packet.hops`` already
        counts this hop.
        """
        ...

    def on_arrival(
        self, node: int, packet: Packet, previous: int, elapsed: float, time: float
    ) -> None:
        """``packet`` arrives at ``node`` from ``previous``, ``elapsed`` after it joined the
        queue of ``previous`` (queue time plus transmission plus propagation: Q-routing's
        ``q + s``). Called for every hop, before the packet is delivered or dropped there."""
        ...

    def on_delivered(self, packet: Packet, time: float) -> None:
        """``packet`` reached its destination at ``time`` (delivery time ``time -
        packet.created``)."""
        ...

    def on_dropped(self, packet: Packet, node: int, reason: DropReason, time: float) -> None:
        """``packet`` was dropped at ``node``: ``"buffer"`` (full queue, also at its source)
        or ``"ttl"`` (hop limit)."""
        ...


class LearningPolicy(RoutingPolicy, SimulationHooks, Protocol):
    """A policy that learns while it routes: :class:`RoutingPolicy` plus every hook."""


@dataclass(frozen=True)
class Decision:
    """A routing decision the simulation waits for (see :meth:`Simulation.run_until_decision`)."""

    node: int
    """The router that must choose."""
    packet: Packet
    """The packet at the head of its queue."""
    time: float
    """The current time."""
    view: NodeView
    """The router's local view; ``view.neighbours`` are the allowed actions."""


def _hook(obj: object, name: str) -> Any:
    method = getattr(obj, name, None)
    return method if callable(method) else None


class Simulation:
    """One run of a packet network, event by event.

    Parameters
    ----------
    network
        The packet network (topology, traffic, limits, duration and warmup).
    seed
        Seed of the random generator that draws the packet arrivals.
    hooks
        An object with any of the :class:`SimulationHooks` methods (an environment that
        computes rewards, say). When ``None``, :meth:`run` uses the policy's own hooks.

    Examples
    --------
    >>> sim = Simulation(network, seed=1)          # doctest: +SKIP
    >>> while (decision := sim.run_until_decision()) is not None:  # doctest: +SKIP
    ...     sim.apply(decision.view.neighbours[0])
    >>> sim.report().mean_delivery_time            # doctest: +SKIP
    """

    def __init__(self, network: PacketNetwork, seed: int = 0, hooks: object = None) -> None:
        self.network = network
        self.seed = seed
        n = network.num_nodes
        self._rng = np.random.default_rng(seed)
        self._queues: list[deque[Packet]] = [deque() for _ in range(n)]
        self._busy = [False] * n
        self._transmission: list[float] = network.transmission_times().tolist()
        self._propagation: list[float] = network.propagation_delays().tolist()
        self._link_of: list[dict[int, int]] = [
            {network.links[k].target: k for k in network.out_links(v)} for v in range(n)
        ]
        self._heads: list[int] = [link.target for link in network.links]
        self._views = tuple(NodeView(self, v) for v in range(n))
        self._heap: list[tuple[float, int, int, int, Packet | None]] = []
        self._seq = 0
        self.time = 0.0
        """The current simulated time."""
        self._pending = -1
        self._finished = False
        self._events = 0
        # traffic
        self._load = network.traffic.load
        self._uniform = network.traffic.uniform
        self._cdf = np.cumsum(network.od_probabilities().ravel())
        self._arrivals: list[float] = []
        self._sources: list[int] = []
        self._targets: list[int] = []
        self._cursor = 0
        self._last_arrival = 0.0
        self._next_id = 0
        self._next_arrival = math.inf
        self._draw()
        # statistics
        self._warmup = network.warmup
        self._queue_area = [0.0] * n
        self._queue_since = [0.0] * n
        self._area_at_warmup = [0.0] * n
        self._link_sent = [0] * network.num_links
        self._sent_at_warmup = [0] * network.num_links
        self._generated = 0
        self._dropped = {"buffer": 0, "ttl": 0}
        self._delivery_times: list[float] = []
        self._delivery_hops: list[int] = []
        self._window_open = self._warmup == 0
        if not self._window_open:
            self._push(self._warmup, _WARMUP, -1, None)
        self._bind(hooks)
        self._explicit_hooks = hooks is not None

    # -- state -----------------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """Whether the run has reached ``network.duration``."""
        return self._finished

    @property
    def pending(self) -> Decision | None:
        """The decision awaiting :meth:`apply`, if any."""
        if self._pending < 0:
            return None
        node = self._pending
        return Decision(node, self._queues[node][0], self.time, self._views[node])

    def view(self, node: int) -> NodeView:
        """The local view of router ``node``."""
        return self._views[node]

    def queue_lengths(self) -> tuple[int, ...]:
        """Packets waiting at each router now."""
        return tuple(len(q) for q in self._queues)

    def packets_in_network(self) -> list[Packet]:
        """Every packet now queued or on a link (generated after warmup or not)."""
        found = [p for q in self._queues for p in q]
        found += [p for *_, p in self._heap if p is not None]
        return found

    # -- traffic ---------------------------------------------------------------------------------
    def _draw(self) -> None:
        """Draw the next block of packet arrivals (times, sources, destinations)."""
        if self._load <= 0:
            self._next_arrival = math.inf
            return
        rng = self._rng
        n = self.network.num_nodes
        gaps = rng.exponential(1.0 / self._load, size=_BLOCK)
        times = self._last_arrival + np.cumsum(gaps)
        if self._uniform:
            sources = rng.integers(n, size=_BLOCK)
            targets = rng.integers(n - 1, size=_BLOCK)
            targets += targets >= sources
        else:
            pairs = np.searchsorted(self._cdf, rng.random(size=_BLOCK) * self._cdf[-1], "right")
            pairs = np.minimum(pairs, n * n - 1)
            sources, targets = np.divmod(pairs, n)
        self._last_arrival = float(times[-1])
        self._arrivals = times.tolist()
        self._sources = sources.tolist()
        self._targets = targets.tolist()
        self._cursor = 0
        first = self._arrivals[0]
        self._next_arrival = first if first < self.network.duration else math.inf

    # -- events ----------------------------------------------------------------------------------
    def _push(self, time: float, kind: int, node: int, packet: Packet | None) -> None:
        heapq.heappush(self._heap, (time, self._seq, kind, node, packet))
        self._seq += 1

    def _bind(self, hooks: object) -> None:
        self._on_forward = _hook(hooks, "on_forward")
        self._on_arrival = _hook(hooks, "on_arrival")
        self._on_delivered = _hook(hooks, "on_delivered")
        self._on_dropped = _hook(hooks, "on_dropped")

    def _drop(self, packet: Packet, node: int, reason: DropReason, time: float) -> None:
        if packet.created >= self._warmup:
            self._dropped[reason] += 1
        if self._on_dropped is not None:
            self._on_dropped(packet, node, reason, time)

    def _advance(self) -> int:
        """Process events up to the next decision; its router, or -1 when the run is over."""
        heap = self._heap
        queues = self._queues
        busy = self._busy
        area = self._queue_area
        since = self._queue_since
        duration = self.network.duration
        buffer = self.network.buffer_size
        ttl = self.network.ttl
        on_arrival = self._on_arrival
        heappop = heapq.heappop
        while True:
            if heap and heap[0][0] <= self._next_arrival:
                time, _, kind, node, packet = heap[0]
                if time > duration:
                    break
                heappop(heap)
                self.time = time
                self._events += 1
                if kind == _FREE:
                    busy[node] = False
                    if queues[node]:
                        self._pending = node
                        return node
                    continue
                if kind == _WARMUP:
                    self._start_window(time)
                    continue
                assert packet is not None
                previous = packet.node
                packet.node = node
                if on_arrival is not None:
                    on_arrival(node, packet, previous, time - packet.enqueued_at, time)
                if node == packet.destination:
                    if packet.created >= self._warmup:
                        self._delivery_times.append(time - packet.created)
                        self._delivery_hops.append(packet.hops)
                    if self._on_delivered is not None:
                        self._on_delivered(packet, time)
                    continue
                if ttl is not None and packet.hops >= ttl:
                    self._drop(packet, node, "ttl", time)
                    continue
            else:
                time = self._next_arrival
                if time == math.inf:
                    break
                self.time = time
                self._events += 1
                k = self._cursor
                node = self._sources[k]
                packet = Packet(self._next_id, node, self._targets[k], time)
                self._next_id += 1
                if time >= self._warmup:
                    self._generated += 1
                self._cursor = k = k + 1
                if k == _BLOCK:
                    self._draw()
                else:
                    following = self._arrivals[k]
                    self._next_arrival = following if following < duration else math.inf
            # the packet joins the queue of `node`
            queue = queues[node]
            length = len(queue)
            if buffer is not None and length >= buffer:
                self._drop(packet, node, "buffer", time)
                continue
            area[node] += length * (time - since[node])
            since[node] = time
            packet.enqueued_at = time
            queue.append(packet)
            if not busy[node]:
                self._pending = node
                return node
        self._finished = True
        self.time = duration
        return -1

    def _start_window(self, time: float) -> None:
        """The warmup ends: queue areas and link counts from now on are the measured ones."""
        for v, queue in enumerate(self._queues):
            self._queue_area[v] += len(queue) * (time - self._queue_since[v])
            self._queue_since[v] = time
        self._area_at_warmup = list(self._queue_area)
        self._sent_at_warmup = list(self._link_sent)
        self._window_open = True

    def _apply(self, neighbour: int) -> None:
        node = self._pending
        link = self._link_of[node].get(neighbour)
        if link is None:
            raise ValueError(
                f"node {node}: {neighbour!r} is not a neighbour "
                f"(neighbours: {', '.join(map(str, self._views[node].neighbours))})"
            )
        neighbour = self._heads[link]  # a plain int even when the action was a NumPy integer
        time = self.time
        queue = self._queues[node]
        self._queue_area[node] += len(queue) * (time - self._queue_since[node])
        self._queue_since[node] = time
        packet = queue.popleft()
        self._pending = -1
        self._busy[node] = True
        self._link_sent[link] += 1
        packet.hops += 1
        done = time + self._transmission[link]
        heap, seq = self._heap, self._seq
        heapq.heappush(heap, (done, seq, _FREE, node, None))
        heapq.heappush(heap, (done + self._propagation[link], seq + 1, _ARRIVE, neighbour, packet))
        self._seq = seq + 2
        if self._on_forward is not None:
            self._on_forward(node, packet, neighbour, time)

    # -- public stepping -------------------------------------------------------------------------
    def run_until_decision(self) -> Decision | None:
        """Advance to the next routing decision; ``None`` once the run has reached its end.

        Raises
        ------
        RuntimeError
            When the previous decision has not been applied.
        """
        if self._pending >= 0:
            raise RuntimeError(f"node {self._pending} awaits a decision: call apply() first")
        if self._finished:
            return None
        node = self._advance()
        if node < 0:
            return None
        return Decision(node, self._queues[node][0], self.time, self._views[node])

    def apply(self, neighbour: int) -> None:
        """Send the pending decision's packet to ``neighbour``.

        Raises
        ------
        RuntimeError
            When no decision is pending.
        ValueError
            When ``neighbour`` is not a neighbour of the deciding router.
        """
        if self._pending < 0:
            raise RuntimeError("no decision is pending: call run_until_decision() first")
        self._apply(neighbour)

    def run(self, policy: RoutingPolicy) -> SimulationReport:
        """Route every decision with ``policy`` until the end and return the report.

        If the simulation was created without ``hooks``, the policy's own hooks (any of
        :class:`SimulationHooks`' methods it defines) are called.
        """
        if not self._explicit_hooks:
            self._bind(policy)
        if self._pending >= 0:
            raise RuntimeError(f"node {self._pending} awaits a decision: call apply() first")
        next_hop = policy.next_hop
        queues, views = self._queues, self._views
        advance, apply = self._advance, self._apply
        if not self._finished:
            while (node := advance()) >= 0:
                packet = queues[node][0]
                apply(next_hop(node, packet.destination, packet, views[node]))
        return self.report()

    # -- results ---------------------------------------------------------------------------------
    def report(self) -> SimulationReport:
        """The statistics so far (the whole window once :attr:`finished`)."""
        end = self.time
        n = self.network.num_nodes
        if self._window_open:
            window = end - self._warmup
            node_queue = [
                (
                    self._queue_area[v]
                    + len(self._queues[v]) * (end - self._queue_since[v])
                    - self._area_at_warmup[v]
                )
                / window
                if window > 0
                else 0.0
                for v in range(n)
            ]
            sent = [a - b for a, b in zip(self._link_sent, self._sent_at_warmup, strict=True)]
        else:
            window = 0.0
            node_queue = [0.0] * n
            sent = [0] * self.network.num_links
        mean, p95, longest, hops = delivery_statistics(self._delivery_times, self._delivery_hops)
        delivered = len(self._delivery_times)
        dropped_buffer, dropped_ttl = self._dropped["buffer"], self._dropped["ttl"]
        in_flight = sum(p.created >= self._warmup for p in self.packets_in_network())
        return SimulationReport(
            generated=self._generated,
            delivered=delivered,
            dropped_buffer=dropped_buffer,
            dropped_ttl=dropped_ttl,
            in_flight=in_flight,
            mean_delivery_time=mean,
            p95_delivery_time=p95,
            max_delivery_time=longest,
            mean_hops=hops,
            throughput=delivered / window if window > 0 else math.nan,
            mean_queue_length=float(np.mean(node_queue)),
            node_queue_lengths=tuple(float(x) for x in node_queue),
            link_packets=tuple(sent),
            window=window,
            events=self._events,
        )


def evaluate_policy(
    network: PacketNetwork, policy: RoutingPolicy, seed: int = 0
) -> SimulationReport:
    """Judge a routing policy on a network by simulating it for ``network.duration``.

    This is the family's one evaluator: the simulation of
    :class:`~vrpsolve.packets.simulator.Simulation` with the traffic drawn from ``seed``. The same
    network, policy (in the same state) and seed give the same report.

    Parameters
    ----------
    network
        The packet network.
    policy
        An object with ``next_hop(node, destination, packet, view) -> neighbour`` and, if it
        learns, any of the hooks of :class:`~vrpsolve.packets.simulator.SimulationHooks`.
    seed
        Seed of the traffic's random generator.

    Returns
    -------
    SimulationReport
        Counts, delivery times, throughput and queue lengths.
    """
    return Simulation(network, seed=seed).run(policy)
