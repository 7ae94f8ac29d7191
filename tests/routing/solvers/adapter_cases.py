"""Seeded small instances and checks shared by the solver-adapter tests."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from functools import cache

import numpy as np

from vrpsolve.core.solver import Result
from vrpsolve.routing.model import (
    BackhaulMode,
    CostConvention,
    RoutingInstance,
    Solution,
    VehicleType,
    evaluate,
)
from vrpsolve.solve import solve

COMBINATIONS: dict[str, dict[str, object]] = {
    "cvrp": {},
    "open": {"open_route": True},
    "classic_backhaul": {"backhaul": "classic"},
    "mixed_backhaul": {"backhaul": "mixed"},
    "duration_limit": {"max_duration": True},
    "distance_limit": {"max_distance": True},
    "time_windows": {"time_windows": True},
    "multi_depot": {"depots": 2},
    "fleet_limit": {"fleet_limit": True},
    "asymmetric": {"asymmetric": True},
    "trunc1": {"convention": "trunc1"},
    "heterogeneous_fixed_costs": {"heterogeneous": True},
    "open_tw_classic_backhaul": {"open_route": True, "time_windows": True, "backhaul": "classic"},
    "open_duration_distance": {"open_route": True, "max_duration": True, "max_distance": True},
    "tw_multi_depot_fleet": {"time_windows": True, "depots": 2, "fleet_limit": True},
    "asymmetric_tw_duration": {"asymmetric": True, "time_windows": True, "max_duration": True},
    "trunc1_tw_mixed_backhaul": {
        "convention": "trunc1",
        "time_windows": True,
        "backhaul": "mixed",
    },
    "everything_classic": {
        "asymmetric": True,
        "open_route": True,
        "backhaul": "classic",
        "max_duration": True,
        "max_distance": True,
        "time_windows": True,
        "depots": 2,
        "fleet_limit": True,
        "heterogeneous": True,
    },
    "everything_mixed": {
        "convention": "trunc1",
        "backhaul": "mixed",
        "max_duration": True,
        "max_distance": True,
        "time_windows": True,
        "depots": 2,
        "fleet_limit": True,
        "heterogeneous": True,
    },
}
"""Attribute combinations, by test id, for :func:`make_instance`."""


def make_instance(
    seed: int = 0,
    num_customers: int = 12,
    *,
    convention: str = "float",
    asymmetric: bool = False,
    open_route: bool = False,
    backhaul: str | None = None,
    max_duration: bool = False,
    max_distance: bool = False,
    time_windows: bool = False,
    depots: int = 1,
    fleet_limit: bool = False,
    heterogeneous: bool = False,
) -> RoutingInstance:
    """A random feasible instance: every customer can be served on a route of its own."""
    rng = np.random.default_rng(seed)
    n = depots + num_customers
    coords = rng.uniform(0, 100, size=(n, 2))
    distance = np.linalg.norm(coords[:, None, :] - coords[None, :, :], axis=-1)
    if asymmetric:
        distance = distance * rng.uniform(1.0, 1.4, size=(n, n))
        np.fill_diagonal(distance, 0.0)
    if convention == "trunc1":
        distance = np.floor(10 * distance) / 10
    customers = np.arange(depots, n)
    delivery = np.zeros(n)
    pickup = np.zeros(n)
    delivery[customers] = rng.integers(1, 10, size=num_customers)
    if backhaul is not None:
        backs = rng.choice(customers, size=num_customers // 3, replace=False)
        pickup[backs] = delivery[backs]
        delivery[backs] = 0
    service = np.zeros(n)
    service[customers] = rng.integers(0, 10, size=num_customers) if time_windows else 0
    round_trip = np.array([distance[d, customers] + distance[customers, d] for d in range(depots)])
    windows = None
    horizon = 1.5 * float(round_trip.max()) + 300.0
    if time_windows:
        windows = np.zeros((n, 2))
        windows[:depots] = [0.0, horizon]
        for c in customers:
            reach = float(distance[0, c])
            back = float(distance[c, 0])
            slack = max(0.0, horizon - back - service[c] - reach)
            centre = reach + rng.uniform(0, slack)
            windows[c] = [max(0.0, centre - 30.0), min(centre + 30.0, reach + slack)]
    longest = float((round_trip + service[customers]).max())
    types = []
    for d in range(depots):
        end = (d + 1) % depots if depots > 1 and d == 1 else d
        types.append(
            VehicleType(
                capacity=30.0,
                num_available=num_customers if fleet_limit else None,
                start_depot=d,
                end_depot=end,
                open_route=open_route,
                max_duration=1.2 * longest + (300.0 if time_windows else 0.0)
                if max_duration
                else math.inf,
                max_distance=1.2 * float(round_trip.max()) if max_distance else math.inf,
            )
        )
    if heterogeneous:
        base = types[0]
        types.append(
            VehicleType(
                capacity=60.0,
                num_available=3 if fleet_limit else None,
                start_depot=base.start_depot,
                end_depot=base.end_depot,
                open_route=False,
                max_duration=base.max_duration,
                max_distance=base.max_distance,
                fixed_cost=25.0,
            )
        )
    return RoutingInstance(
        name=f"random-{seed}",
        distance=distance,
        coords=coords,
        depots=tuple(range(depots)),
        delivery=delivery,
        pickup=pickup,
        backhaul_mode=BackhaulMode(backhaul or "none"),
        time_windows=windows,
        service_times=service,
        vehicle_types=tuple(types),
        cost_convention=CostConvention(convention),
    )


def _splits(items: tuple[int, ...]) -> Iterator[list[tuple[int, ...]]]:
    """Every way to cut a sequence into consecutive non-empty pieces."""
    for cuts in itertools.product((False, True), repeat=max(0, len(items) - 1)):
        pieces, current = [], [items[0]]
        for item, cut in zip(items[1:], cuts, strict=True):
            if cut:
                pieces.append(tuple(current))
                current = []
            current.append(item)
        pieces.append(tuple(current))
        yield pieces


def all_route_sets(customers: Iterable[int]) -> Iterator[list[tuple[int, ...]]]:
    """Every set of routes (ordered visits) covering ``customers``, one vehicle type."""
    for order in itertools.permutations(tuple(customers)):
        yield from _splits(order)


def brute_force_optimum(instance: RoutingInstance) -> float:
    """The best feasible cost over every route set of vehicle type 0, by enumeration."""
    best = math.inf
    for routes in all_route_sets(int(c) for c in instance.customers):
        evaluation = evaluate(instance, Solution.from_lists(routes))
        if evaluation.feasible:
            best = min(best, evaluation.cost)
    return best


TINY_VARIANTS: dict[str, dict[str, object]] = {
    "cvrp": {"convention": "trunc1"},
    "open_tw_classic_backhaul": {"open_route": True, "time_windows": True, "backhaul": "classic"},
    "asymmetric_duration_limit": {"asymmetric": True, "max_duration": True},
}
"""Variants small enough (six customers) to solve by enumeration."""


@cache
def tiny_case(variant: str) -> tuple[RoutingInstance, float]:
    """A six-customer instance of a :data:`TINY_VARIANTS` entry and its enumerated optimum."""
    instance = make_instance(seed=7, num_customers=6, **TINY_VARIANTS[variant])  # type: ignore[arg-type]
    return instance, brute_force_optimum(instance)


def check_solved(instance: RoutingInstance, solver: str, time_limit: float = 0.5) -> Result:
    """Solve, assert the evaluator accepts the answer, and that the engine's cost agrees."""
    result = solve(instance, solver, time_limit=time_limit, seed=1)
    assert result.feasible, [v.message for v in result.violations] or result.status
    assert result.evaluation is not None
    assert result.cost == evaluate(instance, result.solution).cost  # type: ignore[arg-type]
    # Exact conventions give the engine's cost exactly; FLOAT ones round arcs up to 1/1000.
    tolerance = 1e-9 if instance.cost_convention.scale else 1e-3 * (instance.num_nodes + 1) * 2
    assert abs(result.stats["engine_cost"] - result.cost) <= tolerance
    return result


def linehaul_first(instance: RoutingInstance, route: Sequence[int]) -> bool:
    """Whether no delivery customer follows a pickup customer on ``route``."""
    seen_pickup = False
    for node in route:
        if instance.delivery[node] > 0 and seen_pickup:
            return False
        seen_pickup = seen_pickup or instance.pickup[node] > 0
    return True


PRODUCT = [
    {
        "open_route": open_route,
        "backhaul": backhaul,
        "max_duration": duration,
        "time_windows": windows,
        "depots": depots,
        "asymmetric": asymmetric,
    }
    for open_route, backhaul, duration, windows, depots, asymmetric in itertools.product(
        (False, True),
        (None, "classic", "mixed"),
        (False, True),
        (False, True),
        (1, 2),
        (False, True),
    )
]
"""Every combination of open routes, backhaul mode, duration limit, time windows, two depots and
asymmetric matrices."""


def variant_label(options: dict[str, object]) -> str:
    """A test id naming the active options of a PRODUCT entry."""
    shown = {key: value for key, value in options.items() if value and value != 1}
    return "-".join(f"{key}={value}" for key, value in shown.items()) or "cvrp"
