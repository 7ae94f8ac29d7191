"""Helpers of the exact ILP solver: MILP backends through PuLP, and graph routines for separation.

The backends solve a PuLP problem with a time limit, one thread, zero relative gap and an optional
MIP start, and report a status, the objective and a valid lower bound. HiGHS is called through
its Python API (``highspy``, via :class:`pulp.HiGHS`); the time limit covers handing the model to
HiGHS too (a solve whose limit runs out while the model is handed over reports no solution), and
its interrupt callbacks end a solve (with its best solution and bound) at the limit or once a stop
is requested (:mod:`vrpsolve.core.stop`). CBC is PuLP's bundled binary, which gets whole seconds
and which a stop request does not reach (Ctrl-C in a terminal reaches it directly, as a signal to
the process group).

The graph routines work on dense ``n x n`` arc-value matrices: weakly connected components of a
support graph, successor cycles of an integer assignment, and the cuts of the phases of the
Stoer-Wagner minimum-cut algorithm (every phase cut lighter than a threshold is a candidate set).
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from vrpsolve.core.stop import expired

if TYPE_CHECKING:
    import pulp

FloatArray = NDArray[np.float64]

BACKENDS = ("highs", "cbc")
"""Backend names accepted by the ``backend`` option."""


def highs_available() -> bool:
    """Whether PuLP can call HiGHS through ``highspy``."""
    import pulp

    try:
        return bool(pulp.HiGHS(msg=False).available())
    except Exception:  # pragma: no cover - depends on the installation
        return False


def default_backend() -> str:
    """HiGHS when ``highspy`` imports, else CBC."""
    return "highs" if highs_available() else "cbc"


@dataclass(frozen=True)
class MilpOutcome:
    """One MILP (or LP) solve: its status, objective and a lower bound on its optimum."""

    status: str
    """``optimal``, ``feasible`` (stopped with a solution), ``none`` or ``infeasible``."""
    objective: float | None
    bound: float | None
    """A valid lower bound on this problem's optimum, ``None`` when the backend gives none."""

    @property
    def has_solution(self) -> bool:
        """Whether the variables hold a solution (optimal or merely feasible)."""
        return self.status in ("optimal", "feasible")


@cache
def _silence_highs_banner() -> None:
    """Create a first HiGHS object with the process's stdout closed.

    HiGHS writes a copyright banner to file descriptor 1 the first time a process creates a solver,
    before any option can switch output off; it would corrupt ``vrpsolve solve --format json``.
    """
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class OutOfTime(Exception):
    """The time limit ran out while the model was handed to the solver."""


def _highs_class() -> Any:
    """A :class:`pulp.HiGHS` that hands the model over in bulk and a MIP start before it runs,
    and stops at its deadline or on request."""
    import highspy
    import pulp

    _silence_highs_banner()

    class StartedHiGHS(pulp.HiGHS):
        start: dict[Any, float] | None = None
        deadline: float = math.inf
        """The :func:`time.perf_counter` value the solve ends by."""
        finished: float = math.inf
        """When HiGHS returned."""

        def buildSolverModel(self, lp: Any) -> None:
            """PuLP's model as HiGHS columns and rows (the same order and values as PuLP's own
            method), raising :class:`OutOfTime` once the deadline passes."""
            model = lp.solverModel
            inf = highspy.kHighsInf
            sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
            variables = lp.variables()
            for k, var in enumerate(variables):
                var.index = k
            cost = np.array([sign * lp.objective.get(var, 0.0) for var in variables], dtype=float)
            lower = np.array([-inf if v.lowBound is None else v.lowBound for v in variables])
            upper = np.array([inf if v.upBound is None else v.upBound for v in variables])
            empty = np.zeros(0, dtype=np.int32)
            model.addCols(len(variables), cost, lower, upper, 0, empty, empty, np.zeros(0))
            integer = [var.index for var in variables if var.cat == pulp.LpInteger]
            if self.mip and integer:
                kind = np.uint8(highspy.HighsVarType.kInteger.value)
                model.changeColsIntegrality(
                    len(integer), np.array(integer, dtype=np.int32), np.full(len(integer), kind)
                )
            row_lower, row_upper, starts, indices, values = [], [], [0], [], []
            for k, constraint in enumerate(lp._constraints.values()):
                if k % 64 == 0 and expired(self.deadline):
                    raise OutOfTime
                constraint.index = k
                for var, coefficient in constraint.items():
                    if coefficient != 0:
                        indices.append(var.index)
                        values.append(coefficient)
                starts.append(len(indices))
                low, up = constraint.getLb(), constraint.getUb()
                row_lower.append(-inf if low is None else low)
                row_upper.append(inf if up is None else up)
            model.addRows(
                len(row_lower),
                np.array(row_lower, dtype=float),
                np.array(row_upper, dtype=float),
                len(indices),
                np.array(starts[:-1], dtype=np.int32),
                np.array(indices, dtype=np.int32),
                np.array(values, dtype=float),
            )
            if expired(self.deadline):
                raise OutOfTime

        def callSolver(self, lp: Any) -> None:
            model = lp.solverModel
            deadline = self.deadline

            def interrupt(event: Any) -> None:
                if expired(deadline):
                    event.interrupt()

            if self.start:
                values = [0.0] * model.getNumCol()
                for var, value in self.start.items():
                    values[var.index] = float(value)
                solution = highspy.HighsSolution()
                solution.col_value = values
                solution.value_valid = True
                model.setSolution(solution)
            for callback in (model.cbSimplexInterrupt, model.cbIpmInterrupt, model.cbMipInterrupt):
                callback.subscribe(interrupt)
            model.setOptionValue("time_limit", max(deadline - time.perf_counter(), 1e-3))
            model.run()
            self.finished = time.perf_counter()

    return StartedHiGHS


class MilpBackend:
    """Solve PuLP problems with one backend, one thread and exact gaps.

    Parameters
    ----------
    name
        ``"highs"`` or ``"cbc"``.
    integral_objective
        Whether every feasible objective value is an integer; then an absolute gap below one
        proves optimality and bounds may be rounded up.
    seed
        Random seed handed to HiGHS.
    """

    def __init__(self, name: str, *, integral_objective: bool, seed: int = 0) -> None:
        if name not in BACKENDS:
            raise ValueError(f"unknown ILP backend {name!r}; choose one of {', '.join(BACKENDS)}")
        if name == "highs" and not highs_available():
            raise ImportError("the HiGHS backend needs highspy")
        self.name = name
        self.integral = integral_objective
        self.seed = seed
        self.abs_gap = 1 - 1e-6 if integral_objective else 1e-6
        self.readback = 0.0
        """The longest time reading a HiGHS solution back took; later solves stop that much
        before their limit."""

    def round_bound(self, bound: float) -> float:
        """A bound rounded up to the next integer when objectives are integral."""
        return math.ceil(bound - 1e-6) if self.integral else bound

    def solve(
        self,
        prob: pulp.LpProblem,
        time_limit: float,
        *,
        relax: bool = False,
        start: dict[Any, float] | None = None,
    ) -> MilpOutcome:
        """Solve ``prob`` (its LP relaxation when ``relax``) within ``time_limit`` seconds, handing
        the model to the backend included (HiGHS; CBC gets whole seconds for its run)."""
        time_limit = max(time_limit, 0.05)
        if self.name == "highs":
            return self._solve_highs(prob, time_limit, relax, start)
        return self._solve_cbc(prob, time_limit, relax, start)

    def _solve_highs(
        self, prob: pulp.LpProblem, time_limit: float, relax: bool, start: dict[Any, float] | None
    ) -> MilpOutcome:
        import highspy

        solver = _highs_class()(
            mip=not relax,
            msg=False,
            threads=1,
            timeLimit=time_limit,
            gapRel=0.0,
            gapAbs=self.abs_gap,
            random_seed=self.seed,
        )
        solver.start = None if relax else start
        solver.deadline = time.perf_counter() + time_limit - self.readback
        try:
            prob.solve(solver)
        except OutOfTime:
            return MilpOutcome("none", None, None)
        self.readback = max(self.readback, time.perf_counter() - solver.finished)
        model = prob.solverModel
        status = model.getModelStatus()
        info = model.getInfo()
        has_solution = info.primal_solution_status == 2
        objective = model.getInfo().objective_function_value if has_solution else None
        if status == highspy.HighsModelStatus.kOptimal:
            bound = objective if relax else info.mip_dual_bound
            return MilpOutcome("optimal", objective, self._finite(bound))
        if status in (highspy.HighsModelStatus.kInfeasible,):
            return MilpOutcome("infeasible", None, None)
        bound = None if relax else self._finite(info.mip_dual_bound)
        return MilpOutcome("feasible" if has_solution else "none", objective, bound)

    def _solve_cbc(
        self, prob: pulp.LpProblem, time_limit: float, relax: bool, start: dict[Any, float] | None
    ) -> MilpOutcome:
        import pulp

        if start and not relax:
            for var, value in start.items():
                var.setInitialValue(value)
        with warnings.catch_warnings():  # PuLP 3.3 announces PULP_CBC_CMD's removal in 4.0
            warnings.simplefilter("ignore", DeprecationWarning)
            solver = pulp.PULP_CBC_CMD(
                mip=not relax,
                msg=False,
                threads=1,
                timeLimit=max(1, math.ceil(time_limit)),
                gapRel=0.0,
                gapAbs=self.abs_gap,
                warmStart=bool(start) and not relax,
            )
        prob.solve(solver)
        objective = pulp.value(prob.objective)
        if prob.status == pulp.LpStatusInfeasible:
            return MilpOutcome("infeasible", None, None)
        if prob.sol_status == pulp.LpSolutionOptimal:
            return MilpOutcome("optimal", objective, objective)
        if prob.sol_status == pulp.LpSolutionIntegerFeasible:
            return MilpOutcome("feasible", objective, None)
        return MilpOutcome("none", None, None)

    @staticmethod
    def _finite(value: float | None) -> float | None:
        return value if value is not None and math.isfinite(value) else None


# -- graph routines ------------------------------------------------------------------------------
def components(adjacent: NDArray[np.bool_], nodes: NDArray[np.int64]) -> list[list[int]]:
    """Connected components of the undirected graph ``adjacent`` restricted to ``nodes``."""
    sub = adjacent[np.ix_(nodes, nodes)]
    sub = sub | sub.T
    seen = np.zeros(len(nodes), dtype=bool)
    result = []
    for root in range(len(nodes)):
        if seen[root]:
            continue
        seen[root] = True
        stack, members = [root], [root]
        while stack:
            k = stack.pop()
            for j in np.flatnonzero(sub[k] & ~seen):
                seen[j] = True
                stack.append(int(j))
                members.append(int(j))
        result.append(sorted(int(nodes[k]) for k in members))
    return result


def successor_cycles(successor: dict[int, int]) -> list[list[int]]:
    """The cycles of a permutation given as ``node -> next node``, each from its smallest node."""
    seen: set[int] = set()
    cycles = []
    for first in sorted(successor):
        if first in seen:
            continue
        cycle = [first]
        seen.add(first)
        node = successor[first]
        while node != first:
            cycle.append(node)
            seen.add(node)
            node = successor[node]
        cycles.append(cycle)
    return cycles


def light_phase_cuts(
    weight: FloatArray, threshold: float, deadline: float = math.inf
) -> list[list[int]]:
    """Shores of the Stoer-Wagner phase cuts whose weight is below ``threshold``.

    ``weight`` is a symmetric non-negative matrix. Each phase of the algorithm orders the current
    (merged) vertices by maximum adjacency and yields the cut separating the last vertex from the
    rest; the global minimum cut is among them. Each shore is returned as the list of original
    vertices merged into that last vertex. The phases stop at ``deadline`` (a
    :func:`time.perf_counter` value) or a stop request, with the shores found so far.
    """
    w = np.array(weight, dtype=np.float64)
    np.fill_diagonal(w, 0.0)
    n = w.shape[0]
    groups: list[list[int]] = [[i] for i in range(n)]
    active = list(range(n))
    shores = []
    while len(active) > 1 and not expired(deadline):
        act = np.array(active)
        sub = w[np.ix_(act, act)]
        m = len(act)
        added = np.zeros(m, dtype=bool)
        added[0] = True
        connection = sub[0].copy()
        order = [0]
        value = 0.0
        for _ in range(m - 1):
            masked = np.where(added, -np.inf, connection)
            k = int(np.argmax(masked))
            value = float(connection[k])
            added[k] = True
            order.append(k)
            connection += sub[k]
        s, t = int(act[order[-2]]), int(act[order[-1]])
        if value < threshold:
            shores.append(list(groups[t]))
        w[s] += w[t]
        w[:, s] += w[:, t]
        w[s, s] = 0.0
        groups[s] += groups[t]
        active.remove(t)
    return shores
