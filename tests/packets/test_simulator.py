"""Tests for the discrete-event packet simulator and its step-wise interface."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from vrpsolve.packets.model import PacketLink, PacketNetwork, SimulationReport, TrafficModel
from vrpsolve.packets.policies import RandomPolicy, ShortestPathPolicy
from vrpsolve.packets.simulator import NodeView, Packet, Simulation, evaluate_policy
from vrpsolve.packets.topologies import boyan_littman_grid, random_geometric_network, zoo_network


@pytest.fixture(scope="module")
def grid() -> PacketNetwork:
    return boyan_littman_grid(load=1.5, duration=1_000.0, warmup=100.0)


def in_flight(sim: Simulation, warmup: float) -> int:
    return sum(p.created >= warmup for p in sim.packets_in_network())


class Recorder:
    """A shortest-path policy that records every hook call."""

    def __init__(self, network: PacketNetwork) -> None:
        self.inner = ShortestPathPolicy(network)
        self.calls: list[tuple[str, int, float]] = []
        self.decided: dict[int, float] = {}
        self.elapsed_ok = True

    def next_hop(self, node: int, destination: int, packet: Packet, view: NodeView) -> int:
        return self.inner.next_hop(node, destination, packet, view)

    def on_forward(self, node: int, packet: Packet, neighbour: int, time: float) -> None:
        self.calls.append(("forward", packet.id, time))
        self.decided[packet.id] = packet.enqueued_at

    def on_arrival(
        self, node: int, packet: Packet, previous: int, elapsed: float, time: float
    ) -> None:
        self.calls.append(("arrival", packet.id, time))
        self.elapsed_ok &= elapsed == pytest.approx(time - self.decided[packet.id])

    def on_delivered(self, packet: Packet, time: float) -> None:
        self.calls.append(("delivered", packet.id, time))

    def on_dropped(self, packet: Packet, node: int, reason: str, time: float) -> None:
        self.calls.append((f"dropped-{reason}", packet.id, time))


def test_deterministic_for_a_seed(grid: PacketNetwork) -> None:
    """The same seed gives the same report; another seed gives other traffic."""
    policy = ShortestPathPolicy(grid)
    first = evaluate_policy(grid, policy, seed=7)
    assert first == evaluate_policy(grid, policy, seed=7)
    assert first != evaluate_policy(grid, policy, seed=8)


def test_conservation(grid: PacketNetwork) -> None:
    """Generated packets are delivered, dropped or still in the network at the end."""
    net = replace(grid, buffer_size=3, ttl=12).with_traffic(load=3.0)
    for policy in (ShortestPathPolicy(net), RandomPolicy(seed=1)):
        sim = Simulation(net, seed=2)
        report = sim.run(policy)
        assert report.in_flight == in_flight(sim, net.warmup)
        assert report.generated == report.delivered + report.dropped + report.in_flight
        assert report.generated > 0 and report.dropped > 0


def test_low_load_delivery_time_is_path_latency() -> None:
    """At very low load a packet's delivery time is its path's transmission plus propagation."""
    net = zoo_network("Abilene", load=0.002, duration=20_000.0, warmup=0.0)
    policy = ShortestPathPolicy(net, weight="delay")
    expected: list[float] = []

    class Check(ShortestPathPolicy):
        def on_delivered(self, packet: Packet, time: float) -> None:
            expected.append(policy.distances[packet.source, packet.destination])

    report = evaluate_policy(net, Check(net, weight="delay"), seed=0)
    assert report.delivered > 20
    assert report.mean_delivery_time == pytest.approx(np.mean(expected), rel=1e-3)
    hops = ShortestPathPolicy(net, weight="hops")
    assert evaluate_policy(net, hops, seed=0).mean_delivery_time >= report.mean_delivery_time


def test_finite_buffers_drop_under_overload(grid: PacketNetwork) -> None:
    """Under overload, finite buffers drop packets and infinite ones never do."""
    heavy = grid.with_traffic(load=4.0)
    policy = ShortestPathPolicy(heavy)
    finite = evaluate_policy(replace(heavy, buffer_size=5), policy, seed=1)
    infinite = evaluate_policy(heavy, policy, seed=1)
    assert finite.dropped_buffer > 0.05 * finite.generated and finite.dropped_ttl == 0
    assert infinite.dropped == 0 and infinite.in_flight > finite.in_flight
    assert max(finite.node_queue_lengths) <= 5


def test_ttl_drops_a_looping_policy() -> None:
    """A policy that bounces packets between two routers loses them all to the TTL."""

    class PingPong:
        def next_hop(self, node: int, destination: int, packet: Packet, view: NodeView) -> int:
            return 1 if node == 0 else 0

    links = (PacketLink(0, 1), PacketLink(1, 0), PacketLink(1, 2), PacketLink(2, 1))
    net = PacketNetwork(
        "ping",
        3,
        links,
        TrafficModel(0.05, od=((0, 0, 1), (0, 0, 0), (0, 0, 0))),
        ttl=6,
        duration=2_000.0,
    )
    report = evaluate_policy(net, PingPong(), seed=0)
    assert report.delivered == 0 and report.dropped_ttl > 50
    assert report.generated == report.dropped_ttl + report.in_flight


def test_step_wise_interface_matches_run(grid: PacketNetwork) -> None:
    """Driving the simulation decision by decision gives the same report as run()."""
    net = replace(grid, buffer_size=8, ttl=20).with_traffic(load=2.5)
    policy = ShortestPathPolicy(net)
    walker = RandomPolicy(seed=5)
    expected = Simulation(net, seed=4).run(policy)
    sim = Simulation(net, seed=4)
    decisions = 0
    while (decision := sim.run_until_decision()) is not None:
        assert decision.packet.node == decision.node and decision.view.node == decision.node
        sim.apply(
            policy.next_hop(
                decision.node, decision.packet.destination, decision.packet, decision.view
            )
        )
        decisions += 1
    assert sim.finished and decisions > 1000
    assert sim.report() == expected
    # an arbitrary sequence of decisions is reproduced too
    recorded: list[int] = []
    sim = Simulation(net, seed=4)
    while (decision := sim.run_until_decision()) is not None:
        recorded.append(walker.next_hop(decision.node, 0, decision.packet, decision.view))
        sim.apply(recorded[-1])
    replay = iter(recorded)

    class Replay:
        def next_hop(self, node: int, destination: int, packet: Packet, view: NodeView) -> int:
            return next(replay)

    assert Simulation(net, seed=4).run(Replay()) == sim.report()


def test_step_wise_misuse_raises(grid: PacketNetwork) -> None:
    """Skipping apply, applying without a decision or choosing a non-neighbour raises."""
    sim = Simulation(grid, seed=0)
    with pytest.raises(RuntimeError, match="no decision"):
        sim.apply(1)
    decision = sim.run_until_decision()
    assert decision is not None and sim.pending == decision
    with pytest.raises(RuntimeError, match="apply"):
        sim.run_until_decision()
    with pytest.raises(ValueError, match="not a neighbour"):
        sim.apply(decision.node)
    sim.apply(decision.view.neighbours[0])
    assert sim.pending is None


def test_hooks_order_and_elapsed(grid: PacketNetwork) -> None:
    """Hooks fire forward -> arrival -> delivered per packet, with elapsed = queue + transit."""
    net = replace(grid, buffer_size=4).with_traffic(load=3.0)
    recorder = Recorder(net)
    report = evaluate_policy(net, recorder, seed=3)
    assert recorder.elapsed_ok
    kinds = {kind for kind, _, _ in recorder.calls}
    assert {"forward", "arrival", "delivered", "dropped-buffer"} <= kinds
    delivered = [c for c in recorder.calls if c[0] == "delivered"]
    assert len(delivered) >= report.delivered
    last: dict[int, str] = {}
    for kind, pid, _ in recorder.calls:
        assert last.get(pid) not in ("delivered", "dropped-buffer")
        if kind == "arrival":
            assert last[pid] == "forward"
        last[pid] = kind


def test_explicit_hooks_take_precedence(grid: PacketNetwork) -> None:
    """Hooks given to the simulation are used instead of the policy's own."""
    recorder = Recorder(grid)
    silent = Recorder(grid)
    Simulation(grid, seed=0, hooks=recorder).run(silent)
    assert recorder.calls and not silent.calls


def test_view_reports_local_state(grid: PacketNetwork) -> None:
    """The node view shows the neighbours, their queues and the current time."""
    sim = Simulation(grid.with_traffic(load=3.0), seed=0)
    for _ in range(2000):
        decision = sim.run_until_decision()
        assert decision is not None
        view = decision.view
        assert view.time == decision.time == sim.time
        assert view.queue_length >= 1
        assert len(view.neighbour_queue_lengths) == len(view.neighbours) == len(view.links)
        assert view.neighbour_queue_lengths == tuple(
            sim.queue_lengths()[v] for v in view.neighbours
        )
        sim.apply(
            view.neighbours[0]
            if decision.packet.destination not in view.neighbours
            else decision.packet.destination
        )
    assert isinstance(sim.report(), SimulationReport)


def test_od_matrix_traffic_follows_the_matrix() -> None:
    """Packets follow the OD matrix: only pairs with positive weight appear."""
    net = random_geometric_network(8, seed=2, duration=2_000.0)
    od = np.zeros((8, 8))
    od[0, 7] = 3.0
    od[5, 1] = 1.0
    net = net.with_traffic(od=od, load=0.5)
    pairs: list[tuple[int, int]] = []

    class Pairs(ShortestPathPolicy):
        def on_delivered(self, packet: Packet, time: float) -> None:
            pairs.append((packet.source, packet.destination))

    evaluate_policy(net, Pairs(net), seed=0)
    assert set(pairs) == {(0, 7), (5, 1)}
    assert pairs.count((0, 7)) / len(pairs) == pytest.approx(0.75, abs=0.05)
