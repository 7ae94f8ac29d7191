"""Constructive heuristics: nearest neighbour, Clarke-Wright savings and cheapest insertion.

All three build routes with the shared :class:`~vrpsolve.routing.solvers.route_check.RouteKernel`,
so every attribute of the routing family is respected the same way: capacity and mixed-backhaul peak
load, classic backhaul order, time windows, depot closing, duration and length limits, open routes,
several depots, heterogeneous types with fixed costs, and fleet limits. The shared
:class:`Construction` holds what they have in common: the fleet still available, opening a vehicle
(trying each distinct available type and keeping the cheapest route per customer served), seeded
tie-breaking, the time cap, inserting left-over customers into built routes, and the exact check of
every route before it is returned. A construction that cannot serve every customer within the fleet
returns no solution rather than an infeasible one.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from vrpsolve.core.solver import Solver, SolverOutput
from vrpsolve.core.stop import expired
from vrpsolve.routing.model import ATTRIBUTES, Route, RoutingInstance, Solution
from vrpsolve.routing.solvers.route_check import RouteKernel, concat_arrays, take

IntArray = NDArray[np.int64]
Plan = list[tuple[int, list[int]]]
"""Routes under construction: ``(vehicle type, visits)``."""


class OutOfTimeError(Exception):
    """Raised inside a construction when its time limit has passed."""


class Construction:
    """State and helpers shared by the constructive heuristics.

    Parameters
    ----------
    instance
        The instance to build routes for.
    seed
        Seeds the random node ranks that break ties.
    deadline
        ``time.perf_counter()`` value after which the construction gives up.
    """

    def __init__(self, instance: RoutingInstance, seed: int, deadline: float) -> None:
        self.instance = instance
        self.kernel = RouteKernel(instance)
        self.rank = np.random.default_rng(seed).permutation(instance.num_nodes + 1)
        """Random rank per node: among equal keys the lowest rank wins."""
        self.deadline = deadline
        self.remaining = [
            instance.num_customers if vt.num_available is None else vt.num_available
            for vt in instance.vehicle_types
        ]
        """Vehicles of each type not yet used."""
        signatures: dict[Any, int] = {}
        self.twin = [
            signatures.setdefault(dataclasses.replace(vt, num_available=None), k)
            for k, vt in enumerate(instance.vehicle_types)
        ]
        """Per type, the first type identical to it apart from its fleet size."""

    def tick(self) -> None:
        """Raise :class:`OutOfTimeError` once the deadline has passed or a stop is requested."""
        if expired(self.deadline):
            raise OutOfTimeError

    def best(self, keys: NDArray[np.float64], nodes: IntArray) -> int:
        """Index of the smallest key, ties broken by the nodes' random ranks."""
        low = np.flatnonzero(keys <= keys.min() + 1e-9)
        return int(low[np.argmin(self.rank[nodes[low]])])

    def open_types(self) -> list[int]:
        """Distinct vehicle types with a vehicle left, one per group of identical types."""
        seen: set[int] = set()
        types = []
        for k, left in enumerate(self.remaining):
            if left > 0 and self.twin[k] not in seen:
                seen.add(self.twin[k])
                types.append(k)
        return types

    def take(self, vehicle_type: int) -> int:
        """Use one vehicle of the type or, when those are gone, of an identical type."""
        for k, left in enumerate(self.remaining):
            if left > 0 and self.twin[k] == self.twin[vehicle_type]:
                self.remaining[k] -= 1
                return k
        raise ValueError(f"no vehicle of type {vehicle_type} left")

    def singleton_feasible(self, vehicle_type: int, customers: IntArray) -> NDArray[np.bool_]:
        """Which customers a vehicle of the type can serve on a route of their own."""
        kernel = self.kernel
        nodes = take(kernel.nodes, customers)
        route = concat_arrays(
            concat_arrays(kernel.start(vehicle_type), nodes, kernel.distance, kernel.duration),
            kernel.end(vehicle_type),
            kernel.distance,
            kernel.duration,
        )
        return np.asarray(kernel.feasible(vehicle_type, route), dtype=bool)

    def verified(self, vehicle_type: int, visits: list[int]) -> list[int]:
        """The route, shortened from its end until the exact check accepts it."""
        while visits and not self.kernel.check(vehicle_type, visits).feasible:
            visits = visits[:-1]
        return visits

    def sequential(self, grow: Callable[[int, NDArray[np.bool_]], list[int]]) -> Plan | None:
        """Open vehicles one at a time and fill each with ``grow`` until all are served.

        For each new vehicle every distinct available type is tried; the route with the lowest
        cost per customer served is kept. Customers left when the fleet runs out are inserted
        into the built routes where feasible.

        Parameters
        ----------
        grow
            Builds one feasible route of a type from the unrouted customers (a mask over nodes).
        """
        unrouted = self.instance.customer_mask.copy()
        plan: Plan = []
        while unrouted.any():
            self.tick()
            best: tuple[float, int, list[int]] | None = None
            for k in self.open_types():
                visits = self.verified(k, grow(k, unrouted))
                if visits:
                    score = self.kernel.check(k, visits).cost / len(visits)
                    if best is None or score < best[0] - 1e-9:
                        best = (score, k, visits)
            if best is None:
                break
            _, k, visits = best
            plan.append((self.take(k), visits))
            unrouted[visits] = False
        return self.insert_leftovers(plan, np.flatnonzero(unrouted))

    def best_of(self, builders: list[Callable[[Construction], Plan | None]]) -> Plan | None:
        """Run each builder on a fresh fleet and keep the cheapest complete plan; out of time
        (or asked to stop), the cheapest one built so far, if any."""
        fleet = list(self.remaining)
        best: tuple[float, Plan | None] = (math.inf, None)
        for build in builders:
            self.remaining = list(fleet)
            try:
                plan = build(self)
            except OutOfTimeError:
                if best[1] is None:
                    raise
                break
            if plan is not None:
                cost = sum(self.kernel.check(k, visits).cost for k, visits in plan)
                if cost < best[0] - 1e-9:
                    best = (cost, plan)
        return best[1]

    def insert_leftovers(self, plan: Plan, leftovers: IntArray) -> Plan | None:
        """Insert customers into the plan's routes at their cheapest feasible places.

        Returns
        -------
        Plan or None
            The completed plan, or ``None`` when some customer fits nowhere.
        """
        order = leftovers[np.argsort(self.rank[leftovers], kind="stable")]
        for customer in order:
            self.tick()
            choice: tuple[float, int, int] | None = None
            for r, (k, visits) in enumerate(plan):
                data = self.kernel.route_data(k, visits)
                feasible, delta, _ = self.kernel.insertions(data, np.array([customer]))
                delta = np.where(feasible, delta, math.inf)[0]
                position = int(np.argmin(delta))
                if math.isfinite(delta[position]) and (
                    choice is None or delta[position] < choice[0]
                ):
                    candidate = [*visits[:position], int(customer), *visits[position:]]
                    if self.kernel.check(k, candidate).feasible:
                        choice = (float(delta[position]), r, position)
            if choice is None:
                return None
            _, r, position = choice
            plan[r][1].insert(position, int(customer))
        return plan

    def fit_fleet(self, plan: Plan) -> Plan | None:
        """Give each route a vehicle within the fleet limits, cheapest type first.

        Routes are served in order of how few types can drive them; a route no vehicle is left
        for is dissolved and its customers inserted into the others.
        """
        types = range(len(self.instance.vehicle_types))
        options = [
            [k for k in types if self.kernel.check(k, visits).feasible] for _, visits in plan
        ]
        order = sorted(range(len(plan)), key=lambda r: (len(options[r]), -len(plan[r][1])))
        fitted: Plan = []
        leftovers: list[int] = []
        for r in order:
            visits = plan[r][1]
            usable = [k for k in options[r] if self.remaining[k] > 0]
            if not usable:
                leftovers.extend(visits)
                continue
            k = min(usable, key=lambda k: (self.kernel.check(k, visits).cost, k))
            self.remaining[k] -= 1
            fitted.append((k, visits))
        return self.insert_leftovers(fitted, np.array(leftovers, dtype=np.int64))


class ConstructiveSolver(Solver):
    """Base of the constructive heuristics: timing, stats, and the plan as a solution."""

    supported_attributes: ClassVar[frozenset[str]] = ATTRIBUTES
    default_time_limit: ClassVar[float] = 60.0

    def run(
        self, instance: RoutingInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Build routes once; no solution if the fleet cannot serve every customer.

        ``time_limit`` is only a cap: the construction returns as soon as it is done. ``options``
        are ignored.
        """
        start = time.perf_counter()
        construction = Construction(instance, seed, start + time_limit)
        try:
            plan = self.construct(construction) if instance.num_customers else []
        except OutOfTimeError:
            plan = None
        stats: dict[str, Any] = {
            "routes": 0 if plan is None else len(plan),
            "construction_time": time.perf_counter() - start,
        }
        if plan is None:
            return SolverOutput(None, stats=stats)
        routes = tuple(Route(tuple(visits), k) for k, visits in plan)
        return SolverOutput(Solution(routes), stats=stats)

    @abstractmethod
    def construct(self, construction: Construction) -> Plan | None:
        """Routes serving every customer within the fleet, or ``None``."""


class NearestNeighbourSolver(ConstructiveSolver):
    """Nearest neighbour: extend the route to the closest customer that keeps it feasible."""

    name: ClassVar[str] = "nearest-neighbour"
    summary: ClassVar[str] = "Nearest-neighbour construction (fast, rough)"

    def construct(self, construction: Construction) -> Plan | None:
        """Grow routes from the depot, each time to the nearest feasible unrouted customer.

        With time windows "nearest" is travel time plus waiting, so a customer that opens much
        later does not look close.
        """
        kernel = construction.kernel
        timed = construction.instance.has_time_windows

        def grow(k: int, unrouted: NDArray[np.bool_]) -> list[int]:
            current = kernel.start(k)
            candidates = np.flatnonzero(unrouted)
            visits: list[int] = []
            while candidates.size:
                nodes = take(kernel.nodes, candidates)
                extended = concat_arrays(current, nodes, kernel.distance, kernel.duration)
                route = concat_arrays(extended, kernel.end(k), kernel.distance, kernel.duration)
                feasible = np.asarray(kernel.feasible(k, route), dtype=bool)
                candidates = candidates[feasible]
                if not candidates.size:
                    break
                key = kernel.distance[current.last, candidates] / kernel.unit
                if timed:
                    key = key + (extended.duration - current.duration)[feasible]
                chosen = int(candidates[construction.best(key, candidates)])
                visits.append(chosen)
                current = kernel.join(current, kernel.node(chosen))
                candidates = candidates[candidates != chosen]
            return visits

        return construction.sequential(grow)


class InsertionSolver(ConstructiveSolver):
    """Sequential cheapest insertion with a seed customer per route (Solomon I1 selection)."""

    name: ClassVar[str] = "insertion"
    summary: ClassVar[str] = "Cheapest feasible insertion, one route at a time (Solomon I1)"
    settings: ClassVar[tuple[tuple[float, float, bool], ...]] = (
        (0.5, 0.0, False),
        (1.0, 0.0, False),
        (1.0, 1.0, False),
        (2.0, 0.0, False),
    )
    """Parameter sets tried, the cheapest result kept: ``(lambda, alpha, deadline seed)``.

    ``lambda`` weighs a customer's distance from the depot when choosing whom to insert,
    ``alpha`` the route's duration increase against its length increase in the insertion cost,
    and the seed of a route is the customer with the earliest deadline (or the farthest one).
    """

    def construct(self, construction: Construction) -> Plan | None:
        """Build a plan per parameter set and keep the cheapest.

        Each route is seeded with the farthest customer or the one with the earliest deadline;
        then the customer maximising ``lambda * (d(start, c) + d(c, end)) - c1`` is inserted at
        its cheapest feasible position, where ``c1`` is ``(1 - alpha)`` times the length increase
        plus ``alpha`` times the duration increase.
        """
        timed = construction.instance.has_time_windows
        settings = [s for s in self.settings if timed or (s[1] == 0.0 and not s[2])]
        return construction.best_of(
            [functools.partial(self._plan, setting=setting) for setting in settings]
        )

    def _plan(self, construction: Construction, setting: tuple[float, float, bool]) -> Plan | None:
        return construction.sequential(self._grower(construction, *setting))

    @staticmethod
    def _grower(
        construction: Construction, attraction: float, alpha: float, by_deadline: bool
    ) -> Callable[[int, NDArray[np.bool_]], list[int]]:
        kernel = construction.kernel

        def grow(k: int, unrouted: NDArray[np.bool_]) -> list[int]:
            candidates = np.flatnonzero(unrouted)
            candidates = candidates[construction.singleton_feasible(k, candidates)]
            if not candidates.size:
                return []
            start, end = kernel.starts[k], kernel.ends[k]
            away = (kernel.distance[start, :] + kernel.distance[:, end]) / kernel.unit
            seed_key = kernel.late[candidates] if by_deadline else -away[candidates]
            visits = [int(candidates[construction.best(seed_key, candidates)])]
            candidates = candidates[candidates != visits[0]]
            while candidates.size:
                construction.tick()
                batch = kernel.insertions(kernel.route_data(k, visits), candidates)
                insertable = batch.feasible.any(axis=1)
                candidates = candidates[insertable]
                if not candidates.size:
                    break
                c1 = (1.0 - alpha) * batch.cost[insertable] + alpha * batch.duration[insertable]
                c1 = np.where(batch.feasible[insertable], c1, math.inf)
                positions = np.argmin(c1, axis=1)
                cost = c1[np.arange(candidates.size), positions]
                chosen = construction.best(cost - attraction * away[candidates], candidates)
                visits.insert(int(positions[chosen]), int(candidates[chosen]))
                candidates = np.delete(candidates, chosen)
            return visits

        return grow


class SavingsSolver(ConstructiveSolver):
    """Clarke-Wright parallel savings, asymmetric- and open-route-aware, over all types."""

    name: ClassVar[str] = "savings"
    summary: ClassVar[str] = "Clarke-Wright parallel savings construction"
    neighbours: ClassVar[int] = 100
    """Savings are listed for each customer's this many nearest successors only."""

    def construct(self, construction: Construction) -> Plan | None:
        """Start from one route per customer and merge route ends in order of saving.

        Each customer's reference type is the cheapest that serves it alone. The saving of
        ``i`` then ``j`` is ``d(i, end_i) + d(start_j, j) - d(i, j)`` plus the fixed cost saved,
        with the ends of the reference types (no return leg on open routes). Merging the route
        ending at ``i`` with the route starting at ``j`` is done when some vehicle type drives
        the joined route feasibly at less than the two routes cost; that cheapest type is used.
        Fleet limits are applied at the end by :meth:`Construction.fit_fleet`.
        """
        kernel = construction.kernel
        customers = construction.instance.customers
        types = sorted(set(construction.twin))
        # One route per customer, with its cheapest type.
        singles = np.full((len(types), customers.size), math.inf)
        for row, k in enumerate(types):
            ok = construction.singleton_feasible(k, customers)
            cost = (
                kernel.distance[kernel.starts[k], customers]
                + kernel.distance[customers, kernel.ends[k]]
            ) / kernel.unit + kernel.fixed_cost[k]
            singles[row] = np.where(ok, cost, math.inf)
        if not np.isfinite(singles).any(axis=0).all():
            return None
        reference = np.array(types)[np.argmin(singles, axis=0)]
        routes: dict[int, tuple[int, list[int], Any, float]] = {}
        route_of = np.full(kernel.sink + 1, -1)
        for c, k in zip(customers, reference, strict=True):
            segment = kernel.node(int(c))
            routes[int(c)] = (
                int(k),
                [int(c)],
                segment,
                float(kernel.cost(int(k), kernel.close(int(k), segment))),
            )
            route_of[c] = c
        for i, j in self._pairs(construction, customers, reference):
            construction.tick()
            a, b = route_of[i], route_of[j]
            if a == b or routes[a][1][-1] != i or routes[b][1][0] != j:
                continue
            joined = kernel.join(routes[a][2], routes[b][2])
            merged = None
            for k in types:
                route = kernel.close(k, joined)
                if kernel.feasible(k, route):
                    cost = float(kernel.cost(k, route))
                    if merged is None or cost < merged[1]:
                        merged = (k, cost)
            if merged is None or merged[1] >= routes[a][3] + routes[b][3] - 1e-9:
                continue
            visits = routes[a][1] + routes[b][1]
            if not kernel.check(merged[0], visits).feasible:
                continue
            routes[a] = (merged[0], visits, joined, merged[1])
            del routes[b]
            route_of[routes[a][1]] = a
        plan = [(k, visits) for k, visits, _, _ in routes.values()]
        return construction.fit_fleet(plan)

    def _pairs(
        self, construction: Construction, customers: IntArray, reference: IntArray
    ) -> list[tuple[int, int]]:
        """Customer pairs ``(i, j)`` with a positive saving, best first, ties by seeded rank."""
        kernel = construction.kernel
        starts = np.array(kernel.starts)[reference]
        ends = np.array(kernel.ends)[reference]
        fixed = np.array(kernel.fixed_cost)[reference]
        d = kernel.distance / kernel.unit
        between = d[np.ix_(customers, customers)]
        saving = (
            d[customers, ends][:, None] + d[starts, customers][None, :] - between + fixed[None, :]
        )
        keep = min(self.neighbours, customers.size - 1)
        if keep < 1:
            return []
        np.fill_diagonal(between, math.inf)
        columns = np.argpartition(between, keep - 1, axis=1)[:, :keep]
        rows = np.repeat(np.arange(customers.size), keep)
        columns = columns.ravel()
        values = saving[rows, columns]
        positive = values > 1e-9
        rows, columns, values = rows[positive], columns[positive], values[positive]
        tie = (
            construction.rank[customers[rows]] * (customers.size + 1)
            + construction.rank[customers[columns]]
        )
        order = np.lexsort((tie, -values))
        return [(int(customers[rows[o]]), int(customers[columns[o]])) for o in order]
