"""Packet-routing solvers: each returns a routing policy, which the simulation then judges.

The static policies route on shortest paths (by hops or by latency). The learning ones (Q-routing,
OLPOMDP) learn online while routing simulated traffic on the instance for ``training_duration``
simulated time units (default: the network's own duration), then are frozen and returned; the
evaluator (:func:`~vrpsolve.packets.simulator.evaluate_policy`) simulates the frozen policy. A stop
request (:mod:`vrpsolve.core.stop`) ends the training early; the policy keeps what it learned.
Given ``policy`` (a file ``vrpsolve train q-routing|olpomdp`` wrote, or the name of one in
``policies/packet-routing/``), they load it instead, frozen, and do not train.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

from vrpsolve.catalog import policies_dir
from vrpsolve.core.errors import InputError, InvalidOptionError
from vrpsolve.core.options import SolverOption, check_options
from vrpsolve.core.solver import Solver, SolverOutput
from vrpsolve.core.stop import stop_requested
from vrpsolve.packets.model import PACKET_ATTRIBUTES, PacketNetwork

TRAINING_DURATION = SolverOption(
    "training_duration",
    float,
    None,
    "simulated time units of online learning (default: the network's duration)",
    minimum=0,
)

POLICY = SolverOption(
    "policy",
    str,
    None,
    "a saved policy (path, or a name in policies/packet-routing/): route with it, no training",
)

POLICY_DIR = policies_dir() / "packet-routing"
"""The shipped packet-routing policies (``<name>.npz``)."""


class _PacketSolver(Solver):
    family: ClassVar[str] = "packet_routing"
    supported_attributes: ClassVar[frozenset[str]] = PACKET_ATTRIBUTES


class ShortestHopsSolver(_PacketSolver):
    """Static routing on fewest-hop paths."""

    name: ClassVar[str] = "packet-shortest-hops"
    summary: ClassVar[str] = "packet routing on static fewest-hop paths"
    weight: ClassVar[Literal["hops", "delay"]] = "hops"

    def run(
        self, instance: PacketNetwork, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """The shortest-path routing table (time limit and seed unused)."""
        from vrpsolve.packets.policies import ShortestPathPolicy

        return SolverOutput(ShortestPathPolicy(instance, weight=self.weight))


class ShortestDelaySolver(ShortestHopsSolver):
    """Static routing on lowest-latency paths (transmission plus propagation)."""

    name: ClassVar[str] = "packet-shortest-delay"
    summary: ClassVar[str] = "packet routing on static lowest-latency paths"
    weight: ClassVar[Literal["hops", "delay"]] = "delay"


class QRoutingSolver(_PacketSolver):
    """Q-routing (Boyan and Littman): per-node delivery-time estimates learned online."""

    name: ClassVar[str] = "q-routing"
    summary: ClassVar[str] = "Q-routing, learned online on simulated traffic, then frozen"
    options = (TRAINING_DURATION, POLICY)

    def run(
        self, instance: PacketNetwork, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Learn for ``training_duration`` simulated time units, then freeze (or load
        ``policy``)."""
        from vrpsolve.packets.learning import QRoutingPolicy

        options = check_options(self, options)
        if options["policy"] is not None:
            return _loaded(self, instance, QRoutingPolicy, options)
        policy = QRoutingPolicy(instance, seed=seed)
        return _trained(instance, policy, seed, options["training_duration"])


class OlpomdpSolver(_PacketSolver):
    """OLPOMDP policy-gradient routers (Tao, Baxter and Weaver), with loop-penalty shaping."""

    name: ClassVar[str] = "olpomdp"
    summary: ClassVar[str] = "OLPOMDP policy-gradient routers (shaped), learned online, frozen"
    options = (
        SolverOption("shaping", bool, True, "penalise routing loops while learning"),
        TRAINING_DURATION,
        POLICY,
    )

    def run(
        self, instance: PacketNetwork, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Learn for ``training_duration`` simulated time units (``shaping`` on by default), or
        load ``policy``."""
        from vrpsolve.packets.learning import OlpomdpPolicy

        options = check_options(self, options)
        if options["policy"] is not None:
            return _loaded(self, instance, OlpomdpPolicy, options)
        policy = OlpomdpPolicy(instance, shaping=options["shaping"], seed=seed)
        return _trained(instance, policy, seed, options["training_duration"])


class _Stopped(Exception):
    """Ends online training early: a stop was requested."""


class _StoppableLearner:
    """A learning policy that ends its training run once a stop is requested (checked at each
    routing decision); every other attribute, the learning hooks included, is the policy's."""

    def __init__(self, policy: Any) -> None:
        self.policy = policy

    def __getattr__(self, name: str) -> Any:
        return getattr(self.policy, name)

    def next_hop(self, *args: Any) -> int:
        if stop_requested():
            raise _Stopped
        hop: int = self.policy.next_hop(*args)
        return hop


def _trained(instance: PacketNetwork, policy: Any, seed: int, training_duration: float | None):
    """Train ``policy`` online, freeze it and return it; a stop request ends the training early
    with what the policy has learned so far."""
    from vrpsolve.packets.learning import train_online

    duration = float(instance.duration if training_duration is None else training_duration)
    stats: dict[str, Any] = {"training_duration": duration}
    try:
        curve = train_online(instance, _StoppableLearner(policy), duration=duration, seed=seed + 1)
        stats["curve_points"] = len(curve)
    except _Stopped:
        stats["training_stopped"] = True
    policy.freeze()
    return SolverOutput(policy, stats=stats)


def _loaded(solver: Solver, instance: PacketNetwork, kind: Any, options: dict[str, Any]):
    """The saved policy ``options["policy"]`` names, of ``kind``, frozen for ``instance``."""
    if options["training_duration"] is not None:
        raise InvalidOptionError(f"{solver.name}: give policy or training_duration, not both")
    name = options["policy"]
    path = Path(name)
    if not path.is_file() and (POLICY_DIR / f"{name}.npz").is_file():
        path = POLICY_DIR / f"{name}.npz"
    if not path.is_file():
        raise InputError(f"no {solver.name} policy file here", path)
    policy = kind.load(path, instance).freeze()
    return SolverOutput(policy, stats={"policy": str(path)})
