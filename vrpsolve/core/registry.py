"""Solver registry: names to lazily imported solver classes, and the ``auto`` choice."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from vrpsolve.core.family import family_of
from vrpsolve.core.solver import Solver
from vrpsolve.routing.model import RoutingInstance

_SOLVERS: dict[str, str] = {
    "pyvrp": "vrpsolve.routing.solvers.pyvrp:PyVRPSolver",
    "ortools": "vrpsolve.routing.solvers.ortools:ORToolsSolver",
    "ilp": "vrpsolve.routing.solvers.ilp:ILPSolver",
    "ga": "vrpsolve.routing.ga.solver:GeneticSolver",
    "nearest-neighbour": "vrpsolve.routing.solvers.heuristics:NearestNeighbourSolver",
    "savings": "vrpsolve.routing.solvers.heuristics:SavingsSolver",
    "insertion": "vrpsolve.routing.solvers.heuristics:InsertionSolver",
    "routefinder": "vrpsolve.routing.solvers.neural:RouteFinderSolver",
    "routefinder+ls": "vrpsolve.routing.solvers.neural:RouteFinderSearchSolver",
    "rrnco": "vrpsolve.routing.solvers.neural:RRNCOSolver",
    "rrnco+ls": "vrpsolve.routing.solvers.neural:RRNCOSearchSolver",
    "pfar-ilp": "vrpsolve.flows.solvers:FlowIlpSolver",
    "pfar-ga": "vrpsolve.flows.solvers:FlowGeneticSolver",
    "pfar-greedy": "vrpsolve.flows.solvers:FlowGreedySolver",
    "packet-shortest-hops": "vrpsolve.packets.solvers:ShortestHopsSolver",
    "packet-shortest-delay": "vrpsolve.packets.solvers:ShortestDelaySolver",
    "q-routing": "vrpsolve.packets.solvers:QRoutingSolver",
    "olpomdp": "vrpsolve.packets.solvers:OlpomdpSolver",
    "graph-greedy": "vrpsolve.graphs.search.solvers:GraphGreedySolver",
    "graph-beam": "vrpsolve.graphs.search.solvers:GraphBeamSolver",
    "graph-learned": "vrpsolve.graphs.search.solvers:GraphLearnedSolver",
    "path-greedy": "vrpsolve.graphs.paths.solvers:PathGreedySolver",
    "path-learned": "vrpsolve.graphs.paths.solvers:PathLearnedSolver",
}

AUTO_PREFERENCE: tuple[str, ...] = (
    "pyvrp",
    "ga",
    "ortools",
    "savings",
    "insertion",
    "nearest-neighbour",
)
"""Engines ``auto`` considers beyond the exact solver, strongest first by the measured gaps
(``results/classical-10s.md``, ``results/heuristics.md``)."""

FLOW_PREFERENCE: tuple[str, ...] = ("pfar-ilp", "pfar-ga", "pfar-greedy")
"""Flow-admission solvers ``auto`` considers, in order."""

PACKET_PREFERENCE: tuple[str, ...] = ("q-routing", "packet-shortest-delay")
"""Packet-routing solvers ``auto`` considers, in order."""

GRAPH_PREFERENCE: tuple[str, ...] = ("graph-beam", "graph-greedy")
"""Graph-search solvers ``auto`` considers, in order. ``graph-learned`` needs a policy trained for
the instance's kind of data, so ``auto`` leaves it to an explicit choice."""

PATH_PREFERENCE: tuple[str, ...] = ("path-greedy",)
"""Path-query solvers ``auto`` considers. ``path-learned`` needs a policy trained on the kind of
network, so ``auto`` leaves it to an explicit choice."""

EXACT_LIMITS: dict[str, int] = {"TSP": 150, "VRP": 20, "VRPTW": 15}
"""Largest size (nodes for TSP/ATSP, customers otherwise) that ``auto`` hands to the exact ILP.

Measured with ``benchmarks/ilp.py`` and one-off runs on this kind of 2-core machine: TSPLIB TSP
and ATSP instances up to 130-171 nodes are proved within 8 s (a280 is not within 60 s); CVRP
E-n13-k4 and P-n16-k8 within 7 s, but not A-n32-k5 or B-n31-k5 within 60 s; generated VRPTW with
15 customers in under 0.5 s, while wide windows weaken the formulation."""


class UnknownSolverError(ValueError):
    """Raised for a solver name that is not registered."""


class UnsupportedInstanceError(ValueError):
    """Raised when a solver cannot model an instance; the message names solvers that can."""


@dataclass(frozen=True)
class SolverInfo:
    """A registered solver as listed by ``vrpsolve solvers``."""

    name: str
    summary: str
    family: str
    supported_attributes: frozenset[str]
    available: bool
    reason: str
    """Why the solver is unavailable (the import error), empty when available."""


def solver_names() -> tuple[str, ...]:
    """Names of every registered solver."""
    return tuple(_SOLVERS)


@cache
def _load(name: str) -> type[Solver]:
    module, _, cls = _SOLVERS[name].partition(":")
    solver_cls: type[Solver] = getattr(importlib.import_module(module), cls)
    return solver_cls


def get_solver(name: str) -> Solver:
    """Instantiate the solver registered under ``name``.

    Raises
    ------
    UnknownSolverError
        If no solver has that name.
    ImportError
        If the solver's engine is not installed.
    """
    if name not in _SOLVERS:
        known = ", ".join([*_SOLVERS, "auto"])
        raise UnknownSolverError(f"unknown solver {name!r}; known solvers: {known}")
    return _load(name)()


def list_solvers() -> list[SolverInfo]:
    """Every registered solver with what it supports and whether its engine imports."""
    infos = []
    for name in _SOLVERS:
        try:
            cls = _load(name)
        except ImportError as error:
            infos.append(SolverInfo(name, "", "", frozenset(), False, str(error)))
            continue
        infos.append(SolverInfo(name, cls.summary, cls.family, cls.supported_attributes, True, ""))
    return infos


def solvers_supporting(instance: Any) -> list[str]:
    """Names of the available solvers of the instance's family that model all it needs."""
    needed = instance.active_attributes()
    family = family_of(instance).name
    return [
        info.name
        for info in list_solvers()
        if info.available and info.family == family and needed <= info.supported_attributes
    ]


def choose_auto(instance: Any) -> str:
    """The solver ``auto`` runs on ``instance``.

    The rule: the exact ``ilp`` solver when it models the instance and the instance is within
    :data:`EXACT_LIMITS` (small enough to prove optimal in seconds); otherwise the first solver of
    :data:`AUTO_PREFERENCE` that is available and models every active attribute.

    Raises
    ------
    UnsupportedInstanceError
        If no available solver models the instance.
    """
    capable = solvers_supporting(instance)
    if not isinstance(instance, RoutingInstance):
        # Flow admission: the exact ILP (best solution at the time limit); packet routing:
        # Q-routing, which adapts to load where static shortest paths congest; graph search:
        # beam search, which needs no trained policy; path queries: geographic forwarding, idem.
        preference = FLOW_PREFERENCE + PACKET_PREFERENCE + GRAPH_PREFERENCE + PATH_PREFERENCE
        for candidate in preference:
            if candidate in capable:
                return candidate
        raise UnsupportedInstanceError(f"no available solver models {instance.name}")
    if "ilp" in capable:
        if instance.is_tsp:
            small = instance.num_nodes <= EXACT_LIMITS["TSP"]
        else:
            key = "VRPTW" if instance.has_time_windows else "VRP"
            small = instance.num_customers <= EXACT_LIMITS[key]
        if small:
            return "ilp"
    for candidate in AUTO_PREFERENCE:
        if candidate in capable:
            return candidate
    raise UnsupportedInstanceError(
        f"no available solver models every attribute of {instance.name} "
        f"({', '.join(sorted(instance.active_attributes()))})"
    )


def resolve(name: str, instance: Any) -> Solver:
    """The solver to run for ``name`` on ``instance``, with ``auto`` resolved.

    Raises
    ------
    UnknownSolverError
        If no solver has that name.
    UnsupportedInstanceError
        If the solver cannot model an active attribute; the message names those that can.
    """
    if name == "auto":
        return get_solver(choose_auto(instance))
    solver = get_solver(name)
    family = family_of(instance).name
    capable = solvers_supporting(instance)
    others = ", ".join(capable) if capable else "none"
    if solver.family != family:
        raise UnsupportedInstanceError(
            f"solver {name!r} solves {solver.family} problems, and {instance.name} is a "
            f"{family} instance; solvers that can: {others}"
        )
    missing = solver.unsupported(instance)
    if missing:
        raise UnsupportedInstanceError(
            f"solver {name!r} cannot model {', '.join(sorted(missing))} "
            f"({instance.name} is {getattr(instance, 'variant', family)}); "
            f"solvers that can: {others}"
        )
    return solver
