"""The integer views that the engine adapters share."""

from __future__ import annotations

import math

import numpy as np

from vrpsolve.routing.model import BackhaulMode, RoutingInstance, VehicleType
from vrpsolve.routing.solvers.scaling import FLOAT_SCALE, classic_backhaul_forbidden, integer_view

NO_LIMIT = 10**12


def _instance(convention: str, distance: float) -> RoutingInstance:
    matrix = np.array([[0.0, distance], [distance, 0.0]])
    return RoutingInstance(
        name="pair",
        distance=matrix,
        delivery=np.array([0.0, 1.5]),
        time_windows=np.array([[0.0, math.inf], [1.0004, 7.0006]]),
        service_times=np.array([0.0, 0.0004]),
        vehicle_types=(VehicleType(capacity=4.0, max_duration=9.9996, max_distance=math.inf),),
        cost_convention=convention,  # type: ignore[arg-type]
    )


def test_exact_convention_is_exact() -> None:
    """TRUNC1 data is scaled by 10 and its distances are exact."""
    data = integer_view(_instance("trunc1", 12.3), no_limit=NO_LIMIT)
    assert data.scale == 10 and data.exact
    assert data.distance[0, 1] == 123
    assert data.to_units(int(data.distance[0, 1])) == 12.3


def test_float_convention_rounds_conservatively() -> None:
    """Without an exact grid, times are rounded so engine-feasible stays evaluator-feasible."""
    data = integer_view(_instance("float", 12.3456), no_limit=NO_LIMIT)
    assert data.scale == FLOAT_SCALE and not data.exact
    assert data.distance[0, 1] == 12346  # rounded up
    assert data.earliest[1] == 1001 and data.latest[1] == 7000
    assert data.service[1] == 1
    assert data.max_duration == (9999,)


def test_infinities_become_no_limit() -> None:
    """Infinite windows and limits map to the engine's no-limit value."""
    data = integer_view(_instance("float", 1.0), no_limit=NO_LIMIT)
    assert data.latest[0] == NO_LIMIT
    assert data.max_distance == (NO_LIMIT,)


def test_fractional_demands_use_load_scale() -> None:
    """Fractional demands are scaled; demands round up and capacities down."""
    data = integer_view(_instance("float", 1.0), no_limit=NO_LIMIT)
    assert data.load_scale == 1000
    assert data.delivery[1] == 1500 and data.capacity == (4000,)


def test_classic_backhaul_forbidden_arcs() -> None:
    """Only arcs from a backhaul customer to a non-pure-backhaul customer are forbidden."""
    instance = RoutingInstance(
        name="b",
        distance=np.ones((4, 4)),
        delivery=np.array([0.0, 1.0, 0.0, 0.0]),
        pickup=np.array([0.0, 0.0, 1.0, 1.0]),
        backhaul_mode=BackhaulMode.CLASSIC,
    )
    forbidden = classic_backhaul_forbidden(instance)
    assert {(int(i), int(j)) for i, j in zip(*np.nonzero(forbidden), strict=True)} == {
        (2, 1),
        (3, 1),
    }
