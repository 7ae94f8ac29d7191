"""Baseline routing policies: static shortest paths (by hops or by delay) and a random walk.

A static policy looks only at a packet's destination, never at the queues, so it keeps sending
packets down the same links however congested they become: the behaviour Boyan and Littman's
Q-routing improves on under high load.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from vrpsolve.packets.model import FloatArray, PacketNetwork
from vrpsolve.packets.simulator import NodeView, Packet

PathWeight = Literal["hops", "delay"]

_TIE = 1e-9
"""Relative slack under which two path lengths count as equal (ties go to the lower node)."""


def shortest_distances(network: PacketNetwork, weight: PathWeight = "hops") -> FloatArray:
    """All-pairs shortest path lengths, ``[source, destination]`` (``inf`` where unreachable).

    Parameters
    ----------
    network
        The packet network.
    weight
        ``"hops"`` counts links; ``"delay"`` sums each link's latency on an empty network,
        ``packet_size / bandwidth + propagation_delay``.
    """
    import networkx as nx

    if weight not in ("hops", "delay"):
        raise ValueError(f"weight must be 'hops' or 'delay', got {weight!r}")
    graph = network.to_networkx().reverse(copy=False)
    n = network.num_nodes
    distances = np.full((n, n), math.inf)
    for target in range(n):
        if weight == "hops":
            lengths = nx.single_source_shortest_path_length(graph, target)
        else:
            lengths = nx.single_source_dijkstra_path_length(graph, target, weight="latency")
        for source, length in lengths.items():
            distances[source, target] = length
    return distances


class ShortestPathPolicy:
    """Send every packet along a shortest path to its destination (static routing tables).

    The next hop from ``node`` to ``destination`` is the neighbour ``v`` minimising the link's
    weight plus ``v``'s distance to the destination; among equally short ones (up to a relative
    ``1e-9``) the lowest-numbered neighbour wins, so the table does not depend on link order.

    Parameters
    ----------
    network
        The packet network.
    weight
        ``"hops"`` (fewest links) or ``"delay"`` (least transmission plus propagation time).

    Raises
    ------
    ValueError
        When the traffic sends packets between two nodes with no path between them.
    """

    def __init__(self, network: PacketNetwork, weight: PathWeight = "hops") -> None:
        self.network = network
        self.weight: PathWeight = weight
        self.distances = shortest_distances(network, weight)
        """Shortest path lengths ``[source, destination]`` under :attr:`weight`."""
        demanded = network.od_probabilities() > 0
        unreachable = np.argwhere(demanded & np.isinf(self.distances))
        if len(unreachable):
            s, d = unreachable[0]
            raise ValueError(
                f"network {network.name!r}: the traffic sends packets from {s} to {d} "
                f"but there is no path ({len(unreachable)} such pair(s))"
            )
        cost = (
            np.ones(network.num_links)
            if weight == "hops"
            else network.link_latencies().astype(np.float64)
        )
        n = network.num_nodes
        table = np.full((n, n), -1, dtype=np.int64)
        for node in range(n):
            links = sorted(network.out_links(node), key=lambda k: network.links[k].target)
            targets = np.array([network.links[k].target for k in links])
            through = cost[links][:, None] + self.distances[targets, :]
            best = through.min(axis=0)
            slack = _TIE * np.maximum(1.0, np.where(np.isfinite(best), best, 1.0))
            first = np.argmax(through <= (best + slack)[None, :], axis=0)
            table[node] = np.where(np.isfinite(best), targets[first], -1)
            table[node, node] = -1
        table.setflags(write=False)
        self.table = table
        """Next hop ``[node, destination]``; -1 on the diagonal and where unreachable."""
        self._rows: list[list[int]] = table.tolist()

    def next_hop(self, node: int, destination: int, packet: Packet, view: NodeView) -> int:
        """The table's next hop (the view and the packet's history are ignored)."""
        return self._rows[node][destination]

    def path(self, source: int, destination: int) -> list[int]:
        """The node sequence a packet from ``source`` to ``destination`` follows."""
        nodes = [source]
        while nodes[-1] != destination:
            step = self._rows[nodes[-1]][destination]
            if step < 0 or len(nodes) > self.network.num_nodes:
                raise ValueError(f"no path from {source} to {destination}")
            nodes.append(step)
        return nodes


class RandomPolicy:
    """Send every packet to a neighbour drawn uniformly at random (a random walk).

    Delivers on a connected network, slowly; useful as the floor of a comparison and to
    exercise hop limits. Its own :class:`numpy.random.Generator`, seeded by ``seed``, keeps the
    simulation's traffic independent of its draws.
    """

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)

    def next_hop(self, node: int, destination: int, packet: Packet, view: NodeView) -> int:
        """A uniformly random neighbour (the destination itself when it is a neighbour is not
        preferred: the walk is blind)."""
        neighbours = view.neighbours
        return neighbours[int(self._rng.integers(len(neighbours)))]
