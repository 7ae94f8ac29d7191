"""The solver interface: what a solver declares, what it hands back, and the result users see."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from vrpsolve.problems.routing import Evaluation, RoutingInstance, Solution, Violation


class Status(StrEnum):
    """Outcome of a solve, decided from the evaluator's verdict and the solver's proof."""

    OPTIMAL = "optimal"
    """Feasible, and the solver proved no better solution exists."""
    FEASIBLE = "feasible"
    """Feasible under the evaluator."""
    INFEASIBLE = "infeasible"
    """The solver returned a solution that the evaluator rejects."""
    NO_SOLUTION = "no_solution"
    """The solver returned nothing within its limits."""


@dataclass(frozen=True)
class SolverOutput:
    """What a solver adapter hands back before the evaluator has judged it."""

    solution: Solution | None
    proved_optimal: bool = False
    lower_bound: float | None = None
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """A solve's outcome: the solution, the evaluator's verdict, and how it was obtained.

    The cost and feasibility always come from :func:`vrpsolve.evaluate`, never from the solver.
    """

    instance: str
    solver: str
    seed: int
    status: Status
    runtime: float
    """Wall-clock seconds spent in the solver."""
    solution: Solution | None
    evaluation: Evaluation | None
    lower_bound: float | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        """Whether a solution was found and the evaluator accepts it."""
        return self.evaluation is not None and self.evaluation.feasible

    @property
    def cost(self) -> float:
        """The evaluator's objective; ``math.inf`` when infeasible or when there is no solution."""
        return self.evaluation.penalised_cost if self.evaluation is not None else math.inf

    @property
    def violations(self) -> tuple[Violation, ...]:
        """The evaluator's violations (empty when feasible or when there is no solution)."""
        return self.evaluation.violations if self.evaluation is not None else ()

    def summary(self) -> str:
        """One line: solver, status, cost, routes and time."""
        routes = len(self.solution.routes) if self.solution is not None else 0
        cost = f"{self.evaluation.cost:g}" if self.evaluation is not None else "-"
        return (
            f"{self.instance}: {self.solver} {self.status.value}, cost {cost}, "
            f"{routes} routes, {self.runtime:.2f} s"
        )


class RoutingSolver(ABC):
    """Base class of every routing solver.

    A subclass names itself, lists the instance attributes it can model (the names of
    :meth:`RoutingInstance.active_attributes`), and implements :meth:`run`. Callers use
    :func:`vrpsolve.solve`, which checks support, times the run and evaluates the answer.
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    supported_attributes: ClassVar[frozenset[str]]
    default_time_limit: ClassVar[float] = 10.0
    """Seconds used when the caller gives no time limit."""

    def unsupported(self, instance: RoutingInstance) -> frozenset[str]:
        """Active attributes of ``instance`` that this solver cannot model."""
        return instance.active_attributes() - self.supported_attributes

    @abstractmethod
    def run(
        self, instance: RoutingInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Solve ``instance`` within ``time_limit`` seconds; never raise for a hard instance."""
