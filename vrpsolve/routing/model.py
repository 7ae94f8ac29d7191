"""The unified routing instance, its solution type, and the one evaluator.

Every vehicle-routing variant vrpsolve handles (TSP, ATSP, CVRP, open routes, classic and mixed
backhaul, route duration and length limits, time windows, several depots, heterogeneous fleets) is a
:class:`RoutingInstance` with some attributes active. Solvers return a :class:`Solution`; only
:func:`evaluate` decides whether it is feasible and what it costs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from vrpsolve.core.files import check_finite

FloatArray = NDArray[np.float64]

MAX_NODES = 10_000
"""The most nodes a routing instance file may have, and the most vehicles it may declare
(``VEHICLES``, one type's ``num_available``): its matrices are dense, 0.8 GB each at the
maximum, and no route needs more vehicles than there are nodes. The largest bundled instance
(X-n1001-k43) has 1001 nodes."""


ATTRIBUTES: frozenset[str] = frozenset(
    {
        "asymmetric",
        "capacity",
        "open_routes",
        "backhaul_classic",
        "backhaul_mixed",
        "max_duration",
        "max_distance",
        "time_windows",
        "multiple_depots",
        "fleet_limit",
        "heterogeneous_fleet",
        "fixed_costs",
    }
)
"""Every attribute name :meth:`RoutingInstance.active_attributes` can report."""


class BackhaulMode(StrEnum):
    """How pickups (backhaul demand) may be sequenced on a route."""

    NONE = "none"
    """No backhaul customers."""
    CLASSIC = "classic"
    """All deliveries (linehauls) on a route come before any pickup (backhaul)."""
    MIXED = "mixed"
    """Deliveries and pickups in any order; the load must fit at every point."""


class CostConvention(StrEnum):
    """How a benchmark turns geometry into the numbers its objective sums.

    The readers apply the convention when they build the matrices, so the evaluator only sums matrix
    entries; the convention also says on which grid those entries are exact (see :attr:`scale`).
    """

    NINT = "nint"
    """TSPLIB/CVRPLIB ``EUC_2D``: Euclidean distance rounded to the nearest integer per edge."""
    ATT = "att"
    """TSPLIB ``ATT`` pseudo-Euclidean distance (integer)."""
    TRUNC1 = "trunc1"
    """Solomon under the CVRPLIB convention: Euclidean distance truncated to one decimal."""
    EXPLICIT = "explicit"
    """An explicit integer matrix given by the file (ATSP, ORTEC, EXPLICIT TSPLIB)."""
    FLOAT = "float"
    """Real-valued data with no rounding (generated or native JSON instances)."""

    @property
    def scale(self) -> int | None:
        """Factor that makes every matrix entry an exact integer, or ``None`` when there is none."""
        return {"nint": 1, "att": 1, "explicit": 1, "trunc1": 10, "float": None}[self.value]


@dataclass(frozen=True)
class VehicleType:
    """A group of identical vehicles.

    Parameters
    ----------
    capacity
        Load limit; ``math.inf`` for an uncapacitated vehicle (TSP).
    num_available
        Fleet size of this type; ``None`` for an unlimited fleet.
    start_depot, end_depot
        Node indices of the depots where routes start and end.
    open_route
        If true the route ends at its last customer: the return leg is neither driven nor paid.
    max_duration
        Limit on a route's duration (travel, waiting and service, from departure to return or, for
        an open route, to the end of the last service); ``math.inf`` for none.
    max_distance
        Limit on a route's length in distance units (the paid legs); ``math.inf`` for none.
    fixed_cost
        Cost paid once per used vehicle of this type.
    """

    capacity: float = math.inf
    num_available: int | None = None
    start_depot: int = 0
    end_depot: int = 0
    open_route: bool = False
    max_duration: float = math.inf
    max_distance: float = math.inf
    fixed_cost: float = 0.0


def _frozen(values: object) -> FloatArray:
    array = np.array(values, dtype=np.float64)
    array.setflags(write=False)
    return array


def _absent() -> FloatArray:
    """Default for an optional per-node array: empty, filled in by ``__post_init__``."""
    return np.empty(0)


@dataclass(frozen=True, eq=False)
class RoutingInstance:
    """One routing problem: nodes, matrices, demands, time windows and a fleet.

    Node indices run over ``0..n-1``; depots are the nodes listed in ``depots`` and every other
    node is a customer that must be visited exactly once. Arrays are copied and made read-only.

    Every number must be finite, except the limits that may be absent: a vehicle's capacity,
    maximum duration and maximum distance, and a time window's end may be ``math.inf``.

    Parameters
    ----------
    name
        Instance name (usually the file stem).
    distance
        ``n x n`` matrix summed by the objective; may be asymmetric.
    duration
        ``n x n`` travel-time matrix used for time windows and duration limits; defaults to
        ``distance``.
    coords
        Optional ``n x 2`` coordinates, for plots and learned features only.
    depots
        Depot node indices.
    delivery, pickup
        Linehaul and backhaul demand per node (zero at depots).
    backhaul_mode
        How pickups are sequenced; see :class:`BackhaulMode`.
    time_windows
        Optional ``n x 2`` earliest and latest service start. A depot's window is when vehicles may
        leave it and by when they must be back (its closing time).
    service_times
        Optional service duration per node.
    vehicle_types
        The fleet; at least one type.
    cost_convention
        How the benchmark rounds; see :class:`CostConvention`.
    """

    name: str
    distance: FloatArray
    duration: FloatArray = field(default_factory=_absent)
    coords: FloatArray | None = None
    depots: tuple[int, ...] = (0,)
    delivery: FloatArray = field(default_factory=_absent)
    pickup: FloatArray = field(default_factory=_absent)
    backhaul_mode: BackhaulMode = BackhaulMode.NONE
    time_windows: FloatArray | None = None
    service_times: FloatArray = field(default_factory=_absent)
    vehicle_types: tuple[VehicleType, ...] = (VehicleType(),)
    cost_convention: CostConvention = CostConvention.FLOAT
    customer_mask: NDArray[np.bool_] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        distance = _frozen(self.distance)
        n = distance.shape[0]
        if distance.ndim != 2 or distance.shape != (n, n) or n < 1:
            raise ValueError(f"distance must be a square matrix, got shape {distance.shape}")
        set_ = object.__setattr__
        set_(self, "distance", distance)
        set_(self, "duration", _frozen(self.duration if self.duration.size else distance))
        set_(self, "depots", tuple(int(d) for d in self.depots))
        set_(self, "backhaul_mode", BackhaulMode(self.backhaul_mode))
        set_(self, "cost_convention", CostConvention(self.cost_convention))
        set_(self, "vehicle_types", tuple(self.vehicle_types))
        for name in ("delivery", "pickup", "service_times"):
            value = getattr(self, name)
            set_(self, name, _frozen(value if np.size(value) else np.zeros(n)))
        if self.coords is not None:
            set_(self, "coords", _frozen(self.coords))
        if self.time_windows is not None:
            set_(self, "time_windows", _frozen(self.time_windows))
        self._check_shapes()
        mask = np.ones(n, dtype=bool)
        mask[list(self.depots)] = False
        mask.setflags(write=False)
        set_(self, "customer_mask", mask)

    def _check_shapes(self) -> None:
        n = self.num_nodes
        if self.duration.shape != (n, n):
            raise ValueError(f"duration has shape {self.duration.shape}, expected {(n, n)}")
        for name in ("delivery", "pickup", "service_times"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {(n,)}")
        if self.coords is not None and self.coords.shape != (n, 2):
            raise ValueError(f"coords has shape {self.coords.shape}, expected {(n, 2)}")
        if self.time_windows is not None and self.time_windows.shape != (n, 2):
            raise ValueError(f"time_windows has shape {self.time_windows.shape}, expected {(n, 2)}")
        if not self.depots or any(not 0 <= d < n for d in self.depots):
            raise ValueError(f"depots {self.depots} must be node indices in 0..{n - 1}")
        if self.backhaul_mode is BackhaulMode.NONE and (self.pickup > 0).any():
            raise ValueError("pickup demand needs backhaul_mode 'classic' or 'mixed'")
        if not self.vehicle_types:
            raise ValueError("an instance needs at least one vehicle type")
        for k, vt in enumerate(self.vehicle_types):
            for end in (vt.start_depot, vt.end_depot):
                if end not in self.depots:
                    raise ValueError(f"vehicle type {k} uses depot {end}, which is not a depot")
            count = vt.num_available
            if count is not None and not (
                isinstance(count, int | np.integer) and 1 <= count <= MAX_NODES
            ):
                raise ValueError(
                    f"vehicle_types[{k}].num_available must be None or an integer in "
                    f"1..{MAX_NODES}, got {count!r}"
                )
        self._check_finite()

    def _check_finite(self) -> None:
        for name in ("distance", "duration", "coords", "delivery", "pickup", "service_times"):
            if getattr(self, name) is not None:
                check_finite(getattr(self, name), name)
        if self.time_windows is not None:
            check_finite(self.time_windows[:, 0], "earliest service start")
            check_finite(self.time_windows[:, 1], "latest service start", unlimited=True)
        for k, vt in enumerate(self.vehicle_types):
            check_finite(vt.fixed_cost, f"vehicle_types[{k}].fixed_cost")
            for limit in ("capacity", "max_duration", "max_distance"):
                check_finite(getattr(vt, limit), f"vehicle_types[{k}].{limit}", unlimited=True)

    # -- sizes and node sets -------------------------------------------------------------------
    @property
    def num_nodes(self) -> int:
        """Number of nodes, depots included."""
        return int(self.distance.shape[0])

    @property
    def customers(self) -> NDArray[np.int64]:
        """Indices of the customer nodes, ascending."""
        return np.flatnonzero(self.customer_mask)

    @property
    def num_customers(self) -> int:
        """Number of customers (nodes that are not depots)."""
        return int(self.customer_mask.sum())

    # -- active attributes ---------------------------------------------------------------------
    @property
    def is_asymmetric(self) -> bool:
        """Whether the distance or duration matrix differs from its transpose."""
        return not (
            np.array_equal(self.distance, self.distance.T)
            and np.array_equal(self.duration, self.duration.T)
        )

    @property
    def has_capacity(self) -> bool:
        """Whether any vehicle type has a finite capacity."""
        return any(math.isfinite(vt.capacity) for vt in self.vehicle_types)

    @property
    def has_open_routes(self) -> bool:
        """Whether some vehicle type drives open routes."""
        return any(vt.open_route for vt in self.vehicle_types)

    @property
    def has_backhaul(self) -> bool:
        """Whether some customer has pickup demand."""
        return bool((self.pickup > 0).any())

    @property
    def has_duration_limit(self) -> bool:
        """Whether some vehicle type limits route duration or length."""
        return any(
            math.isfinite(vt.max_duration) or math.isfinite(vt.max_distance)
            for vt in self.vehicle_types
        )

    @property
    def has_time_windows(self) -> bool:
        """Whether the instance carries time windows."""
        return self.time_windows is not None

    @property
    def has_multiple_depots(self) -> bool:
        """Whether there is more than one depot."""
        return len(self.depots) > 1

    @property
    def has_fleet_limit(self) -> bool:
        """Whether some vehicle type has a finite count."""
        return any(vt.num_available is not None for vt in self.vehicle_types)

    @property
    def is_heterogeneous(self) -> bool:
        """Whether vehicle types differ in more than their depots."""
        shapes = {
            (vt.capacity, vt.open_route, vt.max_duration, vt.max_distance, vt.fixed_cost)
            for vt in self.vehicle_types
        }
        return len(shapes) > 1

    @property
    def is_tsp(self) -> bool:
        """A single uncapacitated vehicle with no other attribute: a (A)TSP."""
        return (
            len(self.vehicle_types) == 1
            and self.vehicle_types[0].num_available == 1
            and not self.has_capacity
            and not self.has_open_routes
            and not self.has_backhaul
            and not self.has_duration_limit
            and not self.has_time_windows
            and not self.has_multiple_depots
        )

    @property
    def variant(self) -> str:
        """Variant name derived from the active attributes (RouteFinder naming).

        ``[A][MD][HF][O]VRP[B|MB][L][TW]``, where a closed-route core reads ``CVRP`` when it has
        no suffix or the instance is asymmetric (``CVRP``, ``VRPTW``, ``OVRP``, ``ACVRP``,
        ``ACVRPTW``, ``MDCVRP``, ``MDVRPTW``); a single uncapacitated vehicle gives ``TSP`` or
        ``ATSP``. ``A`` marks asymmetric matrices and ``HF`` a heterogeneous fleet.
        """
        prefix = "A" if self.is_asymmetric else ""
        if self.is_tsp:
            return prefix + "TSP"
        core = "VRP"
        if self.has_backhaul:
            core += "MB" if self.backhaul_mode is BackhaulMode.MIXED else "B"
        if self.has_duration_limit:
            core += "L"
        if self.has_time_windows:
            core += "TW"
        if self.has_open_routes:
            core = "O" + core
        elif core == "VRP" or prefix:
            core = "C" + core
        if self.has_multiple_depots:
            prefix += "MD"
        if self.is_heterogeneous:
            prefix += "HF"
        return prefix + core

    def active_attributes(self) -> frozenset[str]:
        """Names of the active attributes, as used by solver capability checks."""
        flags = {
            "asymmetric": self.is_asymmetric,
            "capacity": self.has_capacity,
            "open_routes": self.has_open_routes,
            "backhaul_classic": self.has_backhaul and self.backhaul_mode is BackhaulMode.CLASSIC,
            "backhaul_mixed": self.has_backhaul and self.backhaul_mode is BackhaulMode.MIXED,
            "max_duration": any(math.isfinite(vt.max_duration) for vt in self.vehicle_types),
            "max_distance": any(math.isfinite(vt.max_distance) for vt in self.vehicle_types),
            "time_windows": self.has_time_windows,
            "multiple_depots": self.has_multiple_depots,
            "fleet_limit": self.has_fleet_limit,
            "heterogeneous_fleet": self.is_heterogeneous,
            "fixed_costs": any(vt.fixed_cost != 0 for vt in self.vehicle_types),
        }
        return frozenset(name for name, on in flags.items() if on)

    def fleet_size(self, vehicle_type: int) -> int:
        """Number of vehicles of a type, with an unlimited fleet counted as one per customer."""
        count = self.vehicle_types[vehicle_type].num_available
        return max(1, self.num_customers) if count is None else count


@dataclass(frozen=True)
class Route:
    """The customers one vehicle visits, in order, excluding its start and end depots."""

    visits: tuple[int, ...]
    vehicle_type: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "visits", tuple(int(v) for v in self.visits))
        object.__setattr__(self, "vehicle_type", int(self.vehicle_type))


@dataclass(frozen=True)
class Solution:
    """A set of routes, one per used vehicle."""

    routes: tuple[Route, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "routes", tuple(r for r in self.routes if r.visits))

    @classmethod
    def from_lists(cls, routes: Iterable[Sequence[int]], vehicle_type: int = 0) -> Solution:
        """Build a solution from plain lists of customer indices, all of one vehicle type."""
        return cls(tuple(Route(tuple(r), vehicle_type) for r in routes))

    def to_lists(self) -> list[list[int]]:
        """The routes as plain lists of node indices."""
        return [list(r.visits) for r in self.routes]


@dataclass(frozen=True)
class Violation:
    """One way in which a solution breaks the instance's rules."""

    kind: str
    """One of ``missing_customer``, ``duplicate_customer``, ``unknown_node``, ``depot_visit``,
    ``unknown_vehicle_type``, ``capacity``, ``backhaul_order``, ``time_window``,
    ``route_duration``, ``route_length``, ``fleet_size``, ``depot_closing``."""
    message: str
    """What is wrong, for people; routes are numbered from 1 as in ``.sol`` files
    (``route #1``)."""
    route: int | None = None
    """The route's index in :attr:`Solution.routes` (from 0), where one route is at fault."""
    node: int | None = None


@dataclass(frozen=True)
class RouteStats:
    """What the evaluator measured on one route."""

    distance: float
    duration: float
    max_load: float


@dataclass(frozen=True)
class Evaluation:
    """The evaluator's verdict: feasibility, every violation, and the objective."""

    cost: float
    """Objective under the instance's convention (distance plus fixed costs of used vehicles)."""
    violations: tuple[Violation, ...]
    routes: tuple[RouteStats, ...]

    @property
    def feasible(self) -> bool:
        """True when there is no violation."""
        return not self.violations

    @property
    def objective(self) -> float:
        """The objective (to minimise): :attr:`cost`. Every family's evaluation has one."""
        return self.cost

    @property
    def penalised_cost(self) -> float:
        """The cost when feasible, ``math.inf`` otherwise (PyVRP's ``Result.cost`` convention)."""
        return self.cost if self.feasible else math.inf


_TOLERANCE = 1e-6


def _exact_sum(values: Iterable[float], scale: int | None) -> float:
    """Sum matrix entries exactly on the convention's integer grid, or as floats without one."""
    if scale is None:
        return math.fsum(values)
    return sum(round(v * scale) for v in values) / scale


def _route_legs(instance: RoutingInstance, route: Route) -> list[tuple[int, int]]:
    vt = instance.vehicle_types[route.vehicle_type]
    path = [vt.start_depot, *route.visits]
    if not vt.open_route:
        path.append(vt.end_depot)
    return list(itertools.pairwise(path))


def _check_load(
    instance: RoutingInstance, index: int, route: Route, capacity: float
) -> tuple[float, list[Violation]]:
    """Peak load along a route, and capacity and backhaul-order violations.

    The vehicle leaves with every delivery of the route on board, drops deliveries and collects
    pickups as it goes; the load must fit at every point. Under classic backhaul every delivery
    customer must come before every pickup customer.
    """
    delivery = instance.delivery[list(route.visits)]
    pickup = instance.pickup[list(route.visits)]
    load = float(delivery.sum())
    peak = load
    for d, p in zip(delivery, pickup, strict=True):
        load += p - d
        peak = max(peak, load)
    violations = []
    if peak > capacity + _TOLERANCE:
        violations.append(
            Violation(
                "capacity",
                f"route #{index + 1}: load {peak:g} exceeds capacity {capacity:g}",
                route=index,
            )
        )
    if instance.backhaul_mode is BackhaulMode.CLASSIC:
        seen_pickup = None
        for node, d, p in zip(route.visits, delivery, pickup, strict=True):
            if p > 0 and seen_pickup is None:
                seen_pickup = node
            elif d > 0 and seen_pickup is not None:
                violations.append(
                    Violation(
                        "backhaul_order",
                        f"route #{index + 1}: linehaul customer {node} after backhaul customer "
                        f"{seen_pickup}",
                        route=index,
                        node=node,
                    )
                )
    return peak, violations


def _check_schedule(
    instance: RoutingInstance, index: int, route: Route
) -> tuple[float, list[Violation]]:
    """Minimal route duration and the time-window and depot-closing violations.

    The vehicle leaves the start depot at its opening time, waits when early, and may delay its
    departure as long as that only removes waiting and keeps every window; the duration is the
    smallest over such departures.
    """
    vt = instance.vehicle_types[route.vehicle_type]
    duration = instance.duration
    windows = instance.time_windows
    service = instance.service_times
    start = vt.start_depot

    def window(node: int) -> tuple[float, float]:
        if windows is None:
            return 0.0, math.inf
        return float(windows[node, 0]), float(windows[node, 1])

    violations: list[Violation] = []
    depart = window(start)[0]
    time = depart + float(service[start])
    waited = 0.0
    max_delay = window(start)[1] - depart  # the vehicle may not leave after the depot closes
    previous = start
    for node in route.visits:
        arrival = time + float(duration[previous, node])
        early, late = window(node)
        begin = max(arrival, early)
        waited += begin - arrival
        if begin > late + _TOLERANCE:
            violations.append(
                Violation(
                    "time_window",
                    f"route #{index + 1}: service at customer {node} starts at {begin:g}, "
                    f"after its window closes at {late:g}",
                    route=index,
                    node=node,
                )
            )
        max_delay = min(max_delay, waited + late - begin)
        time = begin + float(service[node])
        previous = node
    if not vt.open_route:
        end = vt.end_depot
        time += float(duration[previous, end])
        closing = window(end)[1]
        if time > closing + _TOLERANCE:
            violations.append(
                Violation(
                    "depot_closing",
                    f"route #{index + 1}: returns to depot {end} at {time:g}, after it closes at "
                    f"{closing:g}",
                    route=index,
                    node=end,
                )
            )
        max_delay = min(max_delay, waited + closing - time)
    delay = max(0.0, min(waited, max_delay))
    return time - depart - delay, violations


def evaluate(instance: RoutingInstance, solution: Solution) -> Evaluation:
    """Check a solution against an instance and compute its objective.

    Every rule is checked and every violation is reported, each naming its route and node: missing
    or duplicate customers, unknown nodes, depots inside a route, unknown vehicle types, capacity,
    backhaul order, time windows, depot closing times, route duration and length limits, and fleet
    size. The cost is the sum of the paid legs (start depot to each customer in turn, then back to
    the end depot unless the route is open) plus fixed vehicle costs, summed exactly on the
    convention's integer grid.

    Parameters
    ----------
    instance
        The routing instance.
    solution
        Routes to judge; their node indices refer to the instance's nodes.

    Returns
    -------
    Evaluation
        Cost, violations, and per-route statistics.
    """
    n = instance.num_nodes
    scale = instance.cost_convention.scale
    violations: list[Violation] = []
    visits_count = np.zeros(n, dtype=np.int64)
    used = [0] * len(instance.vehicle_types)
    stats: list[RouteStats] = []
    total_cost: list[float] = []
    fixed = 0.0

    for index, route in enumerate(solution.routes):
        if not 0 <= route.vehicle_type < len(instance.vehicle_types):
            violations.append(
                Violation(
                    "unknown_vehicle_type",
                    f"route #{index + 1}: vehicle type {route.vehicle_type} does not exist",
                    route=index,
                )
            )
            continue
        bad = [v for v in route.visits if not 0 <= v < n]
        for node in bad:
            violations.append(
                Violation(
                    "unknown_node",
                    f"route #{index + 1}: node {node} does not exist "
                    f"(the instance has nodes 0..{n - 1})",
                    route=index,
                    node=node,
                )
            )
        if bad:
            continue
        for node in route.visits:
            if instance.customer_mask[node]:
                visits_count[node] += 1
            else:
                violations.append(
                    Violation(
                        "depot_visit",
                        f"route #{index + 1}: depot {node} visited as a customer",
                        route=index,
                        node=node,
                    )
                )
        vt = instance.vehicle_types[route.vehicle_type]
        used[route.vehicle_type] += 1
        fixed += vt.fixed_cost
        legs = _route_legs(instance, route)
        leg_costs = [float(instance.distance[i, j]) for i, j in legs]
        length = _exact_sum(leg_costs, scale)
        total_cost.extend(leg_costs)
        peak, load_violations = _check_load(instance, index, route, vt.capacity)
        duration, schedule_violations = _check_schedule(instance, index, route)
        violations += load_violations + schedule_violations
        if length > vt.max_distance + _TOLERANCE:
            violations.append(
                Violation(
                    "route_length",
                    f"route #{index + 1}: length {length:g} exceeds the limit {vt.max_distance:g}",
                    route=index,
                )
            )
        if duration > vt.max_duration + _TOLERANCE:
            violations.append(
                Violation(
                    "route_duration",
                    f"route #{index + 1}: duration {duration:g} exceeds the limit "
                    f"{vt.max_duration:g}",
                    route=index,
                )
            )
        stats.append(RouteStats(distance=length, duration=duration, max_load=peak))

    for node in instance.customers:
        if visits_count[node] == 0:
            violations.append(
                Violation("missing_customer", f"customer {node} is not visited", node=int(node))
            )
        elif visits_count[node] > 1:
            violations.append(
                Violation(
                    "duplicate_customer",
                    f"customer {node} is visited {visits_count[node]} times",
                    node=int(node),
                )
            )
    for k, count in enumerate(used):
        limit = instance.vehicle_types[k].num_available
        if limit is not None and count > limit:
            violations.append(
                Violation(
                    "fleet_size", f"vehicle type {k}: {count} routes but only {limit} vehicles"
                )
            )
    cost = _exact_sum(total_cost, scale) + fixed
    return Evaluation(cost=cost, violations=tuple(violations), routes=tuple(stats))


def diagnose(instance: RoutingInstance) -> tuple[str, ...]:
    """Reasons, visible in the data alone, why no solution of ``instance`` can be feasible.

    Three checks, each a proof of infeasibility when it fires: a customer whose delivery or
    pickup exceeds every vehicle type's capacity; a limited fleet whose total capacity is below
    the total delivery (or pickup) demand; a customer that no vehicle can reach before its time
    window closes, even leaving its depot at opening time. An empty tuple proves nothing.
    """
    reasons: list[str] = []
    customers = np.flatnonzero(instance.customer_mask)
    types = instance.vehicle_types
    largest = max(vt.capacity for vt in types)
    for name, demand in (("delivery", instance.delivery), ("pickup", instance.pickup)):
        over = customers[demand[customers] > largest]
        if over.size:
            reasons.append(
                f"customer {int(over[0])}: {name} {demand[over[0]]:g} exceeds every vehicle's "
                f"capacity (largest {largest:g}; {over.size} such customer(s))"
            )
        if all(vt.num_available is not None for vt in types):
            fleet = sum(vt.capacity * (vt.num_available or 0) for vt in types)
            total = float(demand[customers].sum())
            if total > fleet:
                reasons.append(
                    f"total {name} demand {total:g} exceeds the fleet's total capacity {fleet:g}"
                )
    windows = instance.time_windows
    if windows is not None and customers.size:
        starts = sorted({vt.start_depot for vt in types})
        earliest = np.min(
            [windows[d, 0] + instance.duration[d, customers] for d in starts], axis=0
        )
        late = customers[earliest > windows[customers, 1] + _TOLERANCE]
        if late.size:
            reasons.append(
                f"customer {int(late[0])} cannot be reached before its time window closes at "
                f"{windows[late[0], 1]:g} ({late.size} such customer(s))"
            )
    return tuple(reasons)
