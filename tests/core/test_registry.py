"""The solver registry: listing, capability checks and the ``auto`` rule."""

from __future__ import annotations

import pytest
from adapter_cases import make_instance

from vrpsolve.core import registry
from vrpsolve.core.registry import (
    UnknownSolverError,
    UnsupportedInstanceError,
    choose_auto,
    list_solvers,
    resolve,
)
from vrpsolve.routing.io import read_instance


def bundled(path: str):
    """A bundled instance file."""
    return read_instance(f"instances/{path}")


def test_every_registered_solver_is_available_and_documented():
    """Every registered solver imports and states a summary and what it models."""
    for info in list_solvers():
        assert info.available, info.reason
        assert info.summary and info.supported_attributes


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("atsp/br17.atsp", "ilp"),
        ("tsp/kroA100.tsp", "ilp"),
        ("cvrp/E-n13-k4.vrp", "ilp"),
        ("cvrp/P-n16-k8.vrp", "ilp"),
        ("tsp/a280.tsp", "pyvrp"),
        ("cvrp/A-n32-k5.vrp", "pyvrp"),
        ("vrptw/R101.txt", "pyvrp"),
        ("real/ORTEC-VRPTW-ASYM-cc05bba4-d1-n200-k15.txt", "pyvrp"),
    ],
)
def test_auto_is_exact_when_small_else_strongest_engine(path, expected):
    """auto proves small instances with the ILP and gives larger ones to the strongest engine."""
    assert choose_auto(bundled(path)) == expected


@pytest.mark.parametrize(("seconds", "expected"), [(0.1, "pyvrp"), (1.0, "pyvrp"), (10.0, "ilp")])
def test_auto_gives_the_ilp_only_a_budget_it_can_prove_in(seconds, expected):
    """Under 10 s auto runs PyVRP even on a small instance (the ILP's best at 0.1 s was far
    worse); from 10 s it proves the instance with the ILP."""
    assert choose_auto(bundled("cvrp/E-n13-k4.vrp"), seconds) == expected
    assert choose_auto(bundled("tsp/ch130.tsp"), seconds) == expected


def test_auto_small_vrptw_goes_exact_and_open_routes_do_not():
    """A small VRPTW goes to the ILP; open routes, which it cannot model, go to PyVRP."""
    assert choose_auto(make_instance(seed=1, num_customers=12, time_windows=True)) == "ilp"
    assert choose_auto(make_instance(seed=1, num_customers=12, open_route=True)) == "pyvrp"


def test_auto_falls_back_when_the_strongest_engine_is_missing(monkeypatch):
    """Without PyVRP and the GA, auto takes the next engine that models the instance."""
    instance = make_instance(seed=1, num_customers=40, backhaul="mixed")
    real = registry.solvers_supporting(instance)
    monkeypatch.setattr(
        registry, "solvers_supporting", lambda _: [n for n in real if n not in ("pyvrp", "ga")]
    )
    assert choose_auto(instance) == "savings"  # OR-Tools does not model mixed backhaul


def test_resolve_refuses_unknown_and_unsupported():
    """Unknown names and unsupported attributes raise errors naming the alternatives."""
    instance = make_instance(seed=1, num_customers=8, open_route=True)
    with pytest.raises(UnknownSolverError, match="known solvers"):
        resolve("nope", instance)
    with pytest.raises(UnsupportedInstanceError, match=r"open_routes.*solvers that can: pyvrp"):
        resolve("ilp", instance)
