"""The PyVRP adapter on small seeded instances of every variant it models."""

from __future__ import annotations

import math

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
from vrpsolve.solvers.pyvrp import PyVRPSolver, build_problem

ALL_ATTRIBUTES = make_instance(**COMBINATIONS["everything_classic"]).active_attributes() | {
    "backhaul_mixed"
}


@pytest.mark.parametrize("combination", list(COMBINATIONS))
def test_every_combination_feasible(combination: str) -> None:
    """Each attribute combination gets a solution the evaluator accepts, at the engine's cost."""
    instance = make_instance(seed=3, **COMBINATIONS[combination])  # type: ignore[arg-type]
    assert instance.active_attributes() <= PyVRPSolver.supported_attributes
    check_solved(instance, "pyvrp")


def test_supports_every_attribute() -> None:
    """PyVRP declares every attribute an instance can have."""
    assert PyVRPSolver.supported_attributes >= ALL_ATTRIBUTES


@pytest.mark.parametrize("variant", list(TINY_VARIANTS))
def test_tiny_instance_optimal(variant: str) -> None:
    """On six customers PyVRP finds the optimum found by enumeration."""
    instance, optimum = tiny_case(variant)
    result = check_solved(instance, "pyvrp")
    assert result.cost == pytest.approx(optimum, abs=1e-9)


@pytest.mark.parametrize("seed", [4, 5])
def test_classic_backhaul_linehaul_first(seed: int) -> None:
    """Classic backhaul routes visit every linehaul customer before any backhaul customer."""
    instance = make_instance(seed=seed, num_customers=15, backhaul="classic", open_route=True)
    result = check_solved(instance, "pyvrp")
    assert result.solution is not None
    assert all(linehaul_first(instance, route.visits) for route in result.solution.routes)


def test_binding_fleet_limit_respected() -> None:
    """A fleet limit that binds is kept."""
    base = make_instance(seed=6, num_customers=15)
    total = float(base.delivery.sum())
    limit = math.ceil(total / 30.0)
    instance = make_instance(seed=6, num_customers=15)
    instance = RoutingInstance(
        name="fleet",
        distance=instance.distance,
        delivery=instance.delivery,
        vehicle_types=(VehicleType(capacity=30.0, num_available=limit),),
    )
    result = check_solved(instance, "pyvrp", time_limit=1.0)
    assert result.solution is not None and len(result.solution.routes) <= limit


def test_seed_reproducible() -> None:
    """The same seed gives the same solution."""
    instance = make_instance(seed=8, num_customers=15, time_windows=True)
    first = solve(instance, "pyvrp", time_limit=0.3, seed=11)
    second = solve(instance, "pyvrp", time_limit=0.3, seed=11)
    assert first.solution is not None and second.solution is not None
    assert first.cost == second.cost


def test_infeasible_instance_gives_no_solution() -> None:
    """An instance without a feasible solution yields no solution, not an exception."""
    windows = np.array([[0.0, 10.0], [0.0, 1.0], [0.0, 1.0]])
    distance = np.array([[0.0, 5.0, 5.0], [5.0, 0.0, 1.0], [5.0, 1.0, 0.0]])
    instance = RoutingInstance(name="late", distance=distance, time_windows=windows)
    result = solve(instance, "pyvrp", time_limit=0.2)
    assert result.status is Status.NO_SOLUTION


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
    assert instance.variant == "ATSP"
    result = check_solved(instance, "pyvrp")
    assert result.solution is not None and len(result.solution.routes) == 1


def test_open_route_profile_has_free_returns() -> None:
    """Open vehicle types use a profile whose arcs into depots are free."""
    instance = make_instance(seed=1, depots=2, open_route=True, heterogeneous=True)
    problem, _ = build_problem(instance)
    assert problem.num_profiles == 2
    assert [vt.profile for vt in problem.vehicle_types()] == [1, 1, 0]
    assert not problem.distance_matrix(1)[:, [0, 1]].any()
    assert problem.distance_matrix(0)[2:, [0, 1]].all()
