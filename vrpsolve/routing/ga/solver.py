"""A hybrid genetic search of our own for the whole routing family.

Modelling choices:

- **Chromosome**: a giant tour of the customers. :func:`~vrpsolve.routing.ga.split.split` cuts
  it optimally into routes (Bellman over the tour), choosing a vehicle type (hence depots, open
  or closed end, limits, fixed cost) per route; over-used fleet types are repaired
  (:func:`~vrpsolve.routing.ga.split.fit_fleet`). The local search keeps one slot per route plus
  up to two empty slots per type with vehicles to spare, so fleet limits are never exceeded.
- **Penalised cost** (:mod:`~vrpsolve.routing.ga.kernel`): length plus fixed costs plus weighted
  load excess (mixed-backhaul peak load), time warp plus duration excess, length excess and a flat
  charge per route breaking classic backhaul order. The segment arithmetic is the route kernel's
  (:mod:`~vrpsolve.routing.solvers.route_check`) compiled with numba; asymmetric matrices and open
  routes (a free sink instead of the end depot) need nothing special.
- **Education** (:mod:`~vrpsolve.routing.ga.search`): relocate (1 and 2 nodes, plain and
  reversed), swap (1-1, 2-1, 2-2), 2-opt inside a route and 2-opt* between routes, over the
  ``granularity`` nearest customers by a distance-plus-time-window proximity. Infeasible
  offspring are repaired with half probability by a second search with ten-fold weights.
- **Penalty weights** adapt every 100 iterations towards 20% of educated offspring meeting each
  constraint (times 1.2 below 15%, times 0.85 above 25%).
- **Population** (:mod:`~vrpsolve.routing.ga.population`): feasible and infeasible
  subpopulations, broken-pairs diversity, biased fitness, binary tournaments and ordered
  crossover; a restart (keeping the best solution) after ``restart_after`` iterations without
  improvement.
- **Time**: compiled code is cached on disk (``cache=True``, in vrpsolve's per-user folder:
  :mod:`vrpsolve.core.cache`) and warmed up on a tiny instance once per process in
  :meth:`GeneticSolver.prepare`, before the clock starts (``vrpsolve warmup`` fills the cache
  ahead of the first solve); ``stats["compile_time"]`` reports that warm-up, and the time limit
  covers the whole run after it. ``max_iterations`` bounds the iterations instead
  (same seed, same result). A stop request (:mod:`vrpsolve.core.stop`) ends the search between
  two offspring, never inside compiled code.
- The returned solution is the best one the kernel judged feasible that
  :func:`vrpsolve.evaluate` accepts as well; no solution when there is none.
"""

from __future__ import annotations

import functools
import math
import time
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from vrpsolve.core.options import SolverOption, check_options
from vrpsolve.core.solver import Solver, SolverOutput
from vrpsolve.core.stop import expired
from vrpsolve.routing.model import (
    ATTRIBUTES,
    Route,
    RoutingInstance,
    Solution,
    VehicleType,
    evaluate,
)
from vrpsolve.routing.solvers.heuristics import ConstructiveSolver, InsertionSolver, SavingsSolver

if TYPE_CHECKING:  # the numba kernels are imported when the search runs
    from vrpsolve.routing.ga.kernel import FloatArray, IntArray
    from vrpsolve.routing.ga.population import Individual

TARGET_FEASIBLE = 0.2
"""Share of educated offspring meeting a constraint that the penalty weights aim at."""

ADAPT_EVERY = 50
"""Educated offspring between two penalty-weight updates."""

GRANULARITY = 20
"""Default neighbours per customer in the local search (the ``granularity`` option)."""

RESTART_AFTER = 10_000
"""Default iterations without a new best before a restart (the ``restart_after`` option)."""

SEED_HEURISTICS: tuple[tuple[type[ConstructiveSolver], int], ...] = (
    (SavingsSolver, 100_000),
    (InsertionSolver, 300),
)
"""Constructive heuristics seeding the first population, each up to a number of customers."""


def granular_neighbours(instance: RoutingInstance, size: int) -> IntArray:
    """The ``size`` closest customers of each customer (rows indexed by node; ``-1`` pads).

    Closeness of ``v`` before ``u`` is the distance plus 0.2 times the waiting and once the time
    warp that serving ``v`` as early as possible and then ``u`` would cause; the smaller of both
    directions counts.
    """
    n = instance.num_nodes
    customers = instance.customers
    cost = instance.distance.copy()
    if instance.time_windows is not None:
        early, late = instance.time_windows[:, 0], instance.time_windows[:, 1]
        arrive = early[:, None] + instance.service_times[:, None] + instance.duration
        wait = np.maximum(early[None, :] - arrive, 0.0)
        warp = np.maximum(arrive - late[None, :], 0.0)
        cost = cost + 0.2 * wait + warp
    proximity = np.minimum(cost, cost.T)
    out = np.full((n + 1, max(0, min(size, len(customers) - 1))), -1, dtype=np.int64)
    if out.shape[1] == 0:
        return out
    sub = proximity[np.ix_(customers, customers)].copy()
    np.fill_diagonal(sub, np.inf)
    order = np.argsort(sub, axis=1, kind="stable")[:, : out.shape[1]]
    out[customers] = customers[order]
    return out


class GeneticSearch:
    """One run of the genetic algorithm on one instance.

    Parameters
    ----------
    instance
        The instance to solve (at least one customer).
    seed
        Seeds every random choice.
    granularity
        Neighbours per customer in the local search.
    restart_after
        Iterations without a new best before the population restarts.
    """

    def __init__(
        self,
        instance: RoutingInstance,
        seed: int,
        granularity: int = GRANULARITY,
        restart_after: int = RESTART_AFTER,
    ) -> None:
        from vrpsolve.routing.ga.kernel import KernelData
        from vrpsolve.routing.ga.population import Population

        self.instance = instance
        self.data = KernelData.build(instance)
        self.rng = np.random.default_rng(seed)
        self.customers = instance.customers.astype(np.int64)
        self.neighbours = granular_neighbours(instance, granularity)
        self.available = np.array(
            [instance.fleet_size(k) for k in range(self.data.num_types)], dtype=np.int64
        )
        self.restart_after = restart_after
        self.weights = self._initial_weights()
        self.population = Population()
        self.best: Individual | None = None
        self.history: list[FloatArray] = []
        self.start = time.perf_counter()
        self.improved_at = 0
        self.stats: dict[str, Any] = {
            "iterations": 0,
            "restarts": 0,
            "ls_evaluations": 0,
            "ls_time": 0.0,
            "split_time": 0.0,
            "splits": 0,
            "feasible_offspring": 0,
            "trajectory": [],
        }

    def _initial_weights(self) -> FloatArray:
        """Load: longest arc over largest demand; time and length: 1; order: longest arc."""
        longest = float(self.data.distance.max()) / self.data.unit
        demand = float(max(self.instance.delivery.max(), self.instance.pickup.max(), 1.0))
        return np.array([min(1000.0, max(0.1, longest / demand)), 1.0, 1.0, max(1.0, longest)])

    # -- education -----------------------------------------------------------------------------
    def _spare(self, types: IntArray) -> IntArray:
        counts = np.bincount(types, minlength=len(self.available))
        spare = np.minimum(self.available - counts, 2)
        return np.repeat(np.arange(len(spare)), np.maximum(spare, 0)).astype(np.int64)

    def _search(
        self, tour: IntArray, bounds: IntArray, types: IntArray, weights: FloatArray
    ) -> Individual:
        from vrpsolve.routing.ga.kernel import evaluate_routes
        from vrpsolve.routing.ga.population import Individual
        from vrpsolve.routing.ga.search import local_search

        order = self.rng.permutation(self.customers)
        begin = time.perf_counter()
        tour, bounds, types, evaluations = local_search(
            self.data, tour, bounds, types, self._spare(types), self.neighbours, order, weights
        )
        self.stats["ls_time"] += time.perf_counter() - begin
        self.stats["ls_evaluations"] += evaluations
        values = evaluate_routes(self.data, tour, bounds, types)
        return Individual(tour, bounds, types, float(values[0]), values[1:].copy())

    def educate(self, giant: IntArray) -> Individual:
        """Split a giant tour, fit the fleet, improve by local search, repair sometimes."""
        from vrpsolve.routing.ga.split import fit_fleet, split

        begin = time.perf_counter()
        bounds, types, _ = split(self.data, giant, self.weights)
        bounds, types = fit_fleet(self.data, giant, bounds, types, self.available, self.weights)
        self.stats["split_time"] += time.perf_counter() - begin
        self.stats["splits"] += 1
        individual = self._search(giant, bounds, types, self.weights)
        self.history.append(individual.excess == 0)
        if len(self.history) >= ADAPT_EVERY:
            self._adapt_penalties()
        self._record(individual)
        if not individual.feasible and self.rng.random() < 0.5:
            repaired = self._search(
                individual.tour, individual.bounds, individual.types, 10.0 * self.weights
            )
            if repaired.feasible:
                self._record(repaired)
                self.population.add(repaired, self.weights)
        return individual

    def _record(self, individual: Individual) -> None:
        if individual.feasible:
            self.stats["feasible_offspring"] += 1
            if self.best is None or individual.cost < self.best.cost - 1e-9:
                self.best = individual
                self.improved_at = self.stats["iterations"]
                self.stats["trajectory"].append(
                    (round(time.perf_counter() - self.start, 3), individual.cost)
                )

    def _adapt_penalties(self) -> None:
        if not self.history:
            return
        share = np.mean(np.array(self.history), axis=0)
        low = share < TARGET_FEASIBLE - 0.05
        high = share > TARGET_FEASIBLE + 0.05
        self.weights = np.where(low, self.weights * 1.2, self.weights)
        self.weights = np.where(high, self.weights * 0.85, self.weights)
        self.weights = np.clip(self.weights, 0.1, 1e6)
        self.history.clear()
        self.population.reweigh()

    # -- main loop -----------------------------------------------------------------------------
    def _seed(self, deadline: float, seed: int) -> None:
        """Add the constructive heuristics' solutions and their educated versions."""
        from vrpsolve.routing.ga.kernel import evaluate_routes
        from vrpsolve.routing.ga.population import Individual

        for cls, max_customers in SEED_HEURISTICS:
            remaining = deadline - time.perf_counter()
            if expired(deadline) or len(self.customers) > max_customers:
                continue
            solution = cls().run(self.instance, time_limit=remaining, seed=seed).solution
            if not isinstance(solution, Solution):
                continue
            tour = np.array([c for r in solution.routes for c in r.visits], dtype=np.int64)
            sizes = [len(r.visits) for r in solution.routes]
            bounds = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
            types = np.array([r.vehicle_type for r in solution.routes], dtype=np.int64)
            values = evaluate_routes(self.data, tour, bounds, types)
            built = Individual(tour, bounds, types, float(values[0]), values[1:].copy())
            self._record(built)
            self.population.add(built, self.weights)
            educated = self._search(tour, bounds, types, self.weights)
            self._record(educated)
            self.population.add(educated, self.weights)

    def _initialise(self, deadline: float, size: int) -> None:
        for _ in range(size):
            if expired(deadline):
                return
            self.population.add(self.educate(self.rng.permutation(self.customers)), self.weights)

    def run(
        self, time_limit: float, max_iterations: int | None, seed: int = 0
    ) -> Individual | None:
        """Evolve until the time limit, the iteration budget or a stop request; the best feasible
        individual."""
        from vrpsolve.routing.ga.population import ordered_crossover

        self.start = time.perf_counter()
        deadline = self.start + time_limit
        self.improved_at = 0
        mu = self.population.feasible.mu
        self._seed(deadline, seed)
        self._initialise(deadline, 4 * mu)
        num_nodes = self.data.distance.shape[0]
        while not expired(deadline):
            iteration = self.stats["iterations"]
            if max_iterations is not None and iteration >= max_iterations:
                break
            first = self.population.select(self.rng, self.weights)
            second = self.population.select(self.rng, self.weights)
            child = ordered_crossover(first.tour, second.tour, self.rng, num_nodes)
            self.population.add(self.educate(child), self.weights)
            self.stats["iterations"] = iteration + 1
            if iteration + 1 - self.improved_at > self.restart_after:
                self.population.clear()
                self.stats["restarts"] += 1
                self.improved_at = iteration + 1
                self._initialise(deadline, 4 * mu)
        return self.best


@functools.cache
def warm_up() -> float:
    """Compile (or load from the disk cache) every kernel on a tiny instance; seconds taken."""
    begin = time.perf_counter()
    rng = np.random.default_rng(0)
    coords = rng.uniform(0, 10, size=(6, 2))
    instance = RoutingInstance(
        name="warm-up",
        distance=np.linalg.norm(coords[:, None] - coords[None], axis=-1),
        delivery=np.array([0, 1, 2, 1, 2, 1.0]),
        vehicle_types=(VehicleType(capacity=3.0, num_available=4),),
    )
    GeneticSearch(instance, seed=0).run(time_limit=60.0, max_iterations=3)
    return time.perf_counter() - begin


class GeneticSolver(Solver):
    """Hybrid genetic search: giant-tour split, ordered crossover, numba local search."""

    name: ClassVar[str] = "ga"
    summary: ClassVar[str] = "Genetic algorithm of our own (split, OX, granular local search)"
    supported_attributes: ClassVar[frozenset[str]] = ATTRIBUTES
    default_time_limit: ClassVar[float] = 10.0
    requires: ClassVar[tuple[str, ...]] = ("numba",)
    options = (
        SolverOption(
            "max_iterations",
            int,
            None,
            "stop after this many offspring (default: no bound, the time limit stops)",
            minimum=0,
        ),
        SolverOption(
            "granularity",
            int,
            GRANULARITY,
            "nearest neighbours per customer in the local search",
            minimum=1,
        ),
        SolverOption(
            "restart_after",
            int,
            RESTART_AFTER,
            "restart (keeping the best) after this many iterations without improvement",
            minimum=1,
        ),
    )

    def prepare(self, **options: Any) -> None:
        """Compile (or load from the cache) the numba kernels, outside the timed run."""
        warm_up()

    def run(
        self, instance: RoutingInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Evolve for ``time_limit`` seconds; options as declared. Compiles the kernels first
        unless :meth:`prepare` did (``vrpsolve.solve`` calls it before the clock)."""
        options = check_options(self, options)
        compile_time = warm_up()
        if instance.num_customers == 0:
            return SolverOutput(Solution(()), stats={"compile_time": compile_time})
        search = GeneticSearch(
            instance,
            seed,
            granularity=options["granularity"],
            restart_after=options["restart_after"],
        )
        search.run(time_limit, options["max_iterations"], seed)
        stats = dict(search.stats)
        stats["compile_time"] = compile_time
        stats["generations"] = stats["iterations"]
        stats["ls_evaluations_per_second"] = stats["ls_evaluations"] / max(stats["ls_time"], 1e-9)
        stats["split_time_mean"] = stats["split_time"] / max(stats["splits"], 1)
        stats["feasible_share"] = stats["feasible_offspring"] / max(stats["splits"], 1)
        stats["penalty_weights"] = [float(w) for w in search.weights]
        solution = self._best_checked(instance, search)
        stats["engine_cost"] = math.inf if solution is None else evaluate(instance, solution).cost
        return SolverOutput(solution, stats=stats)

    @staticmethod
    def _best_checked(instance: RoutingInstance, search: GeneticSearch) -> Solution | None:
        """The cheapest feasible individual that the evaluator accepts too."""
        candidates = list(search.population.feasible.members)
        if search.best is not None:
            candidates.append(search.best)
        for individual in sorted(candidates, key=lambda ind: ind.cost):
            solution = Solution(tuple(Route(tuple(v), k) for k, v in individual.routes()))
            if evaluate(instance, solution).feasible:
                return solution
        return None
