"""Integer views of routing instances: the one place where float data becomes engine integers.

Engines such as PyVRP and OR-Tools work on integers. :func:`integer_view` multiplies every time
and distance quantity by one factor: the cost convention's exact :attr:`CostConvention.scale` when
there is one (so costs are exact), else :data:`FLOAT_SCALE`. Where the product is not an integer,
rounding is conservative, so that a solution the engine finds feasible is feasible for the
evaluator too:

- travel durations, service times, demands and earliest times are rounded up;
- latest times, capacities and route limits are rounded down;
- distances are rounded to the nearest integer under an exact scale (where they are exact), else
  rounded up, so that a route's engine length never undercuts its true length.

Infinite values (absent windows, unlimited capacity, no route limit) become the caller's
``no_limit``, the engine's "no limit" value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vrpsolve.routing.model import RoutingInstance

IntArray = NDArray[np.int64]

FLOAT_SCALE = 1000
"""Factor for time and distance data when the convention has no exact integer grid."""

LOAD_SCALE = 1000
"""Factor for demands and capacities when they are not all integers."""

_EPS = 1e-6
"""Slack (in scaled units) that keeps values sitting on the grid from rounding the wrong way."""


def _up(values: NDArray[np.float64] | float, scale: int, no_limit: int) -> IntArray:
    scaled = np.asarray(values, dtype=np.float64) * scale
    finite = np.isfinite(scaled)
    out = np.full(scaled.shape, no_limit, dtype=np.int64)
    out[finite] = np.ceil(scaled[finite] - _EPS).astype(np.int64)
    return out


def _down(values: NDArray[np.float64] | float, scale: int, no_limit: int) -> IntArray:
    scaled = np.asarray(values, dtype=np.float64) * scale
    finite = np.isfinite(scaled)
    out = np.full(scaled.shape, no_limit, dtype=np.int64)
    out[finite] = np.floor(scaled[finite] + _EPS).astype(np.int64)
    return np.minimum(out, no_limit)


def _is_integral(values: NDArray[np.float64]) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.all(np.abs(finite - np.round(finite)) <= 1e-9))


@dataclass(frozen=True)
class IntegerInstance:
    """An instance's data as engine integers; see the module docstring for the rounding rules.

    Parameters
    ----------
    scale
        Factor applied to distances, durations, times, route limits and fixed costs.
    exact
        Whether ``scale`` comes from the cost convention, so scaled distances are exact.
    load_scale
        Factor applied to demands and capacities (1 when they are all integers).
    no_limit
        The value standing for "no limit" in windows, capacities and route limits.
    distance, duration
        Scaled ``n x n`` matrices.
    service
        Scaled service time per node (depots included).
    earliest, latest
        Scaled time window per node; ``0`` and ``no_limit`` without time windows.
    delivery, pickup
        Scaled demands per node.
    capacity, max_duration, max_distance, fixed_cost
        Scaled per-vehicle-type values, in the instance's vehicle-type order.
    """

    scale: int
    exact: bool
    load_scale: int
    no_limit: int
    distance: IntArray
    duration: IntArray
    service: IntArray
    earliest: IntArray
    latest: IntArray
    delivery: IntArray
    pickup: IntArray
    capacity: tuple[int, ...]
    max_duration: tuple[int, ...]
    max_distance: tuple[int, ...]
    fixed_cost: tuple[int, ...]

    def to_units(self, value: float) -> float:
        """Convert a scaled cost or time back to the instance's own unit."""
        return value / self.scale

    def horizon(self) -> int:
        """A time bound no schedule without waiting past the last window needs to exceed."""
        finite = [int(v) for v in (*self.earliest, *self.latest) if v < self.no_limit]
        longest = int((self.service + self.duration.max(axis=1, initial=0)).sum())
        return min(self.no_limit, max(finite, default=0) + longest)


def integer_view(instance: RoutingInstance, *, no_limit: int) -> IntegerInstance:
    """Scale an instance's data to integers for an engine.

    Parameters
    ----------
    instance
        The routing instance.
    no_limit
        The engine's value for "no limit"; infinite data (and anything larger) becomes it.

    Returns
    -------
    IntegerInstance
        The integer data, with the factors used.
    """
    exact_scale = instance.cost_convention.scale
    scale = FLOAT_SCALE if exact_scale is None else exact_scale
    if exact_scale is None:
        distance = _up(instance.distance, scale, no_limit)
    else:
        distance = np.round(instance.distance * scale).astype(np.int64)
    n = instance.num_nodes
    if instance.time_windows is None:
        earliest = np.zeros(n, dtype=np.int64)
        latest = np.full(n, no_limit, dtype=np.int64)
    else:
        earliest = _up(instance.time_windows[:, 0], scale, no_limit)
        latest = _down(instance.time_windows[:, 1], scale, no_limit)

    types = instance.vehicle_types
    capacities = np.array([vt.capacity for vt in types], dtype=np.float64)
    demands = np.concatenate([instance.delivery, instance.pickup])
    load_scale = 1 if _is_integral(demands) and _is_integral(capacities) else LOAD_SCALE

    def per_type(values: Sequence[float], scale_: int) -> tuple[int, ...]:
        return tuple(int(v) for v in _down(np.array(values, dtype=np.float64), scale_, no_limit))

    return IntegerInstance(
        scale=scale,
        exact=exact_scale is not None,
        load_scale=load_scale,
        no_limit=no_limit,
        distance=distance,
        duration=_up(instance.duration, scale, no_limit),
        service=_up(instance.service_times, scale, no_limit),
        earliest=earliest,
        latest=latest,
        delivery=_up(instance.delivery, load_scale, no_limit),
        pickup=_up(instance.pickup, load_scale, no_limit),
        capacity=per_type(capacities.tolist(), load_scale),
        max_duration=per_type([vt.max_duration for vt in types], scale),
        max_distance=per_type([vt.max_distance for vt in types], scale),
        fixed_cost=tuple(
            round(vt.fixed_cost * scale) if math.isfinite(vt.fixed_cost) else no_limit
            for vt in types
        ),
    )


def classic_backhaul_forbidden(instance: RoutingInstance) -> NDArray[np.bool_]:
    """Arcs that a classic-backhaul route may never use, as an ``n x n`` mask.

    An arc from a backhaul customer (pickup > 0) to a customer that is not a pure backhaul one
    (no pickup, or a delivery too) is forbidden: then every route is its linehaul part followed by
    its backhaul part, and a customer with both demands can only open the backhaul part, as the
    evaluator requires. Customers with neither demand count as linehaul. Arcs from and to depots
    stay allowed, so backhaul-only routes remain possible.
    """
    backhaul = instance.customer_mask & (instance.pickup > 0)
    pure_backhaul = backhaul & ~(instance.delivery > 0)
    target = instance.customer_mask & ~pure_backhaul
    return np.outer(backhaul, target)
