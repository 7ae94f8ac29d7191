"""The route-check kernel agrees with the evaluator, route by route, on every variant."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from adapter_cases import COMBINATIONS, make_instance

from vrpsolve.routing.model import Evaluation, Route, RoutingInstance, Solution, evaluate
from vrpsolve.routing.solvers.route_check import RouteKernel

SINGLE_ROUTE_IRRELEVANT = {"missing_customer", "fleet_size"}
"""Violations that come from the other customers and routes, not from the route itself."""

CASES = [
    (combination, asymmetric)
    for combination in COMBINATIONS
    for asymmetric in (False, True)
    if not (asymmetric and COMBINATIONS[combination].get("asymmetric"))
]


def _instance(combination: str, asymmetric: bool, seed: int) -> RoutingInstance:
    options = {**COMBINATIONS[combination]}
    options["asymmetric"] = asymmetric or bool(options.get("asymmetric"))
    return make_instance(seed=seed, num_customers=10, **options)  # type: ignore[arg-type]


def _evaluator_verdict(
    instance: RoutingInstance, vehicle_type: int, visits: list[int]
) -> tuple[bool, Evaluation]:
    evaluation = evaluate(instance, Solution((Route(tuple(visits), vehicle_type),)))
    feasible = all(v.kind in SINGLE_ROUTE_IRRELEVANT for v in evaluation.violations)
    return feasible, evaluation


def _random_routes(
    instance: RoutingInstance, seed: int, count: int
) -> Iterator[tuple[int, list[int]]]:
    rng = np.random.default_rng(seed)
    for _ in range(count):
        vehicle_type = int(rng.integers(len(instance.vehicle_types)))
        size = int(rng.integers(1, 7))
        visits = [int(c) for c in rng.choice(instance.customers, size=size, replace=False)]
        yield vehicle_type, visits


@pytest.mark.parametrize(("combination", "asymmetric"), CASES)
def test_check_agrees_with_evaluator(combination: str, asymmetric: bool) -> None:
    """The exact check and the whole-route segment are feasible iff the evaluator says so."""
    agreed = feasible_seen = 0
    for seed in range(6):
        instance = _instance(combination, asymmetric, seed)
        kernel = RouteKernel(instance)
        for vehicle_type, visits in _random_routes(instance, seed, 40):
            expected, evaluation = _evaluator_verdict(instance, vehicle_type, visits)
            check = kernel.check(vehicle_type, visits)
            segment = kernel.close(vehicle_type, kernel.sequence(visits))
            assert check.feasible == expected, (visits, evaluation.violations)
            assert bool(kernel.feasible(vehicle_type, segment)) == expected
            assert check.cost == evaluation.cost
            assert float(kernel.cost(vehicle_type, segment)) == pytest.approx(evaluation.cost)
            if expected:
                stats = evaluation.routes[0]
                assert check.duration == stats.duration
                assert check.peak_load == stats.max_load
                assert float(segment.duration) == pytest.approx(stats.duration, abs=1e-6)
                feasible_seen += 1
            agreed += 1
    assert agreed == 240
    assert 0 < feasible_seen < agreed


@pytest.mark.parametrize(("combination", "asymmetric"), CASES)
def test_insertions_agree_with_exact_check(combination: str, asymmetric: bool) -> None:
    """Batched insertion checks give the exact verdict and cost change of the inserted route."""
    for seed in range(4):
        instance = _instance(combination, asymmetric, seed)
        kernel = RouteKernel(instance)
        rng = np.random.default_rng(100 + seed)
        for vehicle_type, visits in _random_routes(instance, seed, 15):
            others = np.setdiff1d(instance.customers, visits)
            customers = rng.choice(others, size=min(3, others.size), replace=False)
            data = kernel.route_data(vehicle_type, visits)
            feasible, delta, duration = kernel.insertions(data, customers)
            assert feasible.shape == delta.shape == (customers.size, len(visits) + 1)
            base_check = kernel.check(vehicle_type, visits)
            base = base_check.cost
            for row, customer in enumerate(customers):
                for position in range(len(visits) + 1):
                    inserted = [*visits[:position], int(customer), *visits[position:]]
                    exact = kernel.check(vehicle_type, inserted)
                    assert feasible[row, position] == exact.feasible, inserted
                    assert delta[row, position] == pytest.approx(exact.cost - base, abs=1e-9)
                    if exact.feasible and base_check.feasible:
                        increase = exact.duration - base_check.duration
                        assert duration[row, position] == pytest.approx(increase, abs=1e-6)


@pytest.mark.parametrize(("combination", "asymmetric"), CASES)
def test_merge_agrees_with_exact_check(combination: str, asymmetric: bool) -> None:
    """Joining two routes' customer segments (a savings merge) gives the exact verdict."""
    for seed in range(4):
        instance = _instance(combination, asymmetric, seed)
        kernel = RouteKernel(instance)
        rng = np.random.default_rng(200 + seed)
        for _ in range(30):
            order = [int(c) for c in rng.permutation(instance.customers)[: rng.integers(2, 8)]]
            cut = int(rng.integers(1, len(order)))
            joined = kernel.join(kernel.sequence(order[:cut]), kernel.sequence(order[cut:]))
            for vehicle_type in range(len(instance.vehicle_types)):
                route = kernel.close(vehicle_type, joined)
                exact = kernel.check(vehicle_type, order)
                assert bool(kernel.feasible(vehicle_type, route)) == exact.feasible
                assert float(kernel.cost(vehicle_type, route)) == pytest.approx(exact.cost)


def test_delayed_departure_shortens_duration() -> None:
    """A route whose first customer opens late leaves later, so waiting does not count."""
    instance = make_instance(seed=1, num_customers=6, time_windows=True, max_duration=True)
    kernel = RouteKernel(instance)
    assert instance.time_windows is not None
    customer = int(instance.customers[np.argmax(instance.time_windows[instance.customers, 0])])
    check = kernel.check(0, [customer])
    travel = instance.duration[0, customer] + instance.duration[customer, 0]
    assert check.duration == pytest.approx(travel + instance.service_times[customer])
    assert math.isclose(check.duration, evaluate(instance, _single(customer)).routes[0].duration)


def test_open_route_ends_at_sink() -> None:
    """An open route pays no return leg and is not held to the depot's closing time."""
    instance = make_instance(seed=2, num_customers=5, open_route=True)
    kernel = RouteKernel(instance)
    customer = int(instance.customers[0])
    assert kernel.ends[0] == kernel.sink
    assert kernel.check(0, [customer]).cost == instance.distance[0, customer]


def _single(customer: int) -> Solution:
    return Solution((Route((customer,), 0),))
