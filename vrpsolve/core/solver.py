"""The solver interface: what a solver declares, what it hands back, and the result users see."""

from __future__ import annotations

import importlib
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from vrpsolve.core.options import SolverOption


class Status(StrEnum):
    """Outcome of a solve, decided from the evaluator's verdict and the solver's proof."""

    OPTIMAL = "optimal"
    """Feasible, and the solver proved no better solution exists."""
    FEASIBLE = "feasible"
    """Feasible under the evaluator."""
    INTERRUPTED = "interrupted"
    """Stopped early by a signal or :func:`vrpsolve.core.stop.request_stop`, with the best
    solution found so far, which the evaluator accepts (stopped with a rejected answer or none:
    ``infeasible`` or ``no_solution``)."""
    INFEASIBLE = "infeasible"
    """No feasible solution: the evaluator rejects the solver's answer, or the instance has
    none (the solver proved it, or the data shows it; :attr:`Result.reason` says why)."""
    NO_SOLUTION = "no_solution"
    """The solver returned nothing within its limits."""


@dataclass(frozen=True)
class SolverOutput:
    """What a solver adapter hands back before the evaluator has judged it."""

    solution: Any
    """The answer in the solution type of the instance's family (routes, admitted paths, a
    packet-routing policy, ranked search answers, query paths), or ``None``."""
    proved_optimal: bool = False
    lower_bound: float | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    infeasible: str | None = None
    """Why the solver proved that the instance has no feasible solution; ``None`` if it did
    not."""


@dataclass(frozen=True)
class Result:
    """A solve's outcome: the solution, the evaluator's verdict, and how it was obtained.

    The cost and feasibility always come from :func:`vrpsolve.evaluate`, never from the solver.
    """

    instance: str
    family: str
    """The name of the instance's problem family, whose evaluator judged the solution."""
    solver: str
    seed: int
    status: Status
    runtime: float
    """Wall-clock seconds spent in the solver's run (its one-time setup not counted)."""
    solution: Any
    """The solver's answer, in its family's solution type; ``None`` when it found none."""
    evaluation: Any
    """The family evaluator's verdict on the solution (``feasible``, ``objective``,
    ``violations``); ``None`` without a solution."""
    lower_bound: float | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    """Why the instance has no feasible solution (the solver's proof, or what its family's
    diagnosis sees in the data); ``None`` when there is a feasible solution or no known
    reason."""

    @property
    def feasible(self) -> bool:
        """Whether a solution was found and the evaluator accepts it."""
        return self.evaluation is not None and self.evaluation.feasible

    @property
    def cost(self) -> float:
        """The objective of a feasible solution, ``math.inf`` otherwise (PyVRP's convention).

        Meant for the families that minimise (a routing cost, a delivery time); for any family
        :attr:`objective` gives the value or ``None``.
        """
        objective = self.objective
        return math.inf if objective is None else objective

    @property
    def objective(self) -> float | None:
        """The evaluator's objective of a feasible solution (any family), else ``None``."""
        return self.evaluation.objective if self.feasible else None

    @property
    def violations(self) -> tuple[Any, ...]:
        """The evaluator's violations (empty when feasible or when there is no solution)."""
        return tuple(self.evaluation.violations) if self.evaluation is not None else ()

    def summary(self) -> str:
        """One line: instance, solver, status, objective and time."""
        value = "-" if self.evaluation is None else f"{self.evaluation.objective:g}"
        return (
            f"{self.instance}: {self.solver} {self.status.value}, objective {value}, "
            f"{self.runtime:.2f} s"
        )


class Solver(ABC):
    """Base class of every solver.

    A subclass names itself, says which problem family it solves (routing unless it says
    otherwise), lists the instance attributes it can model (the names the instance's
    ``active_attributes()`` reports) and the modules its engine needs (:attr:`requires`), and
    implements :meth:`run` (and :meth:`prepare` where it has one-time setup). Its module imports
    the engine inside the methods that use it, so that listing solvers imports none. Callers use
    :func:`vrpsolve.solve`, which checks support, prepares and times the run and evaluates the
    answer.
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    family: ClassVar[str] = "routing"
    """The name of the problem family solved (see :mod:`vrpsolve.core.family`)."""
    supported_attributes: ClassVar[frozenset[str]]
    requires: ClassVar[tuple[str, ...]] = ()
    """Top-level modules the solver imports when it runs (its engine, none by default); the
    registry lists the solver as unavailable while one of them is not installed."""
    default_time_limit: ClassVar[float] = 10.0
    """Seconds used when the caller gives no time limit."""
    options: ClassVar[tuple[SolverOption, ...]] = ()
    """The options the solver accepts, with their types and defaults (none by default).

    :func:`vrpsolve.solve` checks the caller's options against them
    (:func:`vrpsolve.core.options.check_options`) and hands :meth:`prepare` and :meth:`run` the
    converted values with every default filled in; any other key is refused.
    """

    def unsupported(self, instance: Any) -> frozenset[str]:
        """Active attributes of ``instance`` that this solver cannot model."""
        return instance.active_attributes() - self.supported_attributes

    def prepare(self, **options: Any) -> None:
        """One-time setup left out of the timed run (heavy imports, loading a model); here the
        modules in :attr:`requires`.

        :func:`vrpsolve.solve` calls it with the run's options before starting the clock.
        """
        for module in self.requires:
            importlib.import_module(module)

    @abstractmethod
    def run(self, instance: Any, *, time_limit: float, seed: int, **options: Any) -> SolverOutput:
        """Solve ``instance`` (of the solver's family) within ``time_limit`` seconds.

        Never raise for a hard instance: return no solution instead.
        """
