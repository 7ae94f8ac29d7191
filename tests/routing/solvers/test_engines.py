"""The contract every engine adapter keeps, checked for PyVRP and OR-Tools alike."""

from __future__ import annotations

import numpy as np
import pytest
from adapter_cases import (
    COMBINATIONS,
    TINY_VARIANTS,
    check_solved,
    linehaul_first,
    make_instance,
    tiny_case,
)

from vrpsolve.core.errors import UnsupportedInstanceError
from vrpsolve.core.registry import get_solver
from vrpsolve.core.solver import Status
from vrpsolve.routing.model import RoutingInstance, VehicleType
from vrpsolve.solve import solve

ENGINES = ("pyvrp", "ortools")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("combination", list(COMBINATIONS))
def test_every_combination_feasible_or_refused(engine: str, combination: str) -> None:
    """A supported combination gets a feasible solution at the engine's own cost; an unsupported
    one is refused with a message naming the solvers that model it."""
    instance = make_instance(seed=3, **COMBINATIONS[combination])  # type: ignore[arg-type]
    missing = get_solver(engine).unsupported(instance)
    if not missing:
        check_solved(instance, engine)
        return
    with pytest.raises(UnsupportedInstanceError, match=r"solvers that can: .*pyvrp"):
        solve(instance, engine, time_limit=0.5)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("variant", list(TINY_VARIANTS))
def test_tiny_instance_optimal(engine: str, variant: str) -> None:
    """On six customers the engine finds the optimum found by enumeration."""
    instance, optimum = tiny_case(variant)
    result = check_solved(instance, engine, time_limit=1.0)
    assert result.cost == pytest.approx(optimum, abs=1e-9)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", [4, 5])
def test_classic_backhaul_linehaul_first(engine: str, seed: int) -> None:
    """Classic backhaul routes visit every linehaul customer before any backhaul customer."""
    instance = make_instance(seed=seed, num_customers=15, backhaul="classic", open_route=True)
    result = check_solved(instance, engine)
    assert result.solution is not None
    assert all(linehaul_first(instance, route.visits) for route in result.solution.routes)


@pytest.mark.parametrize("engine", ENGINES)
def test_infeasible_instance_gives_no_solution_and_the_reason(engine: str) -> None:
    """An instance without a feasible solution yields no routes, not an exception, and the
    status says it is infeasible, naming the unreachable customer."""
    windows = np.array([[0.0, 10.0], [0.0, 1.0], [0.0, 1.0]])
    distance = np.array([[0.0, 5.0, 5.0], [5.0, 0.0, 1.0], [5.0, 1.0, 0.0]])
    instance = RoutingInstance(name="late", distance=distance, time_windows=windows)
    result = solve(instance, engine, time_limit=0.2)
    assert result.status is Status.INFEASIBLE and result.solution is None
    assert result.reason is not None and "cannot be reached" in result.reason


@pytest.mark.parametrize("engine", ENGINES)
def test_tsp_single_route(engine: str) -> None:
    """An asymmetric TSP is solved as one route."""
    rng = np.random.default_rng(2)
    distance = rng.integers(1, 100, size=(10, 10)).astype(float)
    np.fill_diagonal(distance, 0)
    instance = RoutingInstance(
        name="atsp",
        distance=distance,
        vehicle_types=(VehicleType(num_available=1),),
        cost_convention="explicit",  # type: ignore[arg-type]
    )
    assert instance.variant == "ATSP"
    result = check_solved(instance, engine)
    assert result.solution is not None and len(result.solution.routes) == 1
