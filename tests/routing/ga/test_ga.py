"""The genetic algorithm: feasibility on every variant, optimality on tiny cases, its kernels."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from adapter_cases import (
    COMBINATIONS,
    PRODUCT,
    TINY_VARIANTS,
    make_instance,
    tiny_case,
    variant_label,
)

from vrpsolve.core.solver import Status
from vrpsolve.routing.ga.kernel import KernelData, evaluate_routes
from vrpsolve.routing.ga.search import local_search
from vrpsolve.routing.ga.solver import GeneticSearch, GeneticSolver
from vrpsolve.routing.ga.split import fit_fleet, piece_cost, split
from vrpsolve.routing.model import ATTRIBUTES, Route, RoutingInstance, Solution, evaluate
from vrpsolve.solve import solve


def _instance(seed: int, size: int, **options: object) -> RoutingInstance:
    return make_instance(seed=seed, num_customers=size, **options)  # type: ignore[arg-type]


def _assert_feasible(instance: RoutingInstance, time_limit: float) -> None:
    result = solve(instance, "ga", time_limit=time_limit, seed=1)
    assert result.feasible, [v.message for v in result.violations] or result.status
    assert result.stats["engine_cost"] == pytest.approx(result.cost)


@pytest.mark.parametrize("options", PRODUCT, ids=variant_label)
def test_every_attribute_product_feasible(options: dict[str, object]) -> None:
    """The GA is feasible on every open/backhaul/duration/TW/depot/asymmetry combination."""
    _assert_feasible(_instance(3, 15, **options), 0.15)


@pytest.mark.parametrize("combination", list(COMBINATIONS))
def test_adapter_combinations_feasible(combination: str) -> None:
    """The GA is feasible on the adapter combinations (fleet limits, mixed fleets, trunc1, ...)."""
    _assert_feasible(_instance(5, 20, **COMBINATIONS[combination]), 0.25)


@pytest.mark.parametrize("variant", list(TINY_VARIANTS))
def test_tiny_cases_optimal(variant: str) -> None:
    """The GA finds the enumerated optimum of the six-customer cases."""
    instance, optimum = tiny_case(variant)
    result = solve(instance, "ga", time_limit=0.3, seed=2)
    assert result.cost == pytest.approx(optimum, abs=1e-6)


def test_same_seed_same_result() -> None:
    """With an iteration budget the same seed gives the same routes."""
    instance = _instance(8, 25, **COMBINATIONS["everything_mixed"])
    runs = [solve(instance, "ga", time_limit=60.0, seed=5, max_iterations=40) for _ in range(2)]
    assert runs[0].solution == runs[1].solution
    assert runs[0].stats["iterations"] == 40


def test_too_small_fleet_gives_no_routes_and_the_reason() -> None:
    """A fleet that cannot carry the demand yields no routes (never infeasible ones), and the
    result says why no feasible solution exists."""
    base = _instance(6, 15)
    small = dataclasses.replace(base.vehicle_types[0], num_available=1)
    instance = dataclasses.replace(base, vehicle_types=(small,))
    result = solve(instance, "ga", time_limit=0.2)
    assert result.status is Status.INFEASIBLE and result.solution is None
    assert result.reason is not None and "fleet's total capacity" in result.reason


def test_binding_fleet_limit_respected() -> None:
    """A fleet just large enough for the demand is used without exceeding it."""
    base = _instance(6, 15)
    needed = int(-(-base.delivery.sum() // base.vehicle_types[0].capacity)) + 1
    limited = dataclasses.replace(base.vehicle_types[0], num_available=needed)
    instance = dataclasses.replace(base, vehicle_types=(limited,))
    result = solve(instance, "ga", time_limit=0.3)
    assert result.feasible
    assert len(result.solution.routes) <= needed  # type: ignore[union-attr]


def test_split_optimal_against_enumeration() -> None:
    """Split's penalised cost equals the best over every cut of the tour and every type choice."""
    instance = _instance(2, 7, heterogeneous=True, time_windows=True, depots=2)
    data = KernelData.build(instance)
    weights = np.array([3.0, 0.5, 1.0, 50.0])
    tour = np.random.default_rng(0).permutation(instance.customers).astype(np.int64)
    best = math.inf
    for cuts in itertools.product((False, True), repeat=len(tour) - 1):
        ends = [i + 1 for i, cut in enumerate(cuts) if cut] + [len(tour)]
        starts = [0, *ends[:-1]]
        pieces = list(zip(starts, ends, strict=True))
        total = sum(
            min(piece_cost(data, tour, a, b, k, weights) for k in range(data.num_types))
            for a, b in pieces
        )
        best = min(best, total)
    bounds, types, cost = split(data, tour, weights)
    assert cost == pytest.approx(best)
    rebuilt = sum(
        piece_cost(data, tour, int(bounds[r]), int(bounds[r + 1]), int(types[r]), weights)
        for r in range(len(types))
    )
    assert rebuilt == pytest.approx(best)


@pytest.mark.parametrize("combination", ["cvrp", "everything_classic", "everything_mixed"])
def test_local_search_never_worsens(combination: str) -> None:
    """The local search never raises the penalised cost and keeps every customer once."""
    instance = _instance(4, 30, **COMBINATIONS[combination])
    search = GeneticSearch(instance, seed=0)
    data, weights = search.data, search.weights
    rng = np.random.default_rng(1)
    for _ in range(5):
        giant = rng.permutation(search.customers)
        bounds, types, _ = split(data, giant, weights)
        bounds, types = fit_fleet(data, giant, bounds, types, search.available, weights)
        before = evaluate_routes(data, giant, bounds, types)
        tour, new_bounds, new_types, evaluations = local_search(
            data,
            giant,
            bounds,
            types,
            search._spare(types),
            search.neighbours,
            rng.permutation(search.customers),
            weights,
        )
        after = evaluate_routes(data, tour, new_bounds, new_types)
        assert evaluations > 0
        assert after[0] + weights @ after[1:] <= before[0] + weights @ before[1:] + 1e-6
        assert sorted(tour) == sorted(search.customers)
        assert (np.bincount(new_types, minlength=len(search.available)) <= search.available).all()


@pytest.mark.parametrize("combination", ["everything_classic", "everything_mixed", "open"])
def test_kernel_agrees_with_evaluator(combination: str) -> None:
    """The compiled kernel's cost and feasibility match the evaluator on random route sets."""
    instance = _instance(9, 12, **COMBINATIONS[combination])
    data = KernelData.build(instance)
    rng = np.random.default_rng(3)
    for _ in range(30):
        tour = rng.permutation(instance.customers).astype(np.int64)
        cuts = np.sort(rng.choice(np.arange(1, len(tour)), size=3, replace=False))
        bounds = np.concatenate(([0], cuts, [len(tour)])).astype(np.int64)
        types = rng.integers(0, data.num_types, size=len(bounds) - 1).astype(np.int64)
        values = evaluate_routes(data, tour, bounds, types)
        routes = tuple(
            Route(tuple(tour[bounds[r] : bounds[r + 1]]), int(types[r])) for r in range(len(types))
        )
        evaluation = evaluate(instance, Solution(routes))
        route_violations = [v for v in evaluation.violations if v.kind != "fleet_size"]
        assert values[0] == pytest.approx(evaluation.cost)
        assert (not values[1:].any()) == (not route_violations)


def test_stats_and_attributes() -> None:
    """Stats report the iterations, speed and warm-up; every attribute is declared."""
    result = solve(_instance(1, 20), "ga", time_limit=0.3, seed=1)
    for key in ("generations", "compile_time", "ls_evaluations_per_second", "feasible_share"):
        assert key in result.stats
    assert GeneticSolver.supported_attributes == ATTRIBUTES
