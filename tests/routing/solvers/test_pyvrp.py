"""The PyVRP adapter on small seeded instances of every variant it models."""

from __future__ import annotations

import math

from adapter_cases import (
    check_solved,
    make_instance,
)

from vrpsolve.routing.model import ATTRIBUTES, RoutingInstance, VehicleType
from vrpsolve.routing.solvers.pyvrp import PyVRPSolver, build_problem
from vrpsolve.solve import solve


def test_supports_every_attribute() -> None:
    """PyVRP declares every attribute an instance can have."""
    assert PyVRPSolver.supported_attributes == ATTRIBUTES


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


def test_open_route_profile_has_free_returns() -> None:
    """Open vehicle types use a profile whose arcs into depots are free."""
    instance = make_instance(seed=1, depots=2, open_route=True, heterogeneous=True)
    problem, _ = build_problem(instance)
    assert problem.num_profiles == 2
    assert [vt.profile for vt in problem.vehicle_types()] == [1, 1, 0]
    assert not problem.distance_matrix(1)[:, [0, 1]].any()
    assert problem.distance_matrix(0)[2:, [0, 1]].all()
