"""Solver registry: names to lazily imported solver classes, and the ``auto`` choice."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from vrpsolve.problems.routing import RoutingInstance
from vrpsolve.solvers.base import RoutingSolver

_SOLVERS: dict[str, str] = {
    "pyvrp": "vrpsolve.solvers.pyvrp:PyVRPSolver",
    "ortools": "vrpsolve.solvers.ortools:ORToolsSolver",
    "ilp": "vrpsolve.solvers.ilp:ILPSolver",
    "ga": "vrpsolve.solvers.ga:GeneticSolver",
    "nearest-neighbour": "vrpsolve.solvers.heuristics:NearestNeighbourSolver",
    "savings": "vrpsolve.solvers.heuristics:SavingsSolver",
    "insertion": "vrpsolve.solvers.heuristics:InsertionSolver",
}

AUTO_PREFERENCE: tuple[str, ...] = ("pyvrp", "ortools")
"""``auto`` takes the first available solver in this order that models every active attribute."""


class UnknownSolverError(ValueError):
    """Raised for a solver name that is not registered."""


class UnsupportedInstanceError(ValueError):
    """Raised when a solver cannot model an instance; the message names solvers that can."""


@dataclass(frozen=True)
class SolverInfo:
    """A registered solver as listed by ``vrpsolve solvers``."""

    name: str
    summary: str
    supported_attributes: frozenset[str]
    available: bool
    reason: str
    """Why the solver is unavailable (the import error), empty when available."""


def solver_names() -> tuple[str, ...]:
    """Names of every registered solver."""
    return tuple(_SOLVERS)


@cache
def _load(name: str) -> type[RoutingSolver]:
    module, _, cls = _SOLVERS[name].partition(":")
    solver_cls: type[RoutingSolver] = getattr(importlib.import_module(module), cls)
    return solver_cls


def get_solver(name: str) -> RoutingSolver:
    """Instantiate the solver registered under ``name``.

    Raises
    ------
    UnknownSolverError
        If no solver has that name.
    ImportError
        If the solver's engine is not installed.
    """
    if name not in _SOLVERS:
        known = ", ".join([*_SOLVERS, "auto"])
        raise UnknownSolverError(f"unknown solver {name!r}; known solvers: {known}")
    return _load(name)()


def list_solvers() -> list[SolverInfo]:
    """Every registered solver with what it supports and whether its engine imports."""
    infos = []
    for name in _SOLVERS:
        try:
            cls = _load(name)
        except ImportError as error:
            infos.append(SolverInfo(name, "", frozenset(), False, str(error)))
            continue
        infos.append(SolverInfo(name, cls.summary, cls.supported_attributes, True, ""))
    return infos


def solvers_supporting(instance: RoutingInstance) -> list[str]:
    """Names of the available solvers that model every active attribute of ``instance``."""
    needed = instance.active_attributes()
    return [
        info.name
        for info in list_solvers()
        if info.available and needed <= info.supported_attributes
    ]


def resolve(name: str, instance: RoutingInstance) -> RoutingSolver:
    """The solver to run for ``name`` on ``instance``, with ``auto`` resolved.

    Raises
    ------
    UnsupportedInstanceError
        If the solver cannot model an active attribute; the message names those that can.
    """
    capable = solvers_supporting(instance)
    if name == "auto":
        for candidate in AUTO_PREFERENCE:
            if candidate in capable:
                return get_solver(candidate)
        raise UnsupportedInstanceError(
            f"no available solver models every attribute of {instance.name} "
            f"({', '.join(sorted(instance.active_attributes()))})"
        )
    solver = get_solver(name)
    missing = solver.unsupported(instance)
    if missing:
        others = ", ".join(capable) if capable else "none"
        raise UnsupportedInstanceError(
            f"solver {name!r} cannot model {', '.join(sorted(missing))} "
            f"({instance.name} is {instance.variant}); solvers that can: {others}"
        )
    return solver
