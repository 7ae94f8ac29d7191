"""Route feasibility and cost kernel shared by the construction heuristics.

A route is a vehicle type and a customer sequence. :meth:`RouteKernel.check` decides feasibility
and cost exactly as :func:`vrpsolve.evaluate` does for that single route. The incremental checks
use *segments* (Vidal et al., 2013): a sequence of nodes summarised by a few numbers from which
the summary of a concatenation follows in constant time:

- schedule: minimal duration, time warp, and the earliest and latest start of service at the
  first node that achieve them (waiting allowed; a late start only removes waiting);
- load: total delivery and pickup and the peak load inside the segment (mixed backhaul);
- classic backhaul order: whether the segment has a delivery or a pickup customer and whether
  it is internally linehaul-first;
- length in distance units (exact integers on the cost convention's grid).

Every route is ``start depot + customers + end``; an open route ends at a virtual *sink* node
reached from anywhere at zero distance and time, with no closing time, so open and closed routes
share one formula. Inserting a customer at a position is ``prefix + customer + suffix``; merging
two routes (savings) is ``start + customers of A + customers of B + end``. The formulas use only
``+ - *`` and an injected ``max``/``min``, so the same code runs on Python floats (one check) and
on NumPy arrays (a batch of checks), and ports to numba as it is.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from vrpsolve.routing.model import BackhaulMode, RoutingInstance

TOLERANCE = 1e-6
"""Slack allowed on every limit, as in the evaluator."""

Num = Any
"""A float for one check, or a NumPy array for a batch of checks."""

MinMax = Callable[[Num, Num], Num]


class Segment(NamedTuple):
    """Summary of a node sequence, enough to concatenate it with another in constant time."""

    first: Num
    """First node (an index into the kernel's matrices)."""
    last: Num
    """Last node."""
    distance: Num
    """Length of the inner legs, in distance units (see :attr:`RouteKernel.unit`)."""
    duration: Num
    """Minimal duration: travel, waiting and service from the first service start to the end."""
    time_warp: Num
    """Total lateness that no start time avoids; zero for a feasible schedule."""
    earliest: Num
    """Earliest service start at the first node that gives :attr:`duration`."""
    latest: Num
    """Latest service start at the first node without more time warp."""
    delivery: Num
    """Total delivery demand."""
    pickup: Num
    """Total pickup demand."""
    peak: Num
    """Largest load inside the segment: remaining deliveries plus collected pickups."""
    has_delivery: Num
    """1.0 if some node has delivery demand, else 0.0."""
    has_pickup: Num
    """1.0 if some node has pickup demand, else 0.0."""
    ordered: Num
    """1.0 if no delivery node follows a pickup node, else 0.0."""


def concat(
    a: Segment,
    b: Segment,
    distance: NDArray[np.float64],
    duration: NDArray[np.float64],
    maximum: MinMax = max,
    minimum: MinMax = min,
) -> Segment:
    """The segment of ``a`` followed by ``b``.

    Parameters
    ----------
    a, b
        Segments of scalars, or of arrays that broadcast together.
    distance, duration
        The kernel's matrices (with the sink node).
    maximum, minimum
        ``max``/``min`` for scalars, ``np.maximum``/``np.minimum`` for arrays.
    """
    travel = duration[a.last, b.first]
    shift = a.duration - a.time_warp + travel
    wait = maximum(b.earliest - shift - a.latest, 0.0)
    warp = maximum(a.earliest + shift - b.latest, 0.0)
    return Segment(
        first=a.first,
        last=b.last,
        distance=a.distance + distance[a.last, b.first] + b.distance,
        duration=a.duration + b.duration + travel + wait,
        time_warp=a.time_warp + b.time_warp + warp,
        earliest=maximum(b.earliest - shift, a.earliest) - wait,
        latest=minimum(b.latest - shift, a.latest) + warp,
        delivery=a.delivery + b.delivery,
        pickup=a.pickup + b.pickup,
        peak=maximum(a.peak + b.delivery, b.peak + a.pickup),
        has_delivery=maximum(a.has_delivery, b.has_delivery),
        has_pickup=maximum(a.has_pickup, b.has_pickup),
        ordered=a.ordered * b.ordered * (1.0 - a.has_pickup * b.has_delivery),
    )


def concat_arrays(
    a: Segment, b: Segment, distance: NDArray[np.float64], duration: NDArray[np.float64]
) -> Segment:
    """:func:`concat` on segments of broadcastable arrays."""
    return concat(a, b, distance, duration, np.maximum, np.minimum)


class InsertionBatch(NamedTuple):
    """Batched insertion checks: arrays of shape ``(customers, positions)``."""

    feasible: NDArray[np.bool_]
    """Whether the route stays feasible."""
    cost: NDArray[np.float64]
    """Increase of the route's cost (its length)."""
    duration: NDArray[np.float64]
    """Increase of the route's minimal duration."""


class RouteCheck(NamedTuple):
    """The exact verdict on one route."""

    feasible: bool
    cost: float
    """Length plus the vehicle type's fixed cost."""
    distance: float
    duration: float
    peak_load: float


@dataclass(frozen=True)
class RouteData:
    """Prefix and suffix segments of a route, for batched insertion checks.

    ``prefix[k]`` is the start depot and the first ``k`` customers; ``suffix[k]`` is customers
    ``k..m-1`` and the end; both as segments of arrays of length ``m + 1``.
    """

    vehicle_type: int
    visits: tuple[int, ...]
    prefix: Segment
    suffix: Segment
    full: Segment


def _stack(segments: Sequence[Segment]) -> Segment:
    return Segment(*(np.array(values) for values in zip(*segments, strict=True)))


def take(segment: Segment, index: Any) -> Segment:
    """The segment of arrays indexed by ``index`` (a batch of segments from a batch)."""
    return Segment(*(np.asarray(values)[index] for values in segment))


class RouteKernel:
    """Route feasibility and cost for one instance: exact checks, segments and batched insertions.

    Parameters
    ----------
    instance
        The routing instance. Node ``instance.num_nodes`` is the sink that ends open routes.
    """

    def __init__(self, instance: RoutingInstance) -> None:
        self.instance = instance
        n = instance.num_nodes
        scale = instance.cost_convention.scale
        self.unit = float(scale or 1)
        """Distance units per instance unit: lengths are summed as exact integers when set."""
        self.integral = scale is not None
        """Whether lengths are exact integers in :attr:`unit`."""
        self.sink = n
        distance = np.zeros((n + 1, n + 1))
        raw = instance.distance
        distance[:n, :n] = np.round(raw * scale) if scale is not None else raw
        duration = np.zeros((n + 1, n + 1))
        duration[:n, :n] = instance.duration
        self.distance = distance
        self.duration = duration
        windows = instance.time_windows
        early = np.zeros(n + 1)
        late = np.full(n + 1, math.inf)
        if windows is not None:
            early[:n] = windows[:, 0]
            late[:n] = windows[:, 1]
        self.early, self.late = early, late
        self.service = np.append(instance.service_times, 0.0)
        self.classic = instance.backhaul_mode is BackhaulMode.CLASSIC
        delivery = np.append(instance.delivery, 0.0)
        pickup = np.append(instance.pickup, 0.0)
        self.nodes = Segment(
            first=np.arange(n + 1),
            last=np.arange(n + 1),
            distance=np.zeros(n + 1),
            duration=self.service.copy(),
            time_warp=np.zeros(n + 1),
            earliest=early.copy(),
            latest=late.copy(),
            delivery=delivery,
            pickup=pickup,
            peak=np.maximum(delivery, pickup),
            has_delivery=(delivery > 0).astype(float),
            has_pickup=(pickup > 0).astype(float),
            ordered=np.ones(n + 1),
        )
        """Every node as a one-node segment (arrays indexed by node)."""
        self._node_segments = [
            Segment(*(v.item() for v in values)) for values in zip(*self.nodes, strict=True)
        ]
        types = instance.vehicle_types
        self.ends = [self.sink if vt.open_route else vt.end_depot for vt in types]
        """End node per vehicle type: its end depot, or the sink for an open route."""
        self.starts = [vt.start_depot for vt in types]
        self.capacity = [vt.capacity for vt in types]
        self.max_duration = [vt.max_duration for vt in types]
        self.max_distance = [vt.max_distance for vt in types]
        self.fixed_cost = [vt.fixed_cost for vt in types]
        self._start_segments = [
            self.node(s)._replace(delivery=0.0, pickup=0.0, peak=0.0) for s in self.starts
        ]
        self._end_segments = [
            self.node(e)._replace(duration=0.0, earliest=-math.inf, peak=0.0) for e in self.ends
        ]

    # -- segments ------------------------------------------------------------------------------
    def node(self, node: int) -> Segment:
        """One node as a segment of floats."""
        return self._node_segments[node]

    def start(self, vehicle_type: int) -> Segment:
        """The start depot of a vehicle type: its opening window and service time, no load."""
        return self._start_segments[vehicle_type]

    def end(self, vehicle_type: int) -> Segment:
        """The end of a vehicle type's routes: its end depot (closing time only) or the sink."""
        return self._end_segments[vehicle_type]

    def join(self, a: Segment, b: Segment) -> Segment:
        """``a`` followed by ``b`` (segments of floats)."""
        return concat(a, b, self.distance, self.duration)

    def sequence(self, visits: Sequence[int]) -> Segment:
        """The segment of a non-empty customer sequence."""
        segment = self.node(visits[0])
        for customer in visits[1:]:
            segment = self.join(segment, self.node(customer))
        return segment

    def close(self, vehicle_type: int, customers: Segment) -> Segment:
        """A whole route of a type: start depot, the customers' segment, and the end."""
        return self.join(self.join(self.start(vehicle_type), customers), self.end(vehicle_type))

    def feasible(self, vehicle_type: int, route: Segment) -> Any:
        """Whether a whole-route segment (or each of a batch) meets every limit of the type."""
        ok = (
            (route.time_warp <= TOLERANCE)
            & (route.duration <= self.max_duration[vehicle_type] + TOLERANCE)
            & (route.distance / self.unit <= self.max_distance[vehicle_type] + TOLERANCE)
            & (route.peak <= self.capacity[vehicle_type] + TOLERANCE)
        )
        if self.classic:
            ok = ok & (route.ordered > 0.5)
        return ok

    def cost(self, vehicle_type: int, route: Segment) -> Any:
        """Cost of a whole-route segment (or a batch): its length plus the fixed cost."""
        return route.distance / self.unit + self.fixed_cost[vehicle_type]

    # -- routes --------------------------------------------------------------------------------
    def route_data(self, vehicle_type: int, visits: Sequence[int]) -> RouteData:
        """Prefix and suffix segments of a route, for :meth:`insertions`."""
        prefix = [self.start(vehicle_type)]
        for customer in visits:
            prefix.append(self.join(prefix[-1], self.node(customer)))
        suffix = [self.end(vehicle_type)]
        for customer in reversed(visits):
            suffix.append(self.join(self.node(customer), suffix[-1]))
        suffix.reverse()
        full = self.join(prefix[-1], suffix[-1])
        return RouteData(vehicle_type, tuple(visits), _stack(prefix), _stack(suffix), full)

    def insertions(
        self, data: RouteData, customers: NDArray[np.int64], positions: Any = None
    ) -> InsertionBatch:
        """Feasibility, cost and duration increase of inserting each customer at each position.

        Parameters
        ----------
        data
            The route, from :meth:`route_data`.
        customers
            Candidate customers, shape ``(u,)``.
        positions
            Positions (``0..m``; ``k`` puts the customer before the ``k``-th visit); all by default.

        Returns
        -------
        InsertionBatch
            Arrays of shape ``(u, p)``.
        """
        index = slice(None) if positions is None else np.asarray(positions)
        prefix = take(data.prefix, (None, index))
        suffix = take(data.suffix, (None, index))
        nodes = take(self.nodes, (np.asarray(customers)[:, None],))
        route = concat_arrays(
            concat_arrays(prefix, nodes, self.distance, self.duration),
            suffix,
            self.distance,
            self.duration,
        )
        feasible = np.asarray(self.feasible(data.vehicle_type, route), dtype=bool)
        cost = (route.distance - data.full.distance) / self.unit
        return InsertionBatch(feasible, cost, route.duration - data.full.duration)

    def check(self, vehicle_type: int, visits: Sequence[int]) -> RouteCheck:
        """Exact feasibility and cost of one route, as :func:`vrpsolve.evaluate` judges it.

        The arithmetic follows the evaluator step by step (load along the route, schedule from the
        depot's opening time with the departure delayed only to remove waiting, lengths summed on
        the convention's integer grid), so the verdict agrees exactly, not just up to rounding.
        """
        instance = self.instance
        vt = instance.vehicle_types[vehicle_type]
        distance, duration = self.distance, instance.duration
        early, late, service = self.early, self.late, self.service
        # Load, and classic backhaul order.
        load = float(instance.delivery[list(visits)].sum())
        peak = load
        ordered = True
        seen_pickup = False
        for customer in visits:
            d, p = float(instance.delivery[customer]), float(instance.pickup[customer])
            load += p - d
            peak = max(peak, load)
            if p > 0 and not seen_pickup:
                seen_pickup = True
            elif d > 0 and seen_pickup:
                ordered = False
        ok = peak <= vt.capacity + TOLERANCE and (ordered or not self.classic)
        # Schedule.
        start = vt.start_depot
        depart = float(early[start])
        time = depart + float(service[start])
        waited = 0.0
        max_delay = float(late[start]) - depart
        previous = start
        for customer in visits:
            arrival = time + float(duration[previous, customer])
            begin = max(arrival, float(early[customer]))
            waited += begin - arrival
            ok = ok and begin <= late[customer] + TOLERANCE
            max_delay = min(max_delay, waited + float(late[customer]) - begin)
            time = begin + float(service[customer])
            previous = customer
        path = [start, *visits]
        if not vt.open_route:
            time += float(duration[previous, vt.end_depot])
            closing = float(late[vt.end_depot])
            ok = ok and time <= closing + TOLERANCE
            max_delay = min(max_delay, waited + closing - time)
            path.append(vt.end_depot)
        route_duration = time - depart - max(0.0, min(waited, max_delay))
        legs = [float(distance[i, j]) for i, j in itertools.pairwise(path)]
        length = sum(legs) / self.unit if self.integral else math.fsum(legs)
        ok = ok and length <= vt.max_distance + TOLERANCE
        ok = ok and route_duration <= vt.max_duration + TOLERANCE
        return RouteCheck(bool(ok), length + vt.fixed_cost, length, route_duration, peak)
