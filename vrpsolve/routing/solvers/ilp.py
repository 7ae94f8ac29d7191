"""Exact integer programming with PuLP: (A)TSP, CVRP and small VRPTW by cutting planes.

Modelling choices:

- Objective coefficients are the distance matrix on the cost convention's exact integer grid
  (:func:`vrpsolve.routing.solvers.scaling.integer_view`), so objective values are integers and an
  absolute gap below one proves optimality; without an exact grid the float distances are used
  with a gap of 1e-6.
- (A)TSP: assignment formulation (binary ``x_ij``, in- and out-degree one) with
  Dantzig-Fulkerson-Johnson subtour elimination constraints added lazily. A root phase solves
  LP relaxations and separates subtour constraints exactly: with degree constraints a set ``S``
  violates its constraint iff the symmetrised cut ``x(S:V-S) + x(V-S:S)`` is below two, so the
  light phase cuts of Stoer-Wagner (and weak components of the support) give violated sets. The
  MILP phase then adds one constraint per cycle of each integer solution until it is one tour.
  Each constraint is written on the smaller of ``S`` and its complement.
- CVRP: two-index directed formulation (one depot, ``x_ij`` binary, customers of degree one,
  depot out-degree equal to in-degree and at most the fleet size) with rounded capacity cuts
  ``x(V-S:S) >= max(1, ceil(d(S)/Q))``. The root LP phase separates them heuristically on the
  weak components of the support and on the Stoer-Wagner phase shores; the MILP phase separates
  them exactly on integer solutions (the customer components are routes or subtours). Arcs
  that no feasible route can use (``d_i + d_j > Q``, or time windows that cannot be met) are left
  out.
- VRPTW (small instances only, about 25 customers: the big-M relaxation is weak): the same
  formulation plus service start variables ``t_i`` in the windows with
  ``t_j >= t_i + s_i + tau_ij - M_ij (1 - x_ij)``, depot departure at its opening time, return by
  its closing time, and MTZ load variables when there is a capacity.
- The time limit covers the whole run: building the model (which stops when the limit runs out,
  returning the construction below), separating cuts, and every LP and MILP (each gets the
  remaining time, handing the model to HiGHS included; one thread; a MIP start from the best
  known feasible solution, for HiGHS via ``highspy``, for CBC through PuLP's warm start). A stop
  request ends the loops between rounds and a HiGHS solve from its callback.
- At the time limit the best feasible solution is returned: for (A)TSP cycles patched into one
  tour (Karp's patching), for routing the last integer solution if it violates no cut, else a
  nearest-neighbour construction. The lower bound is the best LP or MILP bound over the rounds
  (each round relaxes the full problem), rounded up when objectives are integral.
- Several vehicle types are accepted only when they are identical and share the depot; their
  fleets add up.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from vrpsolve.core.options import SolverOption, check_options
from vrpsolve.core.solver import Solver, SolverOutput
from vrpsolve.core.stop import expired, stop_requested
from vrpsolve.milp import (
    BACKENDS,
    FloatArray,
    MilpBackend,
    MilpOutcome,
    OutOfTime,
    components,
    default_backend,
    light_phase_cuts,
    successor_cycles,
)
from vrpsolve.routing.model import Route, RoutingInstance, Solution
from vrpsolve.routing.solvers.scaling import integer_view

if TYPE_CHECKING:
    import pulp

_EPS = 1e-6
_MAX_LP_ROUNDS = 200
_LP_SHARE = 0.5
"""Largest share of the time limit the root LP phase may use."""


@dataclass
class _Context:
    """Per-run state shared by the models: clock, backend, cost matrix and statistics."""

    instance: RoutingInstance
    backend: MilpBackend
    cost: FloatArray
    scale: float
    deadline: float
    start: float
    lp_rounds: int = 0
    lp_seconds: float = 0.0
    """How long the last LP relaxation took to solve: a MILP is not started with less time."""
    milp_rounds: int = 0
    cuts: int = 0
    arcs_removed: int = 0
    bound: float | None = None
    cut_keys: set[frozenset[int]] = field(default_factory=set)

    def remaining(self) -> float:
        """Seconds left; none once a stop is requested."""
        return 0.0 if stop_requested() else self.deadline - time.perf_counter()

    def solve_lp(self, prob: pulp.LpProblem, time_limit: float) -> MilpOutcome:
        """The LP relaxation of ``prob`` within ``time_limit`` seconds, timed."""
        began = time.perf_counter()
        outcome = self.backend.solve(prob, time_limit, relax=True)
        if outcome.status == "optimal":
            self.lp_seconds = time.perf_counter() - began
        return outcome

    def milp_time(self) -> bool:
        """Whether there is time for a MILP: at least as much as the last LP relaxation took."""
        return self.remaining() > self.lp_seconds

    def check(self) -> None:
        """Raise :class:`OutOfTime` once the time limit has passed or a stop is requested."""
        if expired(self.deadline):
            raise OutOfTime

    def raise_bound(self, outcome: MilpOutcome) -> None:
        if outcome.bound is not None and (self.bound is None or outcome.bound > self.bound):
            self.bound = outcome.bound

    def lower_bound(self) -> float | None:
        if self.bound is None:
            return None
        return self.backend.round_bound(self.bound) / self.scale

    def output(
        self, solution: Solution | None, proved: bool, upper: float | None, last: str
    ) -> SolverOutput:
        lower = self.lower_bound()
        if proved and upper is not None:
            lower = upper / self.scale
        gap = None
        if upper is not None and lower is not None and upper > 0:
            gap = max(0.0, (upper / self.scale - lower) / (upper / self.scale))
        stats: dict[str, Any] = {
            "backend": self.backend.name,
            "rounds": self.lp_rounds + self.milp_rounds,
            "lp_rounds": self.lp_rounds,
            "milp_rounds": self.milp_rounds,
            "cuts": self.cuts,
            "arcs_removed": self.arcs_removed,
            "final_gap": gap,
            "last_milp_status": last,
            "engine_cost": None if upper is None else upper / self.scale,
        }
        infeasible = None
        if solution is None and last == "infeasible":
            infeasible = f"the ILP has no feasible solution ({self.backend.name} proved it)"
        return SolverOutput(
            solution, proved_optimal=proved, lower_bound=lower, stats=stats, infeasible=infeasible
        )


def _variables(
    ctx: _Context, prob: pulp.LpProblem, arcs: list[tuple[int, int]]
) -> dict[tuple[int, int], pulp.LpVariable]:
    """A binary variable per arc, checking the clock every 4096 arcs."""
    import pulp

    x = {}
    for k, (i, j) in enumerate(arcs):
        if k % 4096 == 0:
            ctx.check()
        x[i, j] = prob.add_variable(f"x_{i}_{j}", cat=pulp.LpBinary)
    return x


def _cost_matrix(instance: RoutingInstance) -> tuple[FloatArray, float, bool]:
    """Objective matrix, its scale, and whether it is integral (exact grid)."""
    scale = instance.cost_convention.scale
    if scale is None:
        return np.array(instance.distance, dtype=np.float64), 1.0, False
    data = integer_view(instance, no_limit=2**62)
    return data.distance.astype(np.float64), float(scale), True


def _tour_cost(cost: FloatArray, tour: list[int]) -> float:
    return float(sum(cost[a, b] for a, b in zip(tour, tour[1:] + tour[:1], strict=True)))


class ILPSolver(Solver):
    """Exact MILP by cutting planes (PuLP with HiGHS, or CBC).

    Options: ``backend`` (``"highs"``, the default when highspy imports, or ``"cbc"``).
    """

    name: ClassVar[str] = "ilp"
    summary: ClassVar[str] = (
        "Exact MILP with lazy subtour/capacity cuts (PuLP + HiGHS or CBC); TSP/ATSP, CVRP, small "
        "VRPTW"
    )
    supported_attributes: ClassVar[frozenset[str]] = frozenset(
        {"asymmetric", "capacity", "fleet_limit", "time_windows"}
    )
    default_time_limit: ClassVar[float] = 60.0
    options = (
        SolverOption(
            "backend",
            str,
            None,
            "MILP solver (default: highs when highspy imports, else cbc)",
            choices=BACKENDS,
        ),
    )
    requires: ClassVar[tuple[str, ...]] = ("pulp",)

    def run(
        self, instance: RoutingInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Solve ``instance`` to optimality, or return the best solution and bound by the limit."""
        start = time.perf_counter()
        backend_name = check_options(self, options)["backend"] or default_backend()
        cost, scale, integral = _cost_matrix(instance)
        ctx = _Context(
            instance=instance,
            backend=MilpBackend(backend_name, integral_objective=integral, seed=seed),
            cost=cost,
            scale=scale,
            deadline=start + time_limit,
            start=start,
        )
        if instance.is_tsp:
            return _solve_tsp(ctx)
        return _solve_routing(ctx)


# -- (A)TSP ----------------------------------------------------------------------------------------
def _nearest_neighbour_tour(cost: FloatArray, first: int) -> list[int]:
    n = cost.shape[0]
    visited = np.zeros(n, dtype=bool)
    tour = [first]
    visited[first] = True
    for _ in range(n - 1):
        row = np.where(visited, np.inf, cost[tour[-1]])
        nxt = int(np.argmin(row))
        visited[nxt] = True
        tour.append(nxt)
    return tour


def _patch_cycles(cost: FloatArray, cycles: list[list[int]]) -> list[int]:
    """Merge cycles into one tour, each time by the cheapest two-arc exchange (Karp patching)."""
    cycles = [list(c) for c in cycles]
    while len(cycles) > 1:
        cycles.sort(key=len, reverse=True)
        big = cycles[0]
        a = np.array(big)
        b = np.roll(a, -1)
        best: tuple[float, int, int, int] | None = None
        for k, other in enumerate(cycles[1:], start=1):
            c = np.array(other)
            d = np.roll(c, -1)
            delta = (
                cost[a[:, None], d[None, :]]
                + cost[c[None, :], b[:, None]]
                - cost[a, b][:, None]
                - cost[c, d][None, :]
            )
            flat = int(np.argmin(delta))
            i, j = divmod(flat, delta.shape[1])
            if best is None or delta[i, j] < best[0]:
                best = (float(delta[i, j]), k, i, j)
        assert best is not None
        _, k, i, j = best
        other = cycles.pop(k)
        # big: ... a_i -> (other from d_j around to c_j) -> b_i ...
        rotated = other[j + 1 :] + other[: j + 1]
        cycles[0] = big[: i + 1] + rotated + big[i + 1 :]
    return cycles[0]


def _tsp_solution(instance: RoutingInstance, tour: list[int]) -> Solution:
    depot = instance.depots[0]
    k = tour.index(depot)
    return Solution((Route(tuple(tour[k + 1 :] + tour[:k]), 0),))


class _TspModel:
    """The assignment model on a set of arcs, with every subtour constraint found so far."""

    def __init__(self, ctx: _Context, arcs: list[tuple[int, int]]) -> None:
        import pulp

        self.ctx = ctx
        self.n = ctx.instance.num_nodes
        self.arcs = arcs
        self.prob = pulp.LpProblem("atsp", pulp.LpMinimize)
        self.x = _variables(ctx, self.prob, arcs)
        self.prob += pulp.LpAffineExpression([(self.x[a], float(ctx.cost[a])) for a in arcs])
        ctx.check()
        out_arcs: list[list[pulp.LpVariable]] = [[] for _ in range(self.n)]
        in_arcs: list[list[pulp.LpVariable]] = [[] for _ in range(self.n)]
        for (i, j), var in self.x.items():
            out_arcs[i].append(var)
            in_arcs[j].append(var)
        for i in range(self.n):
            self.prob += pulp.lpSum(out_arcs[i]) == 1, f"out_{i}"
            self.prob += pulp.lpSum(in_arcs[i]) == 1, f"in_{i}"
        for k, shore in enumerate(ctx.cut_keys):
            self._add(sorted(shore), f"sec_old_{k}")

    def _add(self, shore: list[int], name: str) -> None:
        import pulp

        members = set(shore)
        inside = [var for (i, j), var in self.x.items() if i in members and j in members]
        if len(shore) <= 3 or len(inside) < len(shore) * len(shore) // 2:
            inside = [self.x[i, j] for i in shore for j in shore if (i, j) in self.x]
        self.prob.addConstraint(pulp.lpSum(inside) <= len(shore) - 1, name)

    def add_sec(self, nodes: list[int]) -> bool:
        """Add the subtour constraint of ``nodes`` (on the smaller side); false if known."""
        n = self.n
        shore = nodes if len(nodes) <= n - len(nodes) else sorted(set(range(n)) - set(nodes))
        key = frozenset(shore)
        if len(shore) < 2 or key in self.ctx.cut_keys:
            return False
        self.ctx.cut_keys.add(key)
        self._add(shore, f"sec_{self.ctx.cuts}")
        self.ctx.cuts += 1
        return True

    def values(self) -> FloatArray:
        """The current solution as an ``n x n`` matrix."""
        v = np.zeros((self.n, self.n))
        for (i, j), var in self.x.items():
            v[i, j] = var.varValue or 0.0
        return v

    def fixable(self, objective: float, upper: float, keep: set[tuple[int, int]]) -> set[int]:
        """Indices of arcs whose reduced cost shows they cannot be in a better tour."""
        slack = upper - (1 - 1e-4 if self.ctx.backend.integral else -1e-6)
        return {
            k
            for k, a in enumerate(self.arcs)
            if a not in keep and objective + (self.x[a].dj or 0.0) > slack
        }


def _capped(outcome: MilpOutcome, fixed_upper: float | None) -> MilpOutcome:
    """A bound of the reduced model made global: tours using a removed arc cost ``fixed_upper``."""
    if outcome.bound is None or fixed_upper is None:
        return outcome
    return dataclasses.replace(outcome, bound=min(outcome.bound, fixed_upper))


def _tour_arcs(tour: list[int]) -> set[tuple[int, int]]:
    return set(zip(tour, tour[1:] + tour[:1], strict=True))


def _solve_tsp(ctx: _Context) -> SolverOutput:
    instance, cost = ctx.instance, ctx.cost
    n = instance.num_nodes
    if n <= 3:  # at most two customers: the one tour or its reverse
        customers = [int(c) for c in instance.customers]
        tours = [[instance.depots[0], *customers], [instance.depots[0], *customers[::-1]]]
        best = min(tours, key=lambda t: _tour_cost(cost, t))
        return ctx.output(_tsp_solution(instance, best), True, _tour_cost(cost, best), "trivial")

    best_tour = _nearest_neighbour_tour(cost, instance.depots[0])
    best_cost = _tour_cost(cost, best_tour)
    try:
        model = _TspModel(ctx, [(i, j) for i in range(n) for j in range(n) if i != j])
    except OutOfTime:  # the model was not built in time: the nearest-neighbour tour
        return ctx.output(_tsp_solution(instance, best_tour), False, best_cost, "not run")
    fixed_upper: float | None = None
    """The incumbent's cost when arcs were last removed by reduced costs."""

    def improve(v: FloatArray) -> None:
        nonlocal best_tour, best_cost
        if np.all(np.minimum(np.abs(v), np.abs(v - 1)) < 1e-6):
            successor = {int(i): int(j) for i, j in zip(*np.nonzero(v > 0.5), strict=True)}
            tour = _patch_cycles(cost, successor_cycles(successor))
            if _tour_cost(cost, tour) < best_cost - _EPS:
                best_tour, best_cost = tour, _tour_cost(cost, tour)

    # root LP phase: exact separation of subtour constraints, reduced-cost arc elimination
    lp_deadline = ctx.start + _LP_SHARE * (ctx.deadline - ctx.start)
    while ctx.lp_rounds < _MAX_LP_ROUNDS and not expired(lp_deadline):
        outcome = ctx.solve_lp(model.prob, lp_deadline - time.perf_counter())
        if outcome.status != "optimal" or outcome.objective is None:
            break
        ctx.lp_rounds += 1
        ctx.raise_bound(_capped(outcome, fixed_upper))
        v = model.values()
        improve(v)
        drop = model.fixable(outcome.objective, best_cost, _tour_arcs(best_tour))
        if len(drop) >= 0.2 * len(model.arcs):
            kept = [a for k, a in enumerate(model.arcs) if k not in drop]
            ctx.arcs_removed += len(drop)
            fixed_upper = best_cost if fixed_upper is None else min(fixed_upper, best_cost)
            try:
                model = _TspModel(ctx, kept)
            except OutOfTime:  # out of time: no MILP, the best tour so far
                return ctx.output(_tsp_solution(instance, best_tour), False, best_cost, "not run")
        sym = v + v.T
        parts = components(sym > _EPS, np.arange(n))
        shores = parts if len(parts) > 1 else light_phase_cuts(sym, 2 - 1e-4, lp_deadline)
        added = sum(model.add_sec(s) for s in shores)
        if not added:
            break

    # MILP phase: one subtour constraint per cycle of each integer solution
    proved = False
    last = "not run"
    while ctx.milp_time():
        if ctx.bound is not None and ctx.backend.round_bound(ctx.bound) >= best_cost - _EPS:
            proved = True
            break
        start = None
        tour_arcs = _tour_arcs(best_tour)
        if tour_arcs <= model.x.keys():
            start = {var: 1.0 if a in tour_arcs else 0.0 for a, var in model.x.items()}
        outcome = ctx.backend.solve(model.prob, ctx.remaining(), start=start)
        ctx.milp_rounds += 1
        last = outcome.status
        ctx.raise_bound(_capped(outcome, fixed_upper))
        if not outcome.has_solution:
            break
        successor = {i: j for (i, j), var in model.x.items() if (var.varValue or 0.0) > 0.5}
        cycles = successor_cycles(successor)
        tour = cycles[0] if len(cycles) == 1 else _patch_cycles(cost, cycles)
        tour_cost = _tour_cost(cost, tour)
        if tour_cost < best_cost - _EPS:
            best_tour, best_cost = tour, tour_cost
        if len(cycles) == 1:
            proved = outcome.status == "optimal" and tour_cost <= best_cost + _EPS
            break
        if outcome.status != "optimal":
            break
        for cycle in cycles:
            model.add_sec(cycle)
    return ctx.output(_tsp_solution(instance, best_tour), proved, best_cost, last)


# -- CVRP and VRPTW --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Fleet:
    depot: int
    capacity: float
    limit: int | None
    counts: tuple[int | None, ...]


def _fleet(instance: RoutingInstance) -> _Fleet:
    types = instance.vehicle_types
    depot = types[0].start_depot
    if any(vt.start_depot != depot or vt.end_depot != depot for vt in types):
        raise ValueError("the ILP solver needs every vehicle to start and end at one depot")
    counts = tuple(vt.num_available for vt in types)
    limit = None if any(c is None for c in counts) else sum(c for c in counts if c is not None)
    return _Fleet(depot, types[0].capacity, limit, counts)


def _assign_types(routes: list[list[int]], fleet: _Fleet) -> Solution:
    """Hand routes to the (identical) vehicle types in order of their counts."""
    out = []
    k, used = 0, 0
    for route in routes:
        while (
            fleet.counts[k] is not None
            and used >= (fleet.counts[k] or 0)
            and k + 1 < len(fleet.counts)
        ):
            k, used = k + 1, 0
        out.append(Route(tuple(route), k))
        used += 1
    return Solution(tuple(out))


def _schedule_ok(instance: RoutingInstance, depot: int, route: list[int]) -> bool:
    """Whether a route keeps every time window (departing at the depot's opening time)."""
    windows = instance.time_windows
    if windows is None:
        return True
    tau, service = instance.duration, instance.service_times
    now = float(windows[depot, 0] + service[depot])
    previous = depot
    for node in route:
        now = max(now + float(tau[previous, node]), float(windows[node, 0]))
        if now > windows[node, 1] + _EPS:
            return False
        now += float(service[node])
        previous = node
    return now + float(tau[previous, depot]) <= windows[depot, 1] + _EPS


def _construct(instance: RoutingInstance, fleet: _Fleet, cost: FloatArray) -> list[list[int]]:
    """Nearest-neighbour routes that keep capacity and time windows (the fleet may overflow)."""
    left = set(int(c) for c in instance.customers)
    demand = instance.delivery
    routes: list[list[int]] = []
    while left:
        route: list[int] = []
        load = 0.0
        current = fleet.depot
        while True:
            options = sorted(left, key=lambda j: cost[current, j])
            chosen = None
            for j in options:
                if load + demand[j] <= fleet.capacity + _EPS and _schedule_ok(
                    instance, fleet.depot, [*route, j]
                ):
                    chosen = j
                    break
            if chosen is None:
                break
            route.append(chosen)
            load += float(demand[chosen])
            left.discard(chosen)
            current = chosen
        if not route:  # a customer no vehicle can serve alone
            return []
        routes.append(route)
    return routes


def _routing_arcs(instance: RoutingInstance, fleet: _Fleet) -> list[tuple[int, int]]:
    """Arcs some feasible route can use: pairs that fit together and keep their windows."""
    depot = fleet.depot
    nodes = [depot, *(int(c) for c in instance.customers)]
    demand = instance.delivery
    windows = instance.time_windows
    arcs = []
    for i in nodes:
        for j in nodes:
            if i == j or (i == depot and j == depot):
                continue
            if i != depot and j != depot and demand[i] + demand[j] > fleet.capacity + _EPS:
                continue
            if windows is not None:
                route = [j] if i == depot else [i] if j == depot else [i, j]
                if not _schedule_ok(instance, depot, route):
                    continue
            arcs.append((i, j))
    return arcs


def _solve_routing(ctx: _Context) -> SolverOutput:
    import pulp

    instance, cost = ctx.instance, ctx.cost
    fleet = _fleet(instance)
    depot = fleet.depot
    customers = [int(c) for c in instance.customers]
    if not customers:
        return ctx.output(Solution(()), True, 0.0, "trivial")
    demand = instance.delivery
    capacity = fleet.capacity
    has_tw = instance.time_windows is not None

    def need(shore: list[int]) -> int:
        if not math.isfinite(capacity):
            return 1
        return max(1, math.ceil(float(demand[shore].sum()) / capacity - 1e-9))

    construction = _construct(instance, fleet, cost)
    best_routes: list[list[int]] | None = None
    best_cost = math.inf
    if construction and (fleet.limit is None or len(construction) <= fleet.limit):
        best_routes = construction
        best_cost = _routes_cost(cost, depot, construction)

    def answer(proved: bool, last: str) -> SolverOutput:
        """The best routes so far (``proved`` optimal or not), ``last`` the last MILP's status."""
        if best_routes is None:
            return ctx.output(None, False, None, last)
        return ctx.output(_assign_types(best_routes, fleet), proved, best_cost, last)

    arcs = _routing_arcs(instance, fleet)
    prob = pulp.LpProblem("vrp", pulp.LpMinimize)
    try:
        x = _variables(ctx, prob, arcs)
        out_arcs: dict[int, list[tuple[int, int]]] = {i: [] for i in [depot, *customers]}
        in_arcs: dict[int, list[tuple[int, int]]] = {i: [] for i in [depot, *customers]}
        for a in arcs:
            out_arcs[a[0]].append(a)
            in_arcs[a[1]].append(a)
        prob += pulp.LpAffineExpression([(x[a], float(cost[a])) for a in arcs])
        for i in customers:
            ctx.check()
            prob += pulp.lpSum(x[a] for a in out_arcs[i]) == 1, f"out_{i}"
            prob += pulp.lpSum(x[a] for a in in_arcs[i]) == 1, f"in_{i}"
        leaving = pulp.lpSum(x[a] for a in out_arcs[depot])
        prob += leaving == pulp.lpSum(x[a] for a in in_arcs[depot]), "depot_balance"
        prob += leaving >= need(customers), "min_vehicles"
        if fleet.limit is not None:
            prob += leaving <= fleet.limit, "fleet"

        t: dict[int, pulp.LpVariable] = {}
        u: dict[int, pulp.LpVariable] = {}
        if has_tw:
            _add_time_constraints(instance, prob, x, arcs, depot, t)
            if math.isfinite(capacity):
                for i in customers:
                    u[i] = prob.add_variable(f"u_{i}", float(demand[i]), float(capacity))
                for i, j in arcs:
                    if i != depot and j != depot:
                        prob += u[j] >= u[i] + float(demand[j]) - capacity * (1 - x[i, j])
        ctx.check()
    except OutOfTime:  # the model was not built in time: the construction
        return answer(False, "not run")

    tails = np.array([a[0] for a in arcs], dtype=np.int64)
    heads = np.array([a[1] for a in arcs], dtype=np.int64)
    variables = [x[a] for a in arcs]

    def add_capacity_cut(shore: list[int], m: FloatArray) -> bool:
        """Add the rounded capacity cut of ``shore`` unless known, or kept by the arc values
        ``m`` (an ``n x n`` matrix)."""
        key = frozenset(shore)
        if key in ctx.cut_keys:
            return False
        rhs = need(shore)
        outside = np.ones(n, dtype=bool)
        outside[shore] = False
        if float(m[np.ix_(outside, ~outside)].sum()) >= rhs - 1e-4:
            return False
        inside_arc = ~outside[tails] & ~outside[heads]
        entering_arc = outside[tails] & ~outside[heads]
        ctx.cut_keys.add(key)
        if inside_arc.sum() < entering_arc.sum():
            terms = [(variables[k], 1.0) for k in np.flatnonzero(inside_arc)]
            cut = pulp.LpAffineExpression(terms) <= len(shore) - rhs
        else:
            terms = [(variables[k], 1.0) for k in np.flatnonzero(entering_arc)]
            cut = pulp.LpAffineExpression(terms) >= rhs
        prob.addConstraint(cut, f"cap_{ctx.cuts}")
        ctx.cuts += 1
        return True

    n = instance.num_nodes
    cust = np.array(customers)

    def values() -> dict[tuple[int, int], float]:
        return {a: var.varValue or 0.0 for a, var in x.items()}

    def matrix(v: dict[tuple[int, int], float]) -> FloatArray:
        m = np.zeros((n, n))
        for (i, j), value in v.items():
            m[i, j] = value
        return m

    # root LP phase: heuristic separation of rounded capacity cuts
    lp_deadline = ctx.start + _LP_SHARE * (ctx.deadline - ctx.start)
    while ctx.lp_rounds < _MAX_LP_ROUNDS and not expired(lp_deadline):
        outcome = ctx.solve_lp(prob, lp_deadline - time.perf_counter())
        if outcome.status != "optimal":
            break
        ctx.lp_rounds += 1
        ctx.raise_bound(outcome)
        m = matrix(values())
        sym = m + m.T
        candidates: list[list[int]] = []
        for threshold in (_EPS, 0.5):
            candidates += components(sym > threshold, cust)
        nodes = [depot, *customers]
        sub = sym[np.ix_(nodes, nodes)]
        for shore in light_phase_cuts(sub, 2 * len(customers), lp_deadline):
            members = [nodes[k] for k in shore]
            if depot in members:
                members = sorted(set(customers) - set(members))
            if members:
                candidates.append(members)
        added = sum(add_capacity_cut(s, m) for s in candidates if not expired(lp_deadline))
        if not added:
            break

    # MILP phase: exact separation on integer solutions
    proved = False
    last = "not run"
    while ctx.milp_time():
        if (
            best_routes is not None
            and ctx.bound is not None
            and ctx.backend.round_bound(ctx.bound) >= best_cost - _EPS
        ):
            proved = True
            break
        start = None
        if best_routes is not None:
            start = _routing_start(instance, depot, best_routes, x, t, u)
        outcome = ctx.backend.solve(prob, ctx.remaining(), start=start)
        ctx.milp_rounds += 1
        last = outcome.status
        ctx.raise_bound(outcome)
        if not outcome.has_solution:
            break
        m = matrix(values())
        used = m > 0.5
        pieces = components(used, cust)
        violated = [s for s in pieces if add_capacity_cut(s, m)]
        if not violated:
            routes = _extract_routes(used, depot)
            if routes is not None and all(_schedule_ok(instance, depot, r) for r in routes):
                route_cost = _routes_cost(cost, depot, routes)
                if route_cost < best_cost - _EPS or outcome.status == "optimal":
                    best_routes, best_cost = routes, route_cost
                proved = outcome.status == "optimal"
            break
        if outcome.status != "optimal":
            break
    return answer(proved, last)


def _add_time_constraints(
    instance: RoutingInstance,
    prob: pulp.LpProblem,
    x: dict[tuple[int, int], pulp.LpVariable],
    arcs: list[tuple[int, int]],
    depot: int,
    t: dict[int, pulp.LpVariable],
) -> None:
    """Service start variables in the windows, linked along arcs by big-M constraints."""
    windows = instance.time_windows
    assert windows is not None
    tau, service = instance.duration, instance.service_times
    open_at = float(windows[depot, 0] + service[depot])
    close_at = float(windows[depot, 1])
    for i in instance.customers:
        t[int(i)] = prob.add_variable(f"t_{i}", float(windows[i, 0]), float(windows[i, 1]))
    for i, j in arcs:
        if i == depot:
            earliest = open_at + float(tau[i, j])
            if earliest > windows[j, 0]:
                big = earliest - float(windows[j, 0])
                prob += t[j] >= earliest - big * (1 - x[i, j])
        elif j == depot:
            latest = close_at - float(service[i] + tau[i, j])
            if latest < windows[i, 1]:
                big = float(windows[i, 1]) - latest
                prob += t[i] <= latest + big * (1 - x[i, j])
        else:
            gap = float(service[i] + tau[i, j])
            big = max(0.0, float(windows[i, 1]) + gap - float(windows[j, 0]))
            prob += t[j] >= t[i] + gap - big * (1 - x[i, j])


def _routes_cost(cost: FloatArray, depot: int, routes: list[list[int]]) -> float:
    return float(sum(_tour_cost(cost, [depot, *r]) for r in routes))


def _extract_routes(used: np.ndarray, depot: int) -> list[list[int]] | None:
    """Routes read from an integer arc matrix, or ``None`` if some customer lies on a subtour."""
    routes = []
    for first in np.flatnonzero(used[depot]):
        route = [int(first)]
        while not used[route[-1], depot]:
            route.append(int(np.flatnonzero(used[route[-1]])[0]))
            if len(route) > used.shape[0]:
                return None
        routes.append(route)
    return routes


def _routing_start(
    instance: RoutingInstance,
    depot: int,
    routes: list[list[int]],
    x: dict[tuple[int, int], pulp.LpVariable],
    t: dict[int, pulp.LpVariable],
    u: dict[int, pulp.LpVariable],
) -> dict[Any, float] | None:
    """A MIP start for a set of routes: arcs, service start times and loads."""
    start: dict[Any, float] = {var: 0.0 for var in x.values()}
    windows = instance.time_windows
    for route in routes:
        path = [depot, *route, depot]
        for a in itertools.pairwise(path):
            if a not in x:
                return None
            start[x[a]] = 1.0
        now = 0.0 if windows is None else float(windows[depot, 0] + instance.service_times[depot])
        load = 0.0
        previous = depot
        for node in route:
            load += float(instance.delivery[node])
            if node in u:
                start[u[node]] = load
            if windows is not None:
                now = max(now + float(instance.duration[previous, node]), float(windows[node, 0]))
                start[t[node]] = now
                now += float(instance.service_times[node])
            previous = node
    return start
