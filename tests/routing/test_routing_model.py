"""Tests for the routing instance, its variant names and the evaluator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vrpsolve.routing.model import (
    ATTRIBUTES,
    BackhaulMode,
    CostConvention,
    RoutingInstance,
    Solution,
    VehicleType,
    evaluate,
)


def line_instance(**kwargs: object) -> RoutingInstance:
    """Depot 0 and customers 1..4 on a line at x = 0, 1, 2, 3, 4."""
    x = np.arange(5, dtype=float)
    distance = np.abs(x[:, None] - x[None, :])
    defaults: dict[str, object] = {
        "delivery": [0, 1, 1, 1, 1],
        "vehicle_types": (VehicleType(capacity=4),),
    }
    defaults.update(kwargs)
    return RoutingInstance("line", distance, **defaults)  # type: ignore[arg-type]


def kinds(instance: RoutingInstance, routes: list[list[int]], vehicle_type: int = 0) -> list[str]:
    return [
        v.kind for v in evaluate(instance, Solution.from_lists(routes, vehicle_type)).violations
    ]


def test_cost_sums_legs_including_return():
    """A closed route pays every leg, including the way back to the depot."""
    result = evaluate(line_instance(), Solution.from_lists([[1, 2, 3, 4]]))
    assert result.feasible
    assert result.cost == 8


def test_open_route_skips_return_leg():
    """An open route ends at its last customer and does not pay the return."""
    instance = line_instance(vehicle_types=(VehicleType(capacity=4, open_route=True),))
    assert evaluate(instance, Solution.from_lists([[1, 2, 3, 4]])).cost == 4
    assert instance.variant == "OVRP"


def test_missing_duplicate_and_unknown_nodes_are_named():
    """Missing, repeated and non-existent nodes each produce their own violation."""
    found = kinds(line_instance(), [[1, 2, 2], [9]])
    assert sorted(found) == [
        "duplicate_customer",
        "missing_customer",
        "missing_customer",
        "unknown_node",
    ]


def test_depot_inside_route_is_a_violation():
    """Visiting the depot as a customer is reported."""
    assert "depot_visit" in kinds(line_instance(), [[1, 0, 2, 3, 4]])


def test_capacity_violation():
    """A route whose deliveries exceed the capacity is infeasible."""
    instance = line_instance(vehicle_types=(VehicleType(capacity=3),))
    assert kinds(instance, [[1, 2, 3, 4]]) == ["capacity"]


def test_classic_backhaul_order():
    """Under classic backhaul a linehaul customer after a backhaul customer is a violation."""
    instance = line_instance(
        delivery=[0, 1, 1, 0, 0], pickup=[0, 0, 0, 1, 1], backhaul_mode=BackhaulMode.CLASSIC
    )
    assert kinds(instance, [[1, 2, 3, 4]]) == []
    assert kinds(instance, [[1, 3, 2, 4]]) == ["backhaul_order"]
    assert instance.variant == "VRPB"


def test_mixed_backhaul_load_must_fit_everywhere():
    """Under mixed backhaul the load after early pickups may exceed the capacity."""
    instance = line_instance(
        delivery=[0, 2, 2, 0, 0],
        pickup=[0, 0, 0, 2, 2],
        backhaul_mode=BackhaulMode.MIXED,
        vehicle_types=(VehicleType(capacity=4),),
    )
    assert kinds(instance, [[1, 2, 3, 4]]) == []
    assert kinds(instance, [[3, 1, 2, 4]]) == ["capacity"]
    assert instance.variant == "VRPMB"


def test_time_window_and_depot_closing():
    """Late service and a late return are reported separately."""
    windows = np.array([[0, 7], [0, 100], [0, 100], [0, 100], [0, 2]], dtype=float)
    instance = line_instance(time_windows=windows)
    assert sorted(kinds(instance, [[1, 2, 3, 4]])) == ["depot_closing", "time_window"]
    assert instance.variant == "VRPTW"


def test_duration_allows_delayed_departure():
    """The route duration excludes waiting that a later departure avoids."""
    windows = np.array([[0, 100], [10, 20], [0, 100], [0, 100], [0, 100]], dtype=float)
    instance = line_instance(time_windows=windows)
    result = evaluate(instance, Solution.from_lists([[1], [2, 3, 4]]))
    assert result.feasible
    assert result.routes[0].duration == 2  # leave at 9, serve at 10, back at 11


def test_duration_and_length_limits():
    """Exceeding a duration or length limit is reported with the route."""
    duration_limited = line_instance(vehicle_types=(VehicleType(capacity=4, max_duration=7),))
    length_limited = line_instance(vehicle_types=(VehicleType(capacity=4, max_distance=7),))
    assert kinds(duration_limited, [[1, 2, 3, 4]]) == ["route_duration"]
    assert kinds(length_limited, [[1, 2, 3, 4]]) == ["route_length"]
    assert duration_limited.variant == "VRPL"


def test_fleet_size_limit():
    """Using more vehicles of a type than it has is a violation."""
    instance = line_instance(vehicle_types=(VehicleType(capacity=4, num_available=1),))
    assert kinds(instance, [[1, 2], [3, 4]]) == ["fleet_size"]


def test_unknown_vehicle_type():
    """A route on a vehicle type the instance does not have is rejected."""
    assert "unknown_vehicle_type" in kinds(line_instance(), [[1, 2, 3, 4]], vehicle_type=3)


def test_multi_depot_routes_use_their_depot():
    """Each vehicle type starts and ends at its own depot."""
    x = np.array([0.0, 10.0, 1.0, 9.0])
    distance = np.abs(x[:, None] - x[None, :])
    instance = RoutingInstance(
        "md",
        distance,
        depots=(0, 1),
        delivery=[0, 0, 1, 1],
        vehicle_types=(
            VehicleType(capacity=1, start_depot=0, end_depot=0),
            VehicleType(capacity=1, start_depot=1, end_depot=1),
        ),
    )
    solution = Solution.from_lists([[2]], 0)
    solution = Solution(solution.routes + Solution.from_lists([[3]], 1).routes)
    result = evaluate(instance, solution)
    assert result.feasible and result.cost == 4
    assert instance.variant == "MDCVRP"


def test_trunc1_costs_are_exact_on_the_decimal_grid():
    """One-decimal costs sum without floating-point residue."""
    distance = np.array([[0, 0.1, 0.2], [0.1, 0, 0.1], [0.2, 0.1, 0]])
    instance = RoutingInstance("d", distance, cost_convention=CostConvention.TRUNC1)
    assert evaluate(instance, Solution.from_lists([[1], [2]])).cost == 0.6


def test_asymmetric_and_tsp_variants():
    """Variant names follow from the active attributes."""
    distance = np.array([[0, 1, 2], [3, 0, 1], [1, 2, 0]], dtype=float)
    tsp = RoutingInstance("a", distance, vehicle_types=(VehicleType(num_available=1),))
    assert tsp.variant == "ATSP"
    assert evaluate(tsp, Solution.from_lists([[1, 2]])).cost == 3
    assert evaluate(tsp, Solution.from_lists([[2, 1]])).cost == 7
    cvrp = RoutingInstance(
        "b", distance, delivery=[0, 1, 1], vehicle_types=(VehicleType(capacity=2),)
    )
    assert cvrp.variant == "ACVRP"


def test_infeasible_penalised_cost_is_infinite():
    """An infeasible evaluation reports an infinite penalised cost."""
    instance = line_instance(vehicle_types=(VehicleType(capacity=1),))
    result = evaluate(instance, Solution.from_lists([[1, 2, 3, 4]]))
    assert not result.feasible
    assert math.isinf(result.penalised_cost)


def test_bad_shapes_are_rejected():
    """Arrays of the wrong length and unknown depots raise ValueError."""
    with pytest.raises(ValueError, match="delivery"):
        line_instance(delivery=[0, 1])
    with pytest.raises(ValueError, match="depot"):
        line_instance(vehicle_types=(VehicleType(start_depot=3),))


def test_pickups_need_a_backhaul_mode():
    """Pickup demand without a backhaul mode is rejected rather than silently modelled."""
    with pytest.raises(ValueError, match="backhaul_mode"):
        line_instance(pickup=[0, 0, 0, 1, 1])


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (
            {"vehicle_types": (VehicleType(capacity=4, open_route=True),), "depots": (0, 1)},
            "MDOVRP",
        ),
        ({"time_windows": np.array([[0, 99]] * 5), "depots": (0, 1)}, "MDVRPTW"),
        (
            {
                "delivery": [0, 1, 1, 0, 0],
                "pickup": [0, 0, 0, 1, 1],
                "backhaul_mode": "mixed",
                "vehicle_types": (VehicleType(capacity=4, open_route=True, max_distance=99),),
            },
            "OVRPMBL",
        ),
        ({"vehicle_types": (VehicleType(capacity=4), VehicleType(capacity=9))}, "HFCVRP"),
    ],
)
def test_variant_names(kwargs, name):
    """Variant names combine prefixes and suffixes in RouteFinder's order."""
    assert line_instance(**kwargs).variant == name


def test_attribute_names_are_declared():
    """Every attribute an instance can report is listed in ATTRIBUTES."""
    instance = line_instance(
        delivery=[0, 1, 1, 0, 0],
        pickup=[0, 0, 0, 1, 1],
        backhaul_mode="classic",
        time_windows=np.array([[0, 99]] * 5),
        depots=(0, 1),
        vehicle_types=(
            VehicleType(
                capacity=4,
                num_available=2,
                open_route=True,
                max_duration=50,
                max_distance=50,
                fixed_cost=1,
            ),
            VehicleType(capacity=5),
        ),
    )
    assert instance.active_attributes() <= ATTRIBUTES
    assert len(instance.active_attributes()) == len(ATTRIBUTES) - 2  # all but mixed, asymmetric


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"delivery": [0, 1, math.nan, 1, 1]}, r"delivery\[2\] must be finite, got nan"),
        ({"coords": [[0, 0]] * 4 + [[-math.inf, 0]]}, r"coords\[4, 0\] must be finite"),
        (
            {"time_windows": [[0, 10]] * 4 + [[math.inf, math.inf]]},
            r"earliest service start\[4\] must be finite, got inf",
        ),
        (
            {"vehicle_types": (VehicleType(capacity=math.nan),)},
            r"vehicle_types\[0\]\.capacity must be a number or \+inf, got nan",
        ),
        (
            {"vehicle_types": (VehicleType(fixed_cost=math.inf),)},
            r"vehicle_types\[0\]\.fixed_cost must be finite",
        ),
        (
            {"vehicle_types": (VehicleType(num_available=10**9),)},
            r"num_available must be None or an integer in 1\.\.10000",
        ),
    ],
)
def test_instance_refuses_numbers_that_are_not_finite(fields, problem):
    """Instances built in Python get the readers' rules: finite numbers, a bounded fleet."""
    with pytest.raises(ValueError, match=problem):
        line_instance(**fields)


def test_unlimited_fields_may_be_infinite():
    """A window's end, a capacity and route limits may be +inf (no limit)."""
    vt = VehicleType(capacity=math.inf, max_duration=math.inf, max_distance=math.inf)
    instance = line_instance(
        time_windows=[[0, math.inf]] * 5, vehicle_types=(vt,), delivery=np.zeros(5)
    )
    assert instance.time_windows is not None and math.isinf(instance.time_windows[0, 1])
