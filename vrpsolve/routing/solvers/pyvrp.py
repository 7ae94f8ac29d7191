"""The PyVRP adapter: every PyVRP quirk vrpsolve relies on lives in this module.

Modelling choices:

- Data is scaled to integers once, by :func:`vrpsolve.routing.solvers.scaling.integer_view`.
- A start depot's service time is folded into the travel times leaving that depot.
- Depot windows become vehicle-type shifts: earliest departure and latest departure (PyVRP's
  ``start_late``) from the start depot's window, and return by the end depot's closing time.
- Open routes use a second routing profile whose arcs into the depots cost nothing and take no
  time; open vehicle types have no shift end, as the evaluator does not check depot closing.
- Deliveries and pickups are PyVRP's native delivery and pickup loads, which gives mixed
  backhaul; classic backhaul also forbids backhaul-to-linehaul arcs by making them longer (in
  distance and duration) than any arc-respecting solution.
- An unlimited fleet is one vehicle per customer.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from vrpsolve.core.solver import Solver, SolverOutput
from vrpsolve.core.stop import stop_requested
from vrpsolve.routing.model import ATTRIBUTES, BackhaulMode, Route, RoutingInstance, Solution
from vrpsolve.routing.solvers.scaling import IntArray, IntegerInstance, classic_backhaul_forbidden
from vrpsolve.routing.solvers.scaling import integer_view as _integer_view

if TYPE_CHECKING:
    import pyvrp

NO_LIMIT = int(np.iinfo(np.int64).max)
"""PyVRP's own default for unconstrained windows, shift durations and distances."""


def integer_view(instance: RoutingInstance) -> IntegerInstance:
    """The instance scaled to integers with PyVRP's "no limit"."""
    return _integer_view(instance, no_limit=NO_LIMIT)


def _forbidden_value(matrix: IntArray, data: IntegerInstance) -> int:
    """A length larger than any route built from allowed arcs, within PyVRP's value range."""
    import pyvrp

    finite = matrix[matrix < data.no_limit]
    value = int(finite.max(initial=0)) * matrix.shape[0] + 1
    return min(value, pyvrp.constants.MAX_VALUE)


def _profiles(instance: RoutingInstance, data: IntegerInstance) -> tuple[list[Any], list[Any]]:
    """Distance and duration matrices per profile: closed routes, then (if any) open routes."""
    distance = data.distance.copy()
    duration = data.duration.copy()
    depots = list(instance.depots)
    duration[depots, :] += data.service[depots, None]
    if instance.backhaul_mode is BackhaulMode.CLASSIC:
        forbidden = classic_backhaul_forbidden(instance)
        distance[forbidden] = _forbidden_value(distance, data)
        duration[forbidden] = _forbidden_value(duration, data)
    np.fill_diagonal(distance, 0)
    np.fill_diagonal(duration, 0)
    distances: list[Any] = [distance]  # PyVRP's stubs mistype matrices as ndarray[int]
    durations: list[Any] = [duration]
    if instance.has_open_routes:
        open_distance, open_duration = distance.copy(), duration.copy()
        open_distance[:, depots] = 0
        open_duration[:, depots] = 0
        distances.append(open_distance)
        durations.append(open_duration)
    return distances, durations


def build_problem(instance: RoutingInstance) -> tuple[pyvrp.ProblemData, IntegerInstance]:
    """Translate an instance into PyVRP's ``ProblemData``, with the integer view used."""
    import pyvrp

    data = integer_view(instance)
    n = instance.num_nodes
    coords = instance.coords if instance.coords is not None else np.zeros((n, 2))
    locations = [pyvrp.Location(x=float(x), y=float(y)) for x, y in coords]
    depot_index = {node: k for k, node in enumerate(instance.depots)}
    depots = [pyvrp.Depot(location=node) for node in instance.depots]

    uses_load = instance.has_capacity or bool(instance.delivery.any() or instance.pickup.any())
    unbounded_load = int(data.delivery.sum() + data.pickup.sum()) + 1

    def load(values: IntArray, node: int) -> list[int]:
        return [int(values[node])] if uses_load else []

    clients = [
        pyvrp.Client(
            location=int(node),
            delivery=load(data.delivery, node),
            pickup=load(data.pickup, node),
            service_duration=int(data.service[node]),
            tw_early=int(data.earliest[node]),
            tw_late=int(data.latest[node]),
        )
        for node in instance.customers
    ]
    vehicle_types = []
    for k, vt in enumerate(instance.vehicle_types):
        capacity = min(data.capacity[k], unbounded_load)
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=instance.fleet_size(k),
                capacity=[capacity] if uses_load else [],
                start_depot=depot_index[vt.start_depot],
                end_depot=depot_index[vt.end_depot],
                fixed_cost=data.fixed_cost[k],
                tw_early=int(data.earliest[vt.start_depot]),
                start_late=int(data.latest[vt.start_depot]),
                tw_late=NO_LIMIT if vt.open_route else int(data.latest[vt.end_depot]),
                shift_duration=data.max_duration[k],
                max_distance=data.max_distance[k],
                profile=1 if vt.open_route else 0,
            )
        )
    distances, durations = _profiles(instance, data)
    problem = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=distances,
        duration_matrices=durations,
    )
    return problem, data


def routes_to_solution(problem: pyvrp.ProblemData, solution: pyvrp.Solution) -> Solution:
    """Convert a PyVRP solution to vrpsolve routes (node indices are PyVRP locations)."""
    clients = problem.clients()
    return Solution(
        tuple(
            Route(
                tuple(clients[a.idx].location for a in route if a.is_client()),
                route.vehicle_type(),
            )
            for route in solution.routes()
        )
    )


def to_pyvrp_solution(
    instance: RoutingInstance, problem: pyvrp.ProblemData, solution: Solution
) -> pyvrp.Solution:
    """A vrpsolve solution as PyVRP's (clients are numbered in ``instance.customers`` order)."""
    import pyvrp

    client = {int(node): k for k, node in enumerate(instance.customers)}
    kind = pyvrp.ActivityType.CLIENT
    routes = [
        pyvrp.Route(problem, [pyvrp.Activity(kind, client[v]) for v in r.visits], r.vehicle_type)
        for r in solution.routes
    ]
    return pyvrp.Solution(problem, routes)


def _stop_requested(best_cost: float) -> bool:
    """A PyVRP stopping criterion: a stop was requested (see :mod:`vrpsolve.core.stop`)."""
    return stop_requested()


class PyVRPSolver(Solver):
    """PyVRP's iterated local search on the scaled instance."""

    name: ClassVar[str] = "pyvrp"
    summary: ClassVar[str] = "PyVRP iterated local search (state of the art for CVRP/VRPTW)"
    supported_attributes: ClassVar[frozenset[str]] = ATTRIBUTES
    requires: ClassVar[tuple[str, ...]] = ("pyvrp",)

    def run(
        self,
        instance: RoutingInstance,
        *,
        time_limit: float,
        seed: int,
        initial_solution: Solution | None = None,
        **options: Any,
    ) -> SolverOutput:
        """Solve with PyVRP for ``time_limit`` seconds; no solution if none feasible is found.

        PyVRP declares no options. ``initial_solution`` (a :class:`Solution`; for callers in
        Python such as ``routefinder+ls``, not an option) starts the search from it. PyVRP runs
        single-threaded, and stops early (with its best) when a stop is requested.
        """
        import pyvrp
        from pyvrp.exceptions import PenaltyBoundWarning
        from pyvrp.stop import MaxRuntime, MultipleCriteria

        if instance.num_customers == 0:
            return SolverOutput(Solution(()), proved_optimal=True, stats={"iterations": 0})
        problem, data = build_problem(instance)
        initial = initial_solution
        start = None if initial is None else to_pyvrp_solution(instance, problem, initial)
        with warnings.catch_warnings():
            # PyVRP warns when it finds no feasible solution; that is reported as no solution.
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            result = pyvrp.solve(
                problem,
                stop=MultipleCriteria([MaxRuntime(time_limit), _stop_requested]),
                seed=seed,
                collect_stats=False,
                display=False,
                initial_solution=start,
            )
        stats: dict[str, Any] = {
            "iterations": result.num_iterations,
            "engine_cost": data.to_units(result.cost()),
            "scale": data.scale,
        }
        if not result.is_feasible():
            return SolverOutput(None, stats=stats)
        return SolverOutput(routes_to_solution(problem, result.best), stats=stats)
