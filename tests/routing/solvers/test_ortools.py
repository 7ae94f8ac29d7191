"""The OR-Tools adapter on small seeded instances of every variant it models."""

from __future__ import annotations

import numpy as np
from adapter_cases import (
    check_solved,
    make_instance,
)

from vrpsolve.routing.model import RoutingInstance, VehicleType
from vrpsolve.routing.solvers.ortools import _Model, fleet_sizes, integer_view
from vrpsolve.solve import solve


def test_unlimited_fleet_bound() -> None:
    """An unlimited CVRP fleet is bounded by demand; with time windows it is one per customer."""
    cvrp = make_instance(seed=2, num_customers=15)
    bound = 2 * int(np.ceil(cvrp.delivery.sum() / 30.0)) + 1
    assert fleet_sizes(cvrp, integer_view(cvrp)) == [min(15, bound)]
    vrptw = make_instance(seed=2, num_customers=15, time_windows=True)
    assert fleet_sizes(vrptw, integer_view(vrptw)) == [15]


def test_unused_depot_not_visited() -> None:
    """A depot no vehicle uses is never visited as a customer."""
    instance = make_instance(seed=9, depots=2)
    only_first = RoutingInstance(
        name="one-depot-used",
        distance=instance.distance,
        depots=instance.depots,
        delivery=instance.delivery,
        vehicle_types=(VehicleType(capacity=30.0),),
    )
    model = _Model(only_first)
    assert model.vehicle_type
    result = check_solved(only_first, "ortools")
    assert result.solution is not None
    assert all(1 not in route.visits for route in result.solution.routes)


def test_first_solution_strategy_option() -> None:
    """A first-solution strategy named in the options is tried first."""
    instance = make_instance(seed=3, time_windows=True)
    result = solve(
        instance, "ortools", time_limit=0.5, first_solution_strategy="LOCAL_CHEAPEST_INSERTION"
    )
    assert result.feasible
    assert result.stats["first_solution_strategy"] == "LOCAL_CHEAPEST_INSERTION"


def test_the_strategy_choices_are_those_of_ortools() -> None:
    """The option's choices, named without importing OR-Tools, are OR-Tools' strategies."""
    from ortools.constraint_solver.routing_enums_pb2 import FirstSolutionStrategy

    from vrpsolve.routing.solvers.ortools import FIRST_SOLUTION_STRATEGIES

    names = [name for name, _ in FirstSolutionStrategy.Value.items() if name != "UNSET"]
    assert list(FIRST_SOLUTION_STRATEGIES) == names
