"""The exact ILP solver: proven optima on benchmark files, small VRPTW, limits and backends."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from adapter_cases import brute_force_optimum, make_instance

from vrpsolve.catalog import best_known, instances_dir
from vrpsolve.core.errors import UnsupportedInstanceError
from vrpsolve.core.solver import Status
from vrpsolve.milp import light_phase_cuts, successor_cycles
from vrpsolve.routing.io import read_instance
from vrpsolve.routing.model import RoutingInstance, VehicleType, evaluate
from vrpsolve.routing.solvers.ilp import ILPSolver, _patch_cycles
from vrpsolve.solve import solve


def _read(name: str) -> RoutingInstance:
    folder = "atsp" if name[0] in "bfkpr" and not name.startswith("P-") else "cvrp"
    suffix = ".atsp" if folder == "atsp" else ".vrp"
    return read_instance(instances_dir() / folder / f"{name}{suffix}")


@pytest.mark.parametrize("name", ["br17", "ftv33", "E-n13-k4", "P-n16-k8"])
def test_proves_known_optimum(name: str) -> None:
    """On small benchmark files the ILP proves the known optimum."""
    instance = _read(name)
    result = solve(instance, "ilp", time_limit=60)
    assert result.status is Status.OPTIMAL
    assert result.cost == best_known(name).value
    assert result.lower_bound == result.cost
    assert result.stats["final_gap"] == 0.0


@pytest.mark.parametrize(
    "options",
    [
        {"time_windows": True},
        {"time_windows": True, "asymmetric": True, "convention": "trunc1"},
        {"asymmetric": True, "fleet_limit": True},
    ],
)
def test_small_instances_match_enumeration(options: dict[str, object]) -> None:
    """On six customers (VRPTW, asymmetric, fleet limit) the proven optimum equals enumeration."""
    instance = make_instance(seed=7, num_customers=6, **options)  # type: ignore[arg-type]
    result = solve(instance, "ilp", time_limit=30)
    assert result.status is Status.OPTIMAL
    assert result.cost == pytest.approx(brute_force_optimum(instance), abs=1e-6)


def test_vrptw_not_worse_than_pyvrp() -> None:
    """On a 12-customer VRPTW the proven ILP optimum is no worse than PyVRP's best solution."""
    instance = make_instance(seed=11, num_customers=12, time_windows=True, convention="trunc1")
    exact = solve(instance, "ilp", time_limit=30)
    heuristic = solve(instance, "pyvrp", time_limit=1, seed=1)
    assert exact.status is Status.OPTIMAL
    assert heuristic.feasible
    assert exact.cost <= heuristic.cost + 1e-9
    assert exact.lower_bound is not None and exact.lower_bound <= heuristic.cost + 1e-9


def test_binding_fleet_limit() -> None:
    """A fleet limit that binds is respected, and the optimum matches enumeration."""
    base = make_instance(seed=5, num_customers=6, convention="trunc1")
    unlimited = solve(base, "ilp", time_limit=30)
    assert unlimited.solution is not None
    fewer = len(unlimited.solution.routes) - 1
    limited_type = dataclasses.replace(base.vehicle_types[0], capacity=60.0, num_available=fewer)
    instance = dataclasses.replace(base, vehicle_types=(limited_type,))
    result = solve(instance, "ilp", time_limit=30)
    assert result.status is Status.OPTIMAL
    assert result.solution is not None and len(result.solution.routes) <= fewer
    assert result.cost == pytest.approx(brute_force_optimum(instance), abs=1e-6)


def test_time_limit_gives_bound_and_no_proof() -> None:
    """Stopped by a tiny limit, it returns a feasible tour or none, with a bound below the BKS."""
    instance = _read("ftv170")
    bks = best_known("ftv170").value
    result = solve(instance, "ilp", time_limit=0.3)
    assert result.status in (Status.FEASIBLE, Status.NO_SOLUTION)
    assert result.runtime < 10
    if result.status is Status.FEASIBLE:
        assert result.cost >= bks
    assert result.lower_bound is None or result.lower_bound <= bks


@pytest.mark.parametrize("name", ["br17", "E-n13-k4"])
def test_cbc_backend_same_optimum(name: str) -> None:
    """The CBC backend proves the same optimum as HiGHS."""
    result = solve(_read(name), "ilp", time_limit=60, backend="cbc")
    assert result.status is Status.OPTIMAL
    assert result.stats["backend"] == "cbc"
    assert result.cost == best_known(name).value


@pytest.mark.parametrize(
    "options",
    [{"open_route": True}, {"backhaul": "mixed"}, {"depots": 2}, {"max_duration": True}],
)
def test_refuses_unsupported_attributes(options: dict[str, object]) -> None:
    """Open routes, backhaul, several depots and route limits are refused."""
    instance = make_instance(seed=1, num_customers=5, **options)  # type: ignore[arg-type]
    assert ILPSolver().unsupported(instance)
    with pytest.raises(UnsupportedInstanceError):
        solve(instance, "ilp", time_limit=1)


def test_unknown_backend_rejected() -> None:
    """An unknown backend name is an error."""
    with pytest.raises(ValueError, match="backend"):
        solve(_read("br17"), "ilp", time_limit=1, backend="gurobi")


def test_patching_gives_one_tour() -> None:
    """Patching several cycles yields one tour through every node."""
    rng = np.random.default_rng(0)
    cost = rng.uniform(1, 10, size=(9, 9))
    tour = _patch_cycles(cost, [[0, 1, 2], [3, 4], [5, 6, 7, 8]])
    assert sorted(tour) == list(range(9))
    assert len(successor_cycles(dict(itertools.pairwise([*tour, tour[0]])))) == 1


def test_phase_cuts_find_the_light_cut() -> None:
    """Stoer-Wagner phase cuts include the unique light cut between two dense clusters."""
    weight = np.zeros((6, 6))
    for group in ([0, 1, 2], [3, 4, 5]):
        for i, j in itertools.combinations(group, 2):
            weight[i, j] = weight[j, i] = 1.0
    weight[2, 3] = weight[3, 2] = 0.5
    shores = light_phase_cuts(weight, 1.0)
    assert any(sorted(s) in ([0, 1, 2], [3, 4, 5]) for s in shores)


def test_tsp_with_two_customers() -> None:
    """A TSP with two customers is solved directly, with the cheaper direction."""
    distance = np.array([[0, 1, 5], [5, 0, 1], [1, 5, 0]], dtype=float)
    instance = RoutingInstance("tiny", distance, vehicle_types=(VehicleType(num_available=1),))
    result = solve(instance, "ilp", time_limit=5)
    assert result.status is Status.OPTIMAL
    assert result.solution is not None
    assert evaluate(instance, result.solution).cost == 3.0
