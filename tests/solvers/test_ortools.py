"""The OR-Tools adapter on small seeded instances of every variant it models."""

from __future__ import annotations

import numpy as np
import pytest
from adapter_cases import (
    COMBINATIONS,
    TINY_VARIANTS,
    check_solved,
    linehaul_first,
    make_instance,
    tiny_case,
)

from vrpsolve.problems.routing import RoutingInstance, VehicleType
from vrpsolve.solve import solve
from vrpsolve.solvers.base import Status
from vrpsolve.solvers.ortools import ORToolsSolver, _Model, fleet_sizes, integer_view
from vrpsolve.solvers.registry import UnsupportedInstanceError

SUPPORTED = [
    name for name, attributes in COMBINATIONS.items() if attributes.get("backhaul") != "mixed"
]
MIXED = [name for name in COMBINATIONS if name not in SUPPORTED]


@pytest.mark.parametrize("combination", SUPPORTED)
def test_every_combination_feasible(combination: str) -> None:
    """Each supported attribute combination gets a feasible solution at the engine's cost."""
    instance = make_instance(seed=3, **COMBINATIONS[combination])  # type: ignore[arg-type]
    assert instance.active_attributes() <= ORToolsSolver.supported_attributes
    check_solved(instance, "ortools")


@pytest.mark.parametrize("combination", MIXED)
def test_mixed_backhaul_refused(combination: str) -> None:
    """Mixed backhaul is refused with a message naming the solvers that model it."""
    instance = make_instance(seed=3, **COMBINATIONS[combination])  # type: ignore[arg-type]
    with pytest.raises(UnsupportedInstanceError, match=r"backhaul_mixed.*solvers that can: pyvrp"):
        solve(instance, "ortools", time_limit=0.5)


@pytest.mark.parametrize("variant", list(TINY_VARIANTS))
def test_tiny_instance_optimal(variant: str) -> None:
    """On six customers OR-Tools finds the optimum found by enumeration."""
    instance, optimum = tiny_case(variant)
    result = check_solved(instance, "ortools", time_limit=1.0)
    assert result.cost == pytest.approx(optimum, abs=1e-9)


@pytest.mark.parametrize("seed", [4, 5])
def test_classic_backhaul_linehaul_first(seed: int) -> None:
    """Classic backhaul routes visit every linehaul customer before any backhaul customer."""
    instance = make_instance(seed=seed, num_customers=15, backhaul="classic", open_route=True)
    result = check_solved(instance, "ortools")
    assert result.solution is not None
    assert all(linehaul_first(instance, route.visits) for route in result.solution.routes)


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


def test_infeasible_instance_gives_no_solution() -> None:
    """An instance without a feasible solution yields no solution, not an exception."""
    windows = np.array([[0.0, 10.0], [0.0, 1.0], [0.0, 1.0]])
    distance = np.array([[0.0, 5.0, 5.0], [5.0, 0.0, 1.0], [5.0, 1.0, 0.0]])
    instance = RoutingInstance(name="late", distance=distance, time_windows=windows)
    result = solve(instance, "ortools", time_limit=0.2)
    assert result.status is Status.NO_SOLUTION


def test_first_solution_strategy_option() -> None:
    """A first-solution strategy named in the options is tried first."""
    instance = make_instance(seed=3, time_windows=True)
    result = solve(
        instance, "ortools", time_limit=0.5, first_solution_strategy="LOCAL_CHEAPEST_INSERTION"
    )
    assert result.feasible
    assert result.stats["first_solution_strategy"] == "LOCAL_CHEAPEST_INSERTION"


def test_tsp_single_route() -> None:
    """An asymmetric TSP is solved as one route."""
    rng = np.random.default_rng(2)
    distance = rng.integers(1, 100, size=(10, 10)).astype(float)
    np.fill_diagonal(distance, 0)
    instance = RoutingInstance(
        name="atsp",
        distance=distance,
        vehicle_types=(VehicleType(num_available=1),),
        cost_convention="explicit",  # type: ignore[arg-type]
    )
    result = check_solved(instance, "ortools")
    assert result.solution is not None and len(result.solution.routes) == 1
