"""The packet-routing family's descriptor (see :class:`vrpsolve.core.family.Family`).

A solver's answer is a routing policy; the judge simulates it on the network's traffic, drawn
from the run's seed (:func:`~vrpsolve.packets.simulator.evaluate_policy`). The judge works on a
copy of the policy, so the answer a solve hands back (and a file written from it) is the policy
as the solver left it, and re-judging it with the same seed gives the same figures.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from vrpsolve.core.family import Family, InstanceFormat, rounded
from vrpsolve.packets.model import PacketNetwork, SimulationReport
from vrpsolve.packets.policy_files import read_policy, write_policy
from vrpsolve.packets.simulator import RoutingPolicy, evaluate_policy
from vrpsolve.packets.topologies import FORMAT_TAG, read_packet_network, write_packet_network


def judge(network: PacketNetwork, policy: RoutingPolicy, seed: int) -> SimulationReport:
    """Simulate a copy of ``policy`` on ``network`` with the traffic drawn from ``seed``."""
    return evaluate_policy(network, copy.deepcopy(policy), seed=seed)


def detect(path: Path, head: str) -> str | None:
    """``packet-json`` for a ``vrpsolve-packet-network`` JSON file, else ``None``."""
    if head.lstrip().startswith("{") and f'"{FORMAT_TAG}"' in head.replace(" ", ""):
        return "packet-json"
    return None


def record(
    name: str, policy: RoutingPolicy | None, report: SimulationReport | None
) -> dict[str, Any]:
    """The simulation's figures: ``instance``, ``mean_delivery_time`` (the objective),
    ``p95_delivery_time``, ``generated``, ``delivered``, ``dropped``, ``throughput``,
    ``mean_hops``, ``feasible`` and an empty ``violations`` list."""
    fields = (
        "mean_delivery_time",
        "p95_delivery_time",
        "generated",
        "delivered",
        "dropped",
        "throughput",
        "mean_hops",
    )
    values = {key: None if report is None else rounded(getattr(report, key)) for key in fields}
    return {"instance": name, **values, "feasible": report is not None, "violations": []}


def describe(network: PacketNetwork) -> dict[str, str]:
    """``vrpsolve info``'s lines: routers and links, traffic, attributes."""
    return {
        "network": f"{network.num_nodes} routers, {len(network.links)} directed links",
        "traffic": f"load {network.traffic.load:g} packets per time unit",
        "simulated": f"{network.duration:g} time units ({network.warmup:g} of warm-up)",
        "attributes": ", ".join(sorted(network.active_attributes())) or "-",
    }


PACKET_ROUTING = Family(
    name="packet_routing",
    title="packet routing",
    instance_type=PacketNetwork,
    solution_type=object,
    evaluate=judge,
    objective="mean_delivery_time",
    minimise=True,
    formats=(InstanceFormat("packet-json", read_packet_network, write_packet_network),),
    detect=detect,
    solution_suffixes=(".npz",),
    read_solution=read_policy,
    write_solution=lambda policy, path, report: write_policy(policy, path),
    record=record,
    columns=(
        "instance",
        "solver",
        "status",
        "mean_delivery_time",
        "p95_delivery_time",
        "delivered",
        "dropped",
        "throughput",
        "runtime",
    ),
    describe=describe,
    size=lambda network: network.num_nodes,
    solvers={
        "q-routing": "vrpsolve.packets.solvers:QRoutingSolver",
        "packet-shortest-delay": "vrpsolve.packets.solvers:ShortestDelaySolver",
        "packet-shortest-hops": "vrpsolve.packets.solvers:ShortestHopsSolver",
        "olpomdp": "vrpsolve.packets.solvers:OlpomdpSolver",
    },
    generator="vrpsolve.packets.topologies:random_geometric_network",
)
"""Packet routing: routers forward packets hop by hop; a policy is judged by simulating it
(mean delivery time, to minimise)."""
