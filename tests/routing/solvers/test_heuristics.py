"""The constructive heuristics on generated instances of every variant and on bundled files."""

from __future__ import annotations

import dataclasses

import pytest
from adapter_cases import COMBINATIONS, PRODUCT, make_instance, variant_label

from vrpsolve.core.solver import Status
from vrpsolve.routing.io import read_instance
from vrpsolve.routing.model import ATTRIBUTES, RoutingInstance
from vrpsolve.routing.solvers.heuristics import (
    InsertionSolver,
    NearestNeighbourSolver,
    SavingsSolver,
)
from vrpsolve.solve import solve

SOLVERS = ("nearest-neighbour", "savings", "insertion")

FILES = (
    "instances/cvrp/X-n101-k25.vrp",
    "instances/vrptw/R101.txt",
    "instances/vrptw/C101.txt",
    "instances/real/ORTEC-VRPTW-ASYM-cc05bba4-d1-n200-k15.txt",
    "instances/atsp/ftv33.atsp",
)


def _assert_feasible(instance: RoutingInstance, solver: str, seed: int = 1) -> None:
    result = solve(instance, solver, seed=seed)
    assert result.feasible, [v.message for v in result.violations] or result.status
    assert result.stats["routes"] == len(result.solution.routes)  # type: ignore[union-attr]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("options", PRODUCT, ids=variant_label)
def test_every_attribute_product_feasible(solver: str, options: dict[str, object]) -> None:
    """Each heuristic is feasible on every open/backhaul/duration/TW/depot/asymmetry combination."""
    for seed in (3, 4):
        instance = make_instance(seed=seed, num_customers=15, **options)  # type: ignore[arg-type]
        _assert_feasible(instance, solver, seed)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("combination", list(COMBINATIONS))
def test_adapter_combinations_feasible(solver: str, combination: str) -> None:
    """Each heuristic is feasible on the adapter combinations (fleet limits, mixed fleets, ...)."""
    for seed in (3, 5):
        instance = make_instance(seed=seed, num_customers=20, **COMBINATIONS[combination])  # type: ignore[arg-type]
        _assert_feasible(instance, solver, seed)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("path", FILES, ids=lambda path: path.rsplit("/", 1)[-1])
def test_bundled_files_feasible(solver: str, path: str) -> None:
    """Each heuristic is feasible on bundled CVRP, VRPTW, fleet-limited ORTEC and ATSP files."""
    _assert_feasible(read_instance(path), solver)


@pytest.mark.parametrize("solver", SOLVERS)
def test_deterministic_for_a_seed(solver: str) -> None:
    """The same seed gives the same routes."""
    instance = make_instance(seed=8, num_customers=25, **COMBINATIONS["everything_mixed"])  # type: ignore[arg-type]
    first = solve(instance, solver, seed=5).solution
    assert first == solve(instance, solver, seed=5).solution


@pytest.mark.parametrize("solver", SOLVERS)
def test_too_small_fleet_is_infeasible_with_the_reason(solver: str) -> None:
    """A fleet that cannot carry the demand: no routes, status infeasible, and the reason."""
    base = make_instance(seed=6, num_customers=15)
    small = dataclasses.replace(base.vehicle_types[0], num_available=1)
    instance = dataclasses.replace(base, vehicle_types=(small,))
    result = solve(instance, solver)
    assert result.status is Status.INFEASIBLE and result.solution is None
    assert result.reason is not None and "exceeds the fleet's total capacity" in result.reason


@pytest.mark.parametrize("solver", SOLVERS)
def test_binding_fleet_limit_respected(solver: str) -> None:
    """A fleet just large enough for the demand is used without exceeding it."""
    base = make_instance(seed=6, num_customers=15)
    needed = int(-(-base.delivery.sum() // base.vehicle_types[0].capacity)) + 1
    limited = dataclasses.replace(base.vehicle_types[0], num_available=needed)
    instance = dataclasses.replace(base, vehicle_types=(limited,))
    result = solve(instance, solver)
    assert result.feasible
    assert len(result.solution.routes) <= needed  # type: ignore[union-attr]


@pytest.mark.parametrize("solver", SOLVERS)
def test_thousand_customers_fast(solver: str) -> None:
    """A 1000-customer CVRP is built well within seconds, with routes and time in the stats."""
    result = solve(read_instance("instances/cvrp/X-n1001-k43.vrp"), solver)
    assert result.feasible
    assert result.stats["construction_time"] < 10.0


def test_every_attribute_declared() -> None:
    """The heuristics declare every attribute an instance can have."""
    for cls in (NearestNeighbourSolver, SavingsSolver, InsertionSolver):
        assert cls.supported_attributes == ATTRIBUTES
