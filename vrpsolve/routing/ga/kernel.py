"""Numba segment kernel of the genetic algorithm: the route-check concatenation as compiled code.

This is :func:`vrpsolve.routing.solvers.route_check.concat` ported to numba, on segments stored as
13-float rows (the fields of :class:`~vrpsolve.routing.solvers.route_check.Segment`, in that order)
and handled as tuples inside compiled code. The node, start and end segments come from
:class:`~vrpsolve.routing.solvers.route_check.RouteKernel`, so the feasibility rules (waiting, time
warp, delayed departure, depot closing, mixed-backhaul peak load, classic backhaul order, open
routes ending at a free sink) are those of the route kernel; only the penalised cost is new:

``length + fixed cost + w_load·load excess + w_time·(time warp + duration excess)
+ w_dist·length excess + w_order·[classic backhaul order broken]``.

An *empty* segment (first node ``-1``) is the identity of the concatenation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np
from numpy.typing import NDArray

from vrpsolve.routing.model import RoutingInstance
from vrpsolve.routing.solvers.route_check import TOLERANCE, RouteKernel, Segment

FIELDS = 13
"""Floats per stored segment."""
FIRST, LAST, DIST, DUR, WARP, EARLY, LATE, DELIV, PICK, PEAK, HAS_D, HAS_P, ORDERED = range(FIELDS)

# Type parameter columns.
CAPACITY, MAX_DURATION, MAX_DISTANCE, FIXED_COST = range(4)
# Excess columns (and penalty weights): load, time (warp and duration), length, backhaul order.
NUM_PENALTIES = 4

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class KernelData:
    """The arrays every compiled routine takes, built once per instance.

    Attributes
    ----------
    distance, duration
        ``(n+1) x (n+1)`` matrices with the sink node ``n``; distances on the cost convention's
        integer grid when it has one (divide by ``unit``).
    nodes
        ``(n+1) x 13`` one-node segments.
    starts, ends
        ``K x 13`` start-depot and end (depot or sink) segments per vehicle type.
    params
        ``K x 4``: capacity, max duration, max distance, fixed cost per type.
    unit
        Distance units per instance unit.
    classic
        Whether classic backhaul order applies.
    """

    distance: FloatArray
    duration: FloatArray
    nodes: FloatArray
    starts: FloatArray
    ends: FloatArray
    params: FloatArray
    unit: float
    classic: bool

    @classmethod
    def build(cls, instance: RoutingInstance) -> KernelData:
        """Arrays for ``instance``, from its :class:`RouteKernel`."""
        kernel = RouteKernel(instance)
        types = range(len(instance.vehicle_types))

        def rows(segments: list[Segment]) -> FloatArray:
            return np.array([[float(v) for v in s] for s in segments], dtype=np.float64)

        nodes = np.stack([np.asarray(v, dtype=np.float64) for v in kernel.nodes], axis=1)
        columns = (kernel.capacity, kernel.max_duration, kernel.max_distance, kernel.fixed_cost)
        params = np.array(columns, dtype=np.float64).T.copy()
        return cls(
            distance=np.ascontiguousarray(kernel.distance),
            duration=np.ascontiguousarray(kernel.duration),
            nodes=np.ascontiguousarray(nodes),
            starts=rows([kernel.start(k) for k in types]),
            ends=rows([kernel.end(k) for k in types]),
            params=params,
            unit=kernel.unit,
            classic=kernel.classic,
        )

    @property
    def num_types(self) -> int:
        """Number of vehicle types."""
        return int(self.params.shape[0])


@nb.njit(cache=True, inline="always")
def row(array: FloatArray, index: int) -> tuple[float, ...]:  # pragma: no cover - compiled
    """Row ``index`` of a 2-D segment array as a tuple."""
    a, i = array, index
    return (
        a[i, 0],
        a[i, 1],
        a[i, 2],
        a[i, 3],
        a[i, 4],
        a[i, 5],
        a[i, 6],
        a[i, 7],
        a[i, 8],
        a[i, 9],
        a[i, 10],
        a[i, 11],
        a[i, 12],
    )


@nb.njit(cache=True, inline="always")
def cell(array: FloatArray, i: int, j: int) -> tuple[float, ...]:  # pragma: no cover - compiled
    """Segment ``array[i, j]`` of a 3-D segment array as a tuple."""
    a = array
    return (
        a[i, j, 0],
        a[i, j, 1],
        a[i, j, 2],
        a[i, j, 3],
        a[i, j, 4],
        a[i, j, 5],
        a[i, j, 6],
        a[i, j, 7],
        a[i, j, 8],
        a[i, j, 9],
        a[i, j, 10],
        a[i, j, 11],
        a[i, j, 12],
    )


@nb.njit(cache=True, inline="always")
def store(array: FloatArray, i: int, j: int, s: tuple[float, ...]) -> None:  # pragma: no cover
    """Write segment ``s`` to ``array[i, j]``."""
    for f in range(13):
        array[i, j, f] = s[f]


@nb.njit(cache=True, inline="always")
def empty() -> tuple[float, ...]:  # pragma: no cover - compiled
    """The empty segment, identity of :func:`join`."""
    return (-1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)


@nb.njit(cache=True, inline="always")
def join(
    a: tuple[float, ...], b: tuple[float, ...], distance: FloatArray, duration: FloatArray
) -> tuple[float, ...]:  # pragma: no cover - compiled
    """Segment ``a`` followed by ``b`` (:func:`route_check.concat` in compiled form)."""
    if a[0] < 0.0:
        return b
    if b[0] < 0.0:
        return a
    i = int(a[1])
    j = int(b[0])
    travel = duration[i, j]
    shift = a[3] - a[4] + travel
    wait = max(b[5] - shift - a[6], 0.0)
    warp = max(a[5] + shift - b[6], 0.0)
    return (
        a[0],
        b[1],
        a[2] + distance[i, j] + b[2],
        a[3] + b[3] + travel + wait,
        a[4] + b[4] + warp,
        max(b[5] - shift, a[5]) - wait,
        min(b[6] - shift, a[6]) + warp,
        a[7] + b[7],
        a[8] + b[8],
        max(a[9] + b[7], b[9] + a[8]),
        max(a[10], b[10]),
        max(a[11], b[11]),
        a[12] * b[12] * (1.0 - a[11] * b[10]),
    )


@nb.njit(cache=True, inline="always")
def excess(
    route: tuple[float, ...], k: int, params: FloatArray, unit: float, classic: bool
) -> tuple[float, float, float, float]:  # pragma: no cover - compiled
    """Load, time, length and order excess of a whole-route segment of type ``k``."""
    length = route[2] / unit
    load = max(route[9] - params[k, 0], 0.0)
    time = route[4] + max(route[3] - params[k, 1], 0.0)
    over = max(length - params[k, 2], 0.0)
    order = 1.0 if classic and route[12] < 0.5 else 0.0
    return load, time, over, order


@nb.njit(cache=True, inline="always")
def route_cost(
    route: tuple[float, ...],
    k: int,
    params: FloatArray,
    unit: float,
    classic: bool,
    weights: FloatArray,
) -> float:  # pragma: no cover - compiled
    """Penalised cost of a whole-route segment of type ``k``."""
    load, time, over, order = excess(route, k, params, unit, classic)
    return (
        route[2] / unit
        + params[k, 3]
        + weights[0] * load
        + weights[1] * time
        + weights[2] * over
        + weights[3] * order
    )


@nb.njit(cache=True)
def solution_excess(
    tour: IntArray,
    bounds: IntArray,
    types: IntArray,
    distance: FloatArray,
    duration: FloatArray,
    nodes: FloatArray,
    starts: FloatArray,
    ends: FloatArray,
    params: FloatArray,
    unit: float,
    classic: bool,
) -> FloatArray:  # pragma: no cover - compiled
    """Cost (length plus fixed costs) and the four excess totals of a set of routes.

    Route ``r`` visits ``tour[bounds[r]:bounds[r + 1]]`` with vehicle type ``types[r]``.
    Excess below the tolerance counts as zero.
    """
    out = np.zeros(5)
    for r in range(types.shape[0]):
        if bounds[r + 1] == bounds[r]:
            continue
        k = types[r]
        seg = row(starts, k)
        for p in range(bounds[r], bounds[r + 1]):
            seg = join(seg, row(nodes, tour[p]), distance, duration)
        seg = join(seg, row(ends, k), distance, duration)
        out[0] += seg[2] / unit + params[k, 3]
        parts = excess(seg, k, params, unit, classic)
        for f in range(4):
            if parts[f] > TOLERANCE:
                out[1 + f] += parts[f]
    return out


def evaluate_routes(
    data: KernelData, tour: IntArray, bounds: IntArray, types: IntArray
) -> FloatArray:
    """:func:`solution_excess` on a :class:`KernelData`."""
    result: FloatArray = solution_excess(
        tour,
        bounds,
        types,
        data.distance,
        data.duration,
        data.nodes,
        data.starts,
        data.ends,
        data.params,
        data.unit,
        data.classic,
    )
    return result
