"""Tests for the seeded PFAR topology and flow generators."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np
import pytest

from vrpsolve.flows.generator import (
    TOPOLOGY_KINDS,
    generate_flows,
    generate_instance,
    generate_topology,
)


@pytest.mark.parametrize("kind", TOPOLOGY_KINDS)
def test_same_seed_same_instance(kind: str) -> None:
    """The same seed gives the same instance; another seed gives another one."""
    first = generate_instance(kind, 15, 20, seed=7, od="gravity")  # type: ignore[arg-type]
    again = generate_instance(kind, 15, 20, seed=7, od="gravity")  # type: ignore[arg-type]
    other = generate_instance(kind, 15, 20, seed=8, od="gravity")  # type: ignore[arg-type]
    assert first == again
    assert first.flows != other.flows


@pytest.mark.parametrize("kind", TOPOLOGY_KINDS)
@pytest.mark.parametrize("num_nodes", [2, 5, 12, 30])
def test_topologies_strongly_connected(kind: str, num_nodes: int) -> None:
    """Every generated topology is strongly connected, with each link's reverse of equal speed."""
    for seed in range(3):
        topology = generate_topology(kind, num_nodes, seed=seed)  # type: ignore[arg-type]
        instance = topology.to_instance()
        assert instance.num_nodes == num_nodes
        assert nx.is_strongly_connected(instance.to_networkx())
        for link in instance.links:
            back = instance.links[instance.link_index(link.target, link.source)]
            assert (back.capacity, back.delay) == (link.capacity, link.delay)


def test_capacities_from_link_speeds() -> None:
    """Capacities are drawn from the given speeds only."""
    topology = generate_topology("barabasi_albert", 20, seed=1, link_speeds=(40.0, 100.0))
    assert {k.capacity for k in topology.links} <= {40.0, 100.0}


def test_grid_shape() -> None:
    """A 12-node grid is 3 x 4: 17 edges, 34 links."""
    assert len(generate_topology("grid", 12).links) == 34


def test_flow_fields() -> None:
    """Flows have distinct endpoints, demands in range and priorities from the classes."""
    topology = generate_topology("waxman", 10, seed=3)
    flows = generate_flows(topology, 400, seed=3, demand_range=(5, 50), demand="loguniform")
    assert all(f.source != f.target for f in flows)
    assert all(5 <= f.demand <= 50 and f.demand == int(f.demand) for f in flows)
    counts = Counter(f.priority for f in flows)
    assert set(counts) <= {1.0, 2.0, 3.0, 4.0}
    assert counts[1.0] > counts[4.0]


def test_priority_shares() -> None:
    """A class with share zero never appears."""
    topology = generate_topology("grid", 9)
    flows = generate_flows(topology, 100, priority_shares={1: 0.0, 5: 1.0})
    assert {f.priority for f in flows} == {5.0}


def test_gravity_prefers_heavy_nodes() -> None:
    """Under gravity, the node with the most outgoing capacity takes part in the most flows."""
    topology = generate_topology("barabasi_albert", 20, seed=2, link_speeds=(100.0,))
    flows = generate_flows(topology, 2000, seed=2, od="gravity")
    ends = Counter(v for f in flows for v in (f.source, f.target))
    degree = Counter(k.source for k in topology.links)
    assert ends.most_common(1)[0][0] == degree.most_common(1)[0][0]


def test_hop_and_delay_slack() -> None:
    """Slack limits sit at the shortest hop count plus slack and the least delay times 1 + slack."""
    topology = generate_topology("grid", 9, seed=0)
    graph = topology.to_instance().to_networkx()
    for flow in generate_flows(topology, 20, seed=0, hop_slack=1, delay_slack=0.5):
        hops = nx.shortest_path_length(graph, flow.source, flow.target)
        delay = nx.shortest_path_length(graph, flow.source, flow.target, weight="delay")
        assert flow.max_hops == hops + 1
        assert flow.max_delay == pytest.approx(1.5 * delay)


def test_generator_argument_sharing() -> None:
    """Passing one NumPy generator through both steps is as reproducible as an integer seed."""
    a = np.random.default_rng(5)
    b = np.random.default_rng(5)
    assert generate_topology("waxman", 8, seed=a) == generate_topology("waxman", 8, seed=b)


@pytest.mark.parametrize(
    "call",
    [
        lambda: generate_topology("ring", 5),  # type: ignore[arg-type]
        lambda: generate_topology("grid", 1),
        lambda: generate_topology("grid", 5, link_speeds=(0.0,)),
        lambda: generate_flows(generate_topology("grid", 4), 3, demand_range=(5, 1)),
        lambda: generate_flows(generate_topology("grid", 4), 3, od="random"),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments(call) -> None:
    """Unknown kinds, too few nodes and bad ranges raise ValueError."""
    with pytest.raises(ValueError):
        call()
