"""The vehicle-routing family's descriptor (see :class:`vrpsolve.core.family.Family`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vrpsolve.catalog import best_known, gap_percent
from vrpsolve.core.errors import UnsupportedInstanceError
from vrpsolve.core.family import Family, InstanceFormat, violation_records
from vrpsolve.routing.io import read_solution, write_solution
from vrpsolve.routing.io.detect import routing_format
from vrpsolve.routing.io.json_format import read_json_instance, write_json_instance
from vrpsolve.routing.io.ortec import read_ortec
from vrpsolve.routing.io.solomon import read_solomon
from vrpsolve.routing.io.tsplib import read_atsp, read_tsp
from vrpsolve.routing.io.vrplib import read_vrplib, write_vrplib
from vrpsolve.routing.model import Evaluation, RoutingInstance, Solution, diagnose, evaluate

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

EXACT_LIMITS: dict[str, int] = {"TSP": 150, "VRP": 20, "VRPTW": 15}
"""Largest size (nodes for TSP/ATSP, customers otherwise) that ``auto`` hands to the exact ILP.

Measured with ``benchmarks/ilp.py`` and one-off runs on this kind of 2-core machine: TSPLIB TSP
and ATSP instances up to 130-171 nodes are proved within 8 s (a280 is not within 60 s); CVRP
E-n13-k4 and P-n16-k8 within 7 s, but not A-n32-k5 or B-n31-k5 within 60 s; generated VRPTW with
15 customers in under 0.5 s, while wide windows weaken the formulation."""


EXACT_MIN_SECONDS = 10.0
"""The smallest budget ``auto`` gives the exact ILP: the instances within :data:`EXACT_LIMITS`
were proved in up to 8 s, and with less time PyVRP does better (E-n13-k4 at 0.1 s: the ILP's
best was 53.85% above the optimum that PyVRP found; ch130 at 1 s: 9.82% against 1.23%)."""


def choose(instance: RoutingInstance, capable: Sequence[str], time_limit: float | None) -> str:
    """``auto``'s rule: the exact ``ilp`` solver when it models the instance, the instance is
    within :data:`EXACT_LIMITS` and the budget is at least :data:`EXACT_MIN_SECONDS` (or the
    default); otherwise the first of :data:`AUTO_PREFERENCE` that models it.
    """
    enough_time = time_limit is None or time_limit >= EXACT_MIN_SECONDS
    if "ilp" in capable and enough_time:
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
        f"no classical solver models every attribute of {instance.name} "
        f"({', '.join(sorted(instance.active_attributes()))}); name one of {', '.join(capable)}"
    )


def record(name: str, solution: Solution | None, evaluation: Evaluation | None) -> dict[str, Any]:
    """The routing verdict: ``instance``, ``cost`` (``None`` without a solution), ``feasible``,
    ``violations`` (``kind``, ``message``, ``route``, ``node``), ``routes`` (each a
    ``vehicle_type`` and its ``visits``, node indices, as in a JSON solution file), ``bks`` and
    ``gap`` (percent, for a bundled instance and a feasible solution)."""
    cost = None if evaluation is None else evaluation.cost
    feasible = evaluation is not None and evaluation.feasible
    try:
        bks: float | None = best_known(name).value
    except KeyError:
        bks = None
    gap = None if bks is None or not feasible or cost is None else gap_percent(cost, bks)
    return {
        "instance": name,
        "cost": cost,
        "feasible": feasible,
        "violations": violation_records(evaluation, "route", "node"),
        "routes": []
        if solution is None
        else [{"vehicle_type": r.vehicle_type, "visits": list(r.visits)} for r in solution.routes],
        "bks": bks,
        "gap": None if gap is None else round(gap, 4),
    }


def describe(instance: RoutingInstance) -> dict[str, str]:
    """``vrpsolve info``'s lines: variant, nodes, fleet, attributes, convention, best known."""
    fleet = [
        f"{'unlimited' if vt.num_available is None else vt.num_available} x "
        f"capacity {vt.capacity:g}" + (" (open)" if vt.open_route else "")
        for vt in instance.vehicle_types
    ]
    try:
        bks = f"{best_known(instance.name).value:g}"
    except KeyError:
        bks = "-"
    return {
        "variant": instance.variant,
        "nodes": f"{instance.num_nodes} ({len(instance.depots)} depot(s), "
        f"{instance.num_customers} customers)",
        "fleet": "; ".join(fleet),
        "attributes": ", ".join(sorted(instance.active_attributes())) or "-",
        "cost convention": instance.cost_convention.value,
        "best known": bks,
    }


def _write(solution: Solution, path: Path, evaluation: Evaluation | None) -> None:
    write_solution(solution, path, cost=None if evaluation is None else evaluation.cost)


ROUTING = Family(
    name="routing",
    title="vehicle routing",
    instance_type=RoutingInstance,
    solution_type=Solution,
    evaluate=lambda instance, solution, seed: evaluate(instance, solution),
    objective="cost",
    minimise=True,
    formats=(
        InstanceFormat("vrplib", read_vrplib, write_vrplib),
        InstanceFormat("solomon", read_solomon),
        InstanceFormat("tsplib", read_tsp),
        InstanceFormat("atsp", read_atsp),
        InstanceFormat("ortec", read_ortec),
        InstanceFormat("json", read_json_instance, write_json_instance),
    ),
    detect=routing_format,
    solution_suffixes=(".sol", ".json", ".tour"),
    read_solution=read_solution,
    write_solution=_write,
    record=record,
    columns=("instance", "solver", "status", "cost", "bks", "gap", "runtime"),
    describe=describe,
    size=lambda instance: instance.num_nodes,
    solvers={
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
    },
    generator="vrpsolve.routing.generators:RoutingGenerator",
    choose=choose,
    diagnose=diagnose,
)
"""Vehicle routing: RouteFinder's variants, TSP and ATSP, judged by
:func:`~vrpsolve.routing.model.evaluate` (total cost under the instance's convention)."""
