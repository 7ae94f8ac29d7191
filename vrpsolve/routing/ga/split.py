"""Split of a giant tour into routes, with a vehicle type per route and the fleet repaired.

:func:`split` is a Bellman shortest path over the giant tour (Prins, 2004): the label of tour
position ``j`` is the cheapest penalised cost of routing the first ``j`` customers, and every
route ``tour[i:j]`` is tried with every vehicle type, so multi-depot and heterogeneous fleets
choose depot and type per route. Routes whose load passes 1.5 times the largest capacity are
not considered (their penalty makes them useless). Fleet sizes are ignored by the shortest path;
:func:`fit_fleet` then repairs an over-used type by moving routes to types with spare vehicles
and, when no type has one, by merging a route into its neighbour in the tour (the merged route
may be infeasible; its excess is penalised and left to the local search).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from vrpsolve.routing.ga.kernel import (
    FloatArray,
    IntArray,
    KernelData,
    empty,
    join,
    route_cost,
    row,
)


@nb.njit(cache=True)
def _split(
    tour: IntArray,
    distance: FloatArray,
    duration: FloatArray,
    nodes: FloatArray,
    starts: FloatArray,
    ends: FloatArray,
    params: FloatArray,
    unit: float,
    classic: bool,
    weights: FloatArray,
    load_limit: float,
) -> tuple[IntArray, IntArray, float]:  # pragma: no cover - compiled
    m = tour.shape[0]
    num_types = params.shape[0]
    label = np.full(m + 1, np.inf)
    label[0] = 0.0
    pred = np.zeros(m + 1, dtype=np.int64)
    kind = np.zeros(m + 1, dtype=np.int64)
    for i in range(m):
        if label[i] == np.inf:
            continue
        seg = empty()
        for j in range(i, m):
            seg = join(seg, row(nodes, tour[j]), distance, duration)
            if j > i and max(seg[7], seg[8], seg[9]) > load_limit:
                break
            for k in range(num_types):
                route = join(
                    join(row(starts, k), seg, distance, duration), row(ends, k), distance, duration
                )
                value = label[i] + route_cost(route, k, params, unit, classic, weights)
                if value < label[j + 1]:
                    label[j + 1] = value
                    pred[j + 1] = i
                    kind[j + 1] = k
    count = 0
    j = m
    while j > 0:
        count += 1
        j = int(pred[j])
    bounds = np.zeros(count + 1, dtype=np.int64)
    types = np.zeros(count, dtype=np.int64)
    j = m
    r = count
    while j > 0:
        bounds[r] = j
        types[r - 1] = kind[j]
        j = int(pred[j])
        r -= 1
    return bounds, types, float(label[m])


@nb.njit(cache=True)
def _piece_cost(
    tour: IntArray,
    begin: int,
    end: int,
    k: int,
    distance: FloatArray,
    duration: FloatArray,
    nodes: FloatArray,
    starts: FloatArray,
    ends: FloatArray,
    params: FloatArray,
    unit: float,
    classic: bool,
    weights: FloatArray,
) -> float:  # pragma: no cover - compiled
    seg = row(starts, k)
    for p in range(begin, end):
        seg = join(seg, row(nodes, tour[p]), distance, duration)
    seg = join(seg, row(ends, k), distance, duration)
    return route_cost(seg, k, params, unit, classic, weights)


def piece_cost(
    data: KernelData, tour: IntArray, begin: int, end: int, k: int, weights: FloatArray
) -> float:
    """Penalised cost of the route ``tour[begin:end]`` driven by vehicle type ``k``."""
    return float(
        _piece_cost(
            tour,
            begin,
            end,
            k,
            data.distance,
            data.duration,
            data.nodes,
            data.starts,
            data.ends,
            data.params,
            data.unit,
            data.classic,
            weights,
        )
    )


def split(
    data: KernelData, tour: IntArray, weights: FloatArray
) -> tuple[IntArray, IntArray, float]:
    """Optimal split of a giant tour, fleet sizes ignored.

    Parameters
    ----------
    data
        The instance's kernel arrays.
    tour
        The customers in giant-tour order.
    weights
        Penalty weights (load, time, length, order).

    Returns
    -------
    bounds, types, cost
        Route ``r`` is ``tour[bounds[r]:bounds[r+1]]`` with type ``types[r]``; the total
        penalised cost.
    """
    capacities = data.params[:, 0]
    finite = capacities[np.isfinite(capacities)]
    limit = 1.5 * float(finite.max()) if finite.size else math.inf
    bounds, types, cost = _split(
        tour,
        data.distance,
        data.duration,
        data.nodes,
        data.starts,
        data.ends,
        data.params,
        data.unit,
        data.classic,
        weights,
        limit,
    )
    return bounds, types, float(cost)


def fit_fleet(
    data: KernelData,
    tour: IntArray,
    bounds: IntArray,
    types: IntArray,
    available: IntArray,
    weights: FloatArray,
) -> tuple[IntArray, IntArray]:
    """Routes and types within the fleet sizes ``available`` (per type).

    An over-used type gives up the route whose cost rises least under a type with a spare
    vehicle; with no spare vehicle anywhere, its shortest route joins the cheaper of its tour
    neighbours (taking that neighbour's type).
    """
    pieces = [[int(bounds[r]), int(bounds[r + 1]), int(types[r])] for r in range(len(types))]
    counts = np.bincount(types, minlength=len(available))
    while len(pieces) > 1:
        over = np.flatnonzero(counts > available)
        if not over.size:
            break
        k = int(over[0])
        spare = np.flatnonzero(counts < available)
        own = [r for r, piece in enumerate(pieces) if piece[2] == k]
        if spare.size:
            _, r, k_new = min(
                (
                    piece_cost(data, tour, pieces[r][0], pieces[r][1], int(q), weights)
                    - piece_cost(data, tour, pieces[r][0], pieces[r][1], k, weights),
                    r,
                    int(q),
                )
                for r in own
                for q in spare
            )
            pieces[r][2] = k_new
            counts[k] -= 1
            counts[k_new] += 1
            continue
        r = min(own, key=lambda r: (pieces[r][1] - pieces[r][0], r))
        options = []
        for other in (r - 1, r + 1):
            if 0 <= other < len(pieces):
                lo, hi = min(other, r), max(other, r)
                q = pieces[other][2]
                merged = piece_cost(data, tour, pieces[lo][0], pieces[hi][1], q, weights)
                options.append((merged, other))
        _, other = min(options)
        lo, hi = min(other, r), max(other, r)
        pieces[lo] = [pieces[lo][0], pieces[hi][1], pieces[other][2]]
        del pieces[hi]
        counts[k] -= 1
    new_bounds = np.array([p[0] for p in pieces] + [int(bounds[-1])], dtype=np.int64)
    new_types = np.array([p[2] for p in pieces], dtype=np.int64)
    return new_bounds, new_types
