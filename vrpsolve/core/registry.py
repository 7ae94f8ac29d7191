"""The registry: every problem family's descriptor, its solvers by name, and the ``auto`` choice.

The families are named here by the path of their descriptor and imported on first use, so this
module depends on no family; each family lists its own solvers (:attr:`Family.solvers`), and a
solver's module is imported only when that solver is used or listed. Solver modules import their
engines only when they run, and a solver is available when every module it
:attr:`~vrpsolve.core.solver.Solver.requires` is installed (found without importing it).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from functools import cache
from typing import Any

from vrpsolve.core.errors import (
    MissingDependencyError,
    UnknownSolverError,
    UnsupportedInstanceError,
)
from vrpsolve.core.family import Family
from vrpsolve.core.solver import Solver

FAMILY_DESCRIPTORS: tuple[str, ...] = (
    "vrpsolve.routing.family:ROUTING",
    "vrpsolve.flows.family:FLOW_ADMISSION",
    "vrpsolve.packets.family:PACKET_ROUTING",
    "vrpsolve.graphs.search.family:GRAPH_SEARCH",
    "vrpsolve.graphs.paths.family:PATH_QUERY",
)
"""Where each family's descriptor lives (``module:NAME``); also the order formats are detected."""

EXTRAS: dict[str, str] = {
    "torch": "neural",
    "tensordict": "neural",
    "rl4co": "neural",
    "osmnx": "osm",
    "pyrosm": "osm",
    "hnswlib": "graphs",
    "sklearn": "graphs",
    "gymnasium": "rl",
    "pettingzoo": "rl",
    "ray": "ray",
}
"""The optional modules, each with the extra of ``pyproject.toml`` that installs it."""


def missing_dependency(modules: tuple[str, ...]) -> str:
    """Empty when every module is installed, else one line naming the first missing one and the
    command that installs it, e.g. ``torch is not installed: pip install 'vrpsolve[neural]'``."""
    for module in modules:
        if importlib.util.find_spec(module) is None:
            extra = EXTRAS.get(module)
            target = f"'vrpsolve[{extra}]'" if extra else module
            return f"{module} is not installed: pip install {target}"
    return ""


def _attribute(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@cache
def families() -> tuple[Family, ...]:
    """Every problem family's descriptor."""
    return tuple(_attribute(path) for path in FAMILY_DESCRIPTORS)


def family_named(name: str) -> Family:
    """The family called ``name``; ``KeyError`` naming the known ones otherwise."""
    for family in families():
        if family.name == name:
            return family
    known = ", ".join(f.name for f in families())
    raise KeyError(f"unknown problem family {name!r}; known families: {known}")


def family_of(instance: object) -> Family:
    """The family of an instance; ``TypeError`` for an object of no known family."""
    for family in families():
        if isinstance(instance, family.instance_type):
            return family
    raise TypeError(f"{type(instance).__name__} is not an instance of any problem family")


@dataclass(frozen=True)
class SolverInfo:
    """A registered solver as listed by ``vrpsolve solvers``."""

    name: str
    summary: str
    family: str
    supported_attributes: frozenset[str]
    available: bool
    reason: str
    """Why the solver is unavailable (the missing module and the ``pip install`` that brings it),
    empty when available."""


@cache
def _solver_paths() -> dict[str, tuple[str, str]]:
    """Solver name -> (family name, ``module:Class``), over every family."""
    paths: dict[str, tuple[str, str]] = {}
    for family in families():
        for name, path in family.solvers.items():
            if name in paths or name == "auto":
                raise RuntimeError(f"solver name {name!r} is registered twice")
            paths[name] = (family.name, path)
    return paths


def solver_names() -> tuple[str, ...]:
    """Names of every registered solver, family by family."""
    return tuple(_solver_paths())


@cache
def _load(name: str) -> type[Solver]:
    solver_cls: type[Solver] = _attribute(_solver_paths()[name][1])
    return solver_cls


def get_solver(name: str) -> Solver:
    """Instantiate the solver registered under ``name``.

    Raises
    ------
    UnknownSolverError
        If no solver has that name.
    MissingDependencyError
        If the solver's engine is not installed (the message says how to install it).
    """
    if name not in _solver_paths():
        known = ", ".join([*_solver_paths(), "auto"])
        raise UnknownSolverError(f"unknown solver {name!r}; known solvers: {known}")
    solver_cls = _load(name)
    missing = missing_dependency(solver_cls.requires)
    if missing:
        raise MissingDependencyError(f"solver {name!r} is unavailable: {missing}")
    return solver_cls()


def list_solvers() -> list[SolverInfo]:
    """Every registered solver with what it supports and whether its engine is installed (no
    engine is imported)."""
    infos = []
    for name, (family, _) in _solver_paths().items():
        cls = _load(name)
        missing = missing_dependency(cls.requires)
        infos.append(
            SolverInfo(name, cls.summary, family, cls.supported_attributes, not missing, missing)
        )
    return infos


def solvers_supporting(instance: Any) -> list[str]:
    """Names of the available solvers of the instance's family that model all it needs, in the
    order its ``auto`` tries them."""
    needed = instance.active_attributes()
    family = family_of(instance).name
    return [
        info.name
        for info in list_solvers()
        if info.available and info.family == family and needed <= info.supported_attributes
    ]


def choose_auto(instance: Any, time_limit: float | None = None) -> str:
    """The solver ``auto`` runs on ``instance`` within ``time_limit`` seconds (``None``: the
    solver's default), by its family's rule (:attr:`Family.choose`).

    Raises
    ------
    UnsupportedInstanceError
        If no available solver models the instance.
    """
    family = family_of(instance)
    capable = solvers_supporting(instance)
    if not capable:
        attributes = ", ".join(sorted(instance.active_attributes())) or "none"
        raise UnsupportedInstanceError(
            f"no available solver models every attribute of {instance.name} ({attributes})"
        )
    return capable[0] if family.choose is None else family.choose(instance, capable, time_limit)


def resolve(name: str, instance: Any, time_limit: float | None = None) -> Solver:
    """The solver to run for ``name`` on ``instance``, with ``auto`` resolved.

    Raises
    ------
    UnknownSolverError
        If no solver has that name.
    UnsupportedInstanceError
        If the solver solves another family or cannot model an active attribute; the message
        names those that can.
    """
    if name == "auto":
        return get_solver(choose_auto(instance, time_limit))
    solver = get_solver(name)
    family = family_of(instance).name
    capable = solvers_supporting(instance)
    others = ", ".join(capable) if capable else "none"
    if solver.family != family:
        raise UnsupportedInstanceError(
            f"solver {name!r} solves {solver.family} problems, and {instance.name} is a "
            f"{family} instance; solvers that can: {others}"
        )
    missing = solver.unsupported(instance)
    if missing:
        raise UnsupportedInstanceError(
            f"solver {name!r} cannot model {', '.join(sorted(missing))} "
            f"({instance.name} is {getattr(instance, 'variant', family)}); "
            f"solvers that can: {others}"
        )
    return solver
