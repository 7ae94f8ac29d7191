"""Flow-admission (PFAR) solvers: exact ILP, genetic algorithm and the greedy baseline.

Each wraps a function of :mod:`vrpsolve.flows` behind the common solver interface; the answer is
judged by :func:`~vrpsolve.flows.model.evaluate_flows` like any solver's.
"""

from __future__ import annotations

from typing import Any, ClassVar

from vrpsolve.core.options import SolverOption, check_options
from vrpsolve.core.solver import Solver, SolverOutput
from vrpsolve.flows.model import FLOW_ATTRIBUTES, FlowAdmissionInstance


class _FlowSolver(Solver):
    family: ClassVar[str] = "flow_admission"
    supported_attributes: ClassVar[frozenset[str]] = FLOW_ATTRIBUTES


class FlowGreedySolver(_FlowSolver):
    """Admit by priority on the shortest path that fits the residual capacity."""

    name: ClassVar[str] = "pfar-greedy"
    summary: ClassVar[str] = "PFAR greedy: by priority, shortest path that fits"

    def run(
        self, instance: FlowAdmissionInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """One greedy pass (time limit and seed unused)."""
        from vrpsolve.flows.greedy import greedy_admission

        return SolverOutput(greedy_admission(instance))


class FlowIlpSolver(_FlowSolver):
    """Exact ILP (PuLP with HiGHS, CBC as fallback); best solution and bound at the limit."""

    name: ClassVar[str] = "pfar-ilp"
    summary: ClassVar[str] = "PFAR exact ILP (arc-flow or k-path formulation, HiGHS/CBC)"
    requires: ClassVar[tuple[str, ...]] = ("pulp",)
    default_time_limit: ClassVar[float] = 60.0
    options = (
        SolverOption(
            "formulation",
            str,
            "arc",
            "arc (arc-flow ILP) or path (k candidate paths per flow)",
            choices=("arc", "path"),
        ),
        SolverOption("k", int, 8, "path formulation: candidate paths per flow", minimum=1),
    )

    def run(
        self, instance: FlowAdmissionInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Solve the arc-flow ILP, or the path ILP with ``formulation="path"`` and ``k``."""
        from vrpsolve.flows import ilp

        options = check_options(self, options)
        if options["formulation"] == "path":
            outcome = ilp.solve_path_ilp(instance, k=options["k"], time_limit=time_limit)
        else:
            outcome = ilp.solve_arc_ilp(instance, time_limit=time_limit)
        return SolverOutput(
            outcome.solution,
            proved_optimal=outcome.status == "optimal",
            lower_bound=None,
            stats={"bound": outcome.bound, **outcome.stats},
        )


class FlowGeneticSolver(_FlowSolver):
    """Genetic algorithm over per-flow path choices with priority-order repair."""

    name: ClassVar[str] = "pfar-ga"
    summary: ClassVar[str] = "PFAR genetic algorithm (k candidate paths per flow, repair)"

    def run(
        self, instance: FlowAdmissionInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Evolve for ``time_limit`` seconds from a population seeded with the greedy."""
        from vrpsolve.flows.ga import genetic_admission

        outcome = genetic_admission(instance, time_limit=time_limit, seed=seed)
        return SolverOutput(outcome.solution, stats={"generations": outcome.generations})
