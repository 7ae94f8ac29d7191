"""Tests for the static shortest-path and random baseline policies."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from vrpsolve.packets.model import PacketLink, PacketNetwork, TrafficModel
from vrpsolve.packets.policies import RandomPolicy, ShortestPathPolicy, shortest_distances
from vrpsolve.packets.simulator import evaluate_policy
from vrpsolve.packets.topologies import boyan_littman_grid, zoo_network


def test_hop_paths_are_shortest() -> None:
    """Hop shortest-path tables follow paths as short as networkx's."""
    grid = boyan_littman_grid()
    policy = ShortestPathPolicy(grid)
    graph = grid.to_networkx()
    for s, d in itertools.permutations(range(0, 36, 5), 2):
        path = policy.path(s, d)
        assert len(path) - 1 == nx.shortest_path_length(graph, s, d)
        assert all(grid.has_link(u, v) for u, v in itertools.pairwise(path))


def test_delay_paths_minimise_latency() -> None:
    """Delay shortest paths minimise transmission plus propagation time."""
    net = zoo_network("Geant2012")
    policy = ShortestPathPolicy(net, weight="delay")
    latency = net.link_latencies()
    for s, d in [(0, 5), (3, 30), (12, 7)]:
        path = policy.path(s, d)
        total = sum(latency[net.link_index(u, v)] for u, v in itertools.pairwise(path))
        assert total == pytest.approx(policy.distances[s, d])
    assert np.all(policy.distances <= shortest_distances(net, "hops") * latency.max() + 1e-9)


def test_ties_go_to_the_lowest_neighbour() -> None:
    """Between equally short next hops the lowest-numbered neighbour is chosen."""
    links = [PacketLink(u, v) for u, v in [(0, 2), (0, 1), (1, 3), (2, 3), (3, 0), (1, 0), (2, 0)]]
    net = PacketNetwork("square", 4, tuple(links), TrafficModel(1.0))
    assert ShortestPathPolicy(net).table[0, 3] == 1


def test_unreachable_demand_is_refused() -> None:
    """A shortest-path policy refuses traffic between disconnected routers."""
    links = (PacketLink(0, 1), PacketLink(1, 0), PacketLink(2, 0))
    net = PacketNetwork("oneway", 3, links, TrafficModel(1.0))
    with pytest.raises(ValueError, match="no path"):
        ShortestPathPolicy(net)
    with pytest.raises(ValueError, match="weight"):
        ShortestPathPolicy(net, weight="metres")  # type: ignore[arg-type]


def test_random_policy_is_seeded() -> None:
    """The random walk delivers slowly and reproducibly for a policy seed."""
    grid = boyan_littman_grid(load=0.5, duration=1_000.0, warmup=0.0)
    first = evaluate_policy(grid, RandomPolicy(seed=1), seed=0)
    assert first == evaluate_policy(grid, RandomPolicy(seed=1), seed=0)
    assert first.mean_hops > 2 * evaluate_policy(grid, ShortestPathPolicy(grid), seed=0).mean_hops


def test_shortest_paths_congest_the_grid_bridges() -> None:
    """Under high load hop shortest paths saturate a bridge of the 6x6 grid and delays explode."""
    grid = boyan_littman_grid(duration=2_000.0, warmup=200.0)
    policy = ShortestPathPolicy(grid)
    low = evaluate_policy(grid.with_traffic(load=1.0), policy, seed=0)
    high = evaluate_policy(grid.with_traffic(load=3.0), policy, seed=0)
    assert low.mean_delivery_time < 6.0
    assert high.mean_delivery_time > 10 * low.mean_delivery_time
    assert high.throughput < 0.95 * 3.0  # the network no longer carries its load
    queues = np.array(high.node_queue_lengths)
    busiest = set(np.argsort(queues)[-2:].tolist())
    assert busiest <= {14, 15, 20, 21}  # the bridge routers hold the backlog
    others = np.delete(queues, [14, 15, 20, 21])
    assert queues[sorted(busiest)].min() > 50 * max(others.max(), 0.01)
    # the other bridge is nearly idle: the imbalance adaptive routing can exploit
    bridge = [high.link_packets[grid.link_index(u, v)] for u, v in [(14, 15), (20, 21)]]
    assert max(bridge) > 2 * min(bridge)
