"""The OR-Tools adapter: every OR-Tools routing quirk vrpsolve relies on lives in this module.

Modelling choices:

- Data is scaled to integers once, by :func:`vrpsolve.routing.solvers.scaling.integer_view`; transit
  matrices are registered with OR-Tools (evaluated in C++, no Python callbacks).
- Each vehicle type becomes ``m`` vehicles with its start and end depots; depots that no vehicle
  uses are forced inactive.
- Open routes get their own matrices in which arcs into a depot cost nothing and take no time.
- Load: one delivery dimension; with classic backhaul also a pickup dimension (the load peaks at
  the larger of the two totals once linehauls come first), and backhaul-to-linehaul arcs are
  removed from the successor domains. Mixed backhaul is not modelled.
- Time: transit ``service[i] + duration[i, j]``, waiting as slack, customer windows on the cumuls,
  depot windows on the start and end cumuls (no closing check for open routes), and
  ``max_duration`` as a span upper bound. ``max_distance`` is a capacity on a distance dimension.
- An unlimited fleet gets ``2 * ceil(total demand / capacity) + 1`` vehicles when routes can always
  be merged (finite capacity and no windows, route limits or open routes: then some feasible
  solution has no two routes with a combined load within capacity, hence at most that many
  routes), else one vehicle per customer.
- Search: a first-solution strategy chosen per variant, with fallbacks tried in turn on a share
  of the budget, then guided local search from the first solution for the remaining time.
  OR-Tools' routing search is deterministic and single-threaded; the seed is recorded only.
- Stopping on request (:mod:`vrpsolve.core.stop`): a callback at every new solution ends the
  search, which returns its best; a request during a first-solution attempt is seen when it
  finds its solution, and skips the rest.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from vrpsolve.core.options import SolverOption, check_options
from vrpsolve.core.solver import Solver, SolverOutput
from vrpsolve.core.stop import stop_requested
from vrpsolve.routing.model import ATTRIBUTES, BackhaulMode, Route, RoutingInstance, Solution
from vrpsolve.routing.solvers.scaling import IntArray, IntegerInstance, classic_backhaul_forbidden
from vrpsolve.routing.solvers.scaling import integer_view as _integer_view

NO_LIMIT = 1 << 50
"""Stands for "no limit" in OR-Tools dimensions; far from int64 overflow when summed."""

FIRST_SOLUTION_STRATEGIES = (
    "AUTOMATIC",
    "PATH_CHEAPEST_ARC",
    "PATH_MOST_CONSTRAINED_ARC",
    "EVALUATOR_STRATEGY",
    "SAVINGS",
    "PARALLEL_SAVINGS",
    "SWEEP",
    "CHRISTOFIDES",
    "ALL_UNPERFORMED",
    "BEST_INSERTION",
    "PARALLEL_CHEAPEST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_COST_INSERTION",
    "GLOBAL_CHEAPEST_ARC",
    "LOCAL_CHEAPEST_ARC",
    "FIRST_UNBOUND_MIN_VALUE",
)
"""OR-Tools' first-solution strategies (``FirstSolutionStrategy`` but ``UNSET``), named here so
that the option's choices are known without importing OR-Tools."""

FIRST_SOLUTION_SHARE = 0.3
"""Share of the time budget that first-solution attempts may use before GLS takes over."""


def integer_view(instance: RoutingInstance) -> IntegerInstance:
    """The instance scaled to integers with this adapter's "no limit"."""
    return _integer_view(instance, no_limit=NO_LIMIT)


def fleet_sizes(instance: RoutingInstance, data: IntegerInstance) -> list[int]:
    """Vehicles per type in the model; see the module docstring for unlimited fleets."""
    mergeable = not (
        instance.has_time_windows or instance.has_duration_limit or instance.has_open_routes
    )
    total = int(data.delivery.sum() + data.pickup.sum())
    sizes = []
    for k, vt in enumerate(instance.vehicle_types):
        size = instance.fleet_size(k)
        if vt.num_available is None and mergeable and data.capacity[k] < data.no_limit:
            size = min(size, 2 * math.ceil(total / max(1, data.capacity[k])) + 1)
        sizes.append(max(1, size))
    return sizes


def first_solution_strategies(instance: RoutingInstance) -> list[int]:
    """First-solution strategies to try in order for this variant.

    Insertion heuristics come first with time windows, route limits, backhauls, several depots
    or a fleet limit (path cheapest arc finds no first solution on tight-window instances such as
    Solomon R101); plain CVRP starts from path cheapest arc, after which guided local search ends
    better than after savings (X-n303-k21 at 10 s: 8.4% against 17% above the best known).
    """
    from ortools.constraint_solver.routing_enums_pb2 import FirstSolutionStrategy as _Strategy

    if (
        instance.has_time_windows
        or instance.has_duration_limit
        or instance.has_backhaul
        or instance.has_multiple_depots
        or instance.has_fleet_limit
    ):
        return [
            _Strategy.PARALLEL_CHEAPEST_INSERTION,
            _Strategy.LOCAL_CHEAPEST_INSERTION,
            _Strategy.SAVINGS,
        ]
    return [_Strategy.PATH_CHEAPEST_ARC, _Strategy.SAVINGS, _Strategy.PARALLEL_CHEAPEST_INSERTION]


class _Model:
    """An OR-Tools routing model of one instance."""

    def __init__(self, instance: RoutingInstance) -> None:
        from ortools.constraint_solver import pywrapcp

        self.instance = instance
        self.data = data = integer_view(instance)
        self.vehicle_type: list[int] = [
            k for k, size in enumerate(fleet_sizes(instance, data)) for _ in range(size)
        ]
        types = [instance.vehicle_types[k] for k in self.vehicle_type]
        self.manager = pywrapcp.RoutingIndexManager(
            instance.num_nodes,
            len(types),
            [vt.start_depot for vt in types],
            [vt.end_depot for vt in types],
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        self.routing.AddAtSolutionCallback(self._stop_if_requested)
        self._open = [vt.open_route for vt in types]
        self._restrict_nodes()
        distance = self._per_vehicle(data.distance)
        for v, callback in enumerate(distance):
            self.routing.SetArcCostEvaluatorOfVehicle(callback, v)
            self.routing.SetFixedCostOfVehicle(data.fixed_cost[self.vehicle_type[v]], v)
        self._add_load()
        self._add_time()
        if instance.has_duration_limit and any(
            data.max_distance[k] < data.no_limit for k in self.vehicle_type
        ):
            limits = [data.max_distance[k] for k in self.vehicle_type]
            self.routing.AddDimensionWithVehicleTransitAndCapacity(
                distance, 0, limits, True, "distance"
            )

    def _stop_if_requested(self) -> None:
        """At each solution: end the search (which keeps its best) once a stop is requested."""
        if stop_requested():
            self.routing.solver().FinishCurrentSearch()

    def _per_vehicle(self, closed: IntArray) -> list[int]:
        """Transit callback index per vehicle: ``closed``, or its open-route variant."""
        callbacks = {False: self.routing.RegisterTransitMatrix(closed.tolist())}
        if any(self._open):
            open_ = closed.copy()
            open_[:, list(self.instance.depots)] = 0
            callbacks[True] = self.routing.RegisterTransitMatrix(open_.tolist())
        return [callbacks[is_open] for is_open in self._open]

    def _restrict_nodes(self) -> None:
        """Force unused depots inactive and remove forbidden classic-backhaul arcs."""
        instance, routing, manager = self.instance, self.routing, self.manager
        used = {instance.vehicle_types[k].start_depot for k in self.vehicle_type} | {
            instance.vehicle_types[k].end_depot for k in self.vehicle_type
        }
        for depot in set(instance.depots) - used:
            index = manager.NodeToIndex(depot)
            routing.AddDisjunction([index], 0)
            routing.solver().Add(routing.ActiveVar(index) == 0)
        if instance.backhaul_mode is BackhaulMode.CLASSIC:
            for i, j in zip(*np.nonzero(classic_backhaul_forbidden(instance)), strict=True):
                if i != j:
                    routing.NextVar(manager.NodeToIndex(int(i))).RemoveValue(
                        manager.NodeToIndex(int(j))
                    )

    def _add_load(self) -> None:
        instance, data = self.instance, self.data
        if not (instance.has_capacity or instance.delivery.any() or instance.pickup.any()):
            return
        unbounded = int(data.delivery.sum() + data.pickup.sum()) + 1
        capacities = [min(data.capacity[k], unbounded) for k in self.vehicle_type]
        loads = [("delivery", data.delivery)]
        if instance.pickup.any():
            loads.append(("pickup", data.pickup))
        for name, demand in loads:
            callback = self.routing.RegisterUnaryTransitVector(demand.tolist())
            self.routing.AddDimensionWithVehicleCapacity(callback, 0, capacities, True, name)

    def _add_time(self) -> None:
        instance, data, routing, manager = self.instance, self.data, self.routing, self.manager
        if not (instance.has_time_windows or instance.has_duration_limit):
            return
        limits = [data.max_duration[k] for k in self.vehicle_type]
        if not instance.has_time_windows and all(limit >= data.no_limit for limit in limits):
            return
        horizon = data.horizon()
        transit = self._per_vehicle(data.duration + data.service[:, None])
        routing.AddDimensionWithVehicleTransits(transit, horizon, horizon, False, "time")
        dimension = routing.GetDimensionOrDie("time")
        for node in instance.customers:
            index = manager.NodeToIndex(int(node))
            dimension.CumulVar(index).SetRange(
                int(data.earliest[node]), min(int(data.latest[node]), horizon)
            )
        for v, k in enumerate(self.vehicle_type):
            vt = instance.vehicle_types[k]
            start = dimension.CumulVar(routing.Start(v))
            start.SetRange(
                min(int(data.earliest[vt.start_depot]), horizon),
                min(int(data.latest[vt.start_depot]), horizon),
            )
            if not vt.open_route:
                closing = min(int(data.latest[vt.end_depot]), horizon)
                dimension.CumulVar(routing.End(v)).SetMax(closing)
            if limits[v] < data.no_limit:
                dimension.SetSpanUpperBoundForVehicle(min(limits[v], horizon), v)
            routing.AddVariableMaximizedByFinalizer(start)
            routing.AddVariableMinimizedByFinalizer(dimension.CumulVar(routing.End(v)))

    def parameters(self, strategy: int, seconds: float, *, first_only: bool) -> Any:
        """Search parameters: one first solution, or guided local search for ``seconds``."""
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2

        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = strategy
        params.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
        if first_only:
            params.solution_limit = 1
        else:
            params.local_search_metaheuristic = (
                routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
            )
        return params

    def solution(self, assignment: Any) -> Solution:
        """Routes of an OR-Tools assignment, as vrpsolve routes."""
        routes = []
        for v, k in enumerate(self.vehicle_type):
            index = assignment.Value(self.routing.NextVar(self.routing.Start(v)))
            visits = []
            while not self.routing.IsEnd(index):
                visits.append(self.manager.IndexToNode(index))
                index = assignment.Value(self.routing.NextVar(index))
            routes.append(Route(tuple(visits), k))
        return Solution(tuple(routes))


def _solve(
    model: _Model, strategies: Sequence[int], time_limit: float
) -> tuple[Any, dict[str, Any]]:
    """First solution by the first strategy that finds one, then GLS for the remaining time."""
    from ortools.constraint_solver.routing_enums_pb2 import FirstSolutionStrategy as _Strategy

    deadline = time.perf_counter() + time_limit
    stats: dict[str, Any] = {"vehicles": len(model.vehicle_type)}
    for number, strategy in enumerate(strategies):
        left = deadline - time.perf_counter()
        share = left if number == len(strategies) - 1 else left * FIRST_SOLUTION_SHARE
        if share <= 0 or stop_requested():
            break
        params = model.parameters(strategy, share, first_only=True)
        first = model.routing.SolveWithParameters(params)
        if first is None:
            continue
        stats["first_solution_strategy"] = _Strategy.Value.Name(strategy)
        stats["first_cost"] = model.data.to_units(first.ObjectiveValue())
        left = deadline - time.perf_counter()
        best = first
        if left > 0.01 and not stop_requested():
            params = model.parameters(strategy, left, first_only=False)
            improved = model.routing.SolveFromAssignmentWithParameters(first, params)
            if improved is not None:
                best = improved
        stats["engine_cost"] = model.data.to_units(best.ObjectiveValue())
        return best, stats
    return None, stats


class ORToolsSolver(Solver):
    """OR-Tools routing with guided local search."""

    name: ClassVar[str] = "ortools"
    summary: ClassVar[str] = "Google OR-Tools routing library, guided local search"
    supported_attributes: ClassVar[frozenset[str]] = ATTRIBUTES - {"backhaul_mixed"}
    options = (
        SolverOption(
            "first_solution_strategy",
            str,
            None,
            "OR-Tools first-solution strategy tried before the variant's own (default: none)",
            choices=FIRST_SOLUTION_STRATEGIES,
        ),
    )
    requires: ClassVar[tuple[str, ...]] = ("ortools",)

    def run(
        self, instance: RoutingInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Solve with OR-Tools for ``time_limit`` seconds; no solution if none is found.

        The option ``first_solution_strategy`` (an OR-Tools strategy name) is tried before the
        variant's defaults.
        """
        from ortools.constraint_solver.routing_enums_pb2 import FirstSolutionStrategy as _Strategy

        options = check_options(self, options)
        if instance.num_customers == 0:
            return SolverOutput(Solution(()), proved_optimal=True)
        model = _Model(instance)
        strategies = first_solution_strategies(instance)
        if options["first_solution_strategy"] is not None:
            strategies.insert(0, _Strategy.Value.Value(options["first_solution_strategy"]))
        assignment, stats = _solve(model, strategies, time_limit)
        stats["seed"] = seed
        if assignment is None:
            return SolverOutput(None, stats=stats)
        return SolverOutput(model.solution(assignment), stats=stats)
