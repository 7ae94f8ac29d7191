"""Tests for the packet network instance, its traffic model and its validation."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from vrpsolve.packets.model import (
    PACKET_ATTRIBUTES,
    PacketLink,
    PacketNetwork,
    SimulationReport,
    TrafficModel,
)
from vrpsolve.packets.policies import ShortestPathPolicy
from vrpsolve.packets.simulator import evaluate_policy


def line(n: int = 3, **settings: object) -> PacketNetwork:
    links = []
    for v in range(n - 1):
        links += [PacketLink(v, v + 1), PacketLink(v + 1, v)]
    return PacketNetwork("line", n, tuple(links), TrafficModel(0.1), **settings)  # type: ignore[arg-type]


def test_valid_network_and_lookups() -> None:
    """A valid network exposes its links, neighbours and latencies."""
    net = line(3, duration=100.0)
    assert net.num_links == 4
    assert net.neighbours(1) == (0, 2)
    assert net.link_index(1, 2) == 2
    assert net.has_link(0, 1) and not net.has_link(0, 2)
    assert np.allclose(net.link_latencies(), 1.0)
    assert np.isclose(net.od_probabilities().sum(), 1.0)
    assert net.od_probabilities()[1, 1] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"num_nodes": 1}, "num_nodes"),
        ({"buffer_size": 0}, "buffer_size"),
        ({"ttl": -1}, "ttl"),
        ({"duration": 0.0}, "duration"),
        ({"warmup": 200.0}, "warmup"),
        ({"node_names": ("a",)}, "node_names"),
        ({"links": (PacketLink(0, 1), PacketLink(1, 0), PacketLink(0, 1))}, "links[2]"),
        ({"links": (PacketLink(0, 1), PacketLink(1, 5))}, "links[1].target"),
        ({"links": (PacketLink(0, 1), PacketLink(1, 0))}, "node 2 has no outgoing link"),
        ({"traffic": TrafficModel(1.0, od=((0, 1), (1, 0)))}, "traffic.od"),
    ],
)
def test_invalid_fields_are_named(change: dict[str, object], field: str) -> None:
    """Each invalid field raises a ValueError whose message names it."""
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        replace(line(3, duration=100.0), **change)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"load": -1.0}, "traffic.load"),
        ({"load": 1.0, "packet_size": 0.0}, "traffic.packet_size"),
        ({"load": 1.0, "od": "gravity"}, "traffic.od"),
        ({"load": 1.0, "od": ((1.0, 1.0), (1.0, 0.0))}, "diagonal"),
        ({"load": 1.0, "od": ((0.0, 0.0), (0.0, 0.0))}, "positive sum"),
    ],
)
def test_invalid_traffic(kwargs: dict[str, object], field: str) -> None:
    """Invalid traffic fields raise a ValueError naming them."""
    with pytest.raises(ValueError, match=field):
        TrafficModel(**kwargs)  # type: ignore[arg-type]


def test_link_validation() -> None:
    """Links refuse self-loops, non-positive bandwidths and negative delays."""
    with pytest.raises(ValueError, match="self-loop"):
        PacketLink(1, 1)
    with pytest.raises(ValueError, match="bandwidth"):
        PacketLink(0, 1, bandwidth=0.0)
    with pytest.raises(ValueError, match="propagation_delay"):
        PacketLink(0, 1, propagation_delay=-1.0)


def test_active_attributes() -> None:
    """Active attributes reflect buffers, TTL, OD matrix, delays, bandwidths and warmup."""
    assert line(3).active_attributes() == frozenset()
    od = np.ones((3, 3)) - np.eye(3)
    net = PacketNetwork(
        "x",
        3,
        (PacketLink(0, 1, 2.0, 0.5), PacketLink(1, 2), PacketLink(2, 0)),
        TrafficModel(1.0, od=od),  # type: ignore[arg-type]
        buffer_size=5,
        ttl=4,
        duration=10.0,
        warmup=1.0,
    )
    assert net.active_attributes() == PACKET_ATTRIBUTES
    assert isinstance(net.traffic.od, tuple) and hash(net)


def test_with_traffic_and_equality() -> None:
    """with_traffic changes only the traffic, and equal networks compare equal."""
    net = line(3)
    busier = net.with_traffic(load=2.5)
    assert busier.traffic.load == 2.5 and busier.links == net.links
    assert net == line(3) and busier != net


def test_evaluate_policy_report() -> None:
    """evaluate_policy returns a consistent report for a shortest-path policy."""
    net = line(4, duration=500.0, warmup=50.0).with_traffic(load=0.2)
    report = evaluate_policy(net, ShortestPathPolicy(net), seed=3)
    assert isinstance(report, SimulationReport)
    assert report.generated == report.delivered + report.dropped + report.in_flight
    assert report.window == pytest.approx(450.0)
    assert report.delivery_ratio > 0.95 and math.isfinite(report.mean_delivery_time)
    assert "delivered" in report.summary()


def test_traffic_beyond_what_a_simulation_handles_is_refused():
    """A load and duration whose expected packets exceed MAX_PACKETS are a clean error, not a
    simulation that would run for days (a fuzzed duration of 1e300 did)."""
    from vrpsolve.packets.model import MAX_PACKETS
    from vrpsolve.packets.topologies import boyan_littman_grid

    network = boyan_littman_grid()
    with pytest.raises(ValueError, match="packets, more than"):
        replace(network, duration=2.0 * MAX_PACKETS / network.traffic.load)
    with pytest.raises(ValueError, match="packets, more than"):
        network.with_traffic(load=1e9)
