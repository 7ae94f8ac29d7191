"""``vrpsolve.solve``: run a solver and let the evaluator judge its answer."""

from __future__ import annotations

import time
from typing import Any

from vrpsolve.core.family import Instance, family_of
from vrpsolve.core.options import check_options
from vrpsolve.core.registry import resolve
from vrpsolve.core.solver import Result, Status


def solve(
    instance: Instance,
    solver: str = "auto",
    *,
    time_limit: float | None = None,
    seed: int = 0,
    **options: Any,
) -> Result:
    """Solve an instance of any family with a named solver; its family's evaluator judges.

    Parameters
    ----------
    instance
        The instance to solve.
    solver
        A registered solver name (see :func:`vrpsolve.list_solvers`) or ``"auto"``.
    time_limit
        Wall-clock budget in seconds of the run; the solver's default when ``None``. One-time
        setup (importing a neural solver's modules, loading its policy) comes before the clock.
    seed
        Random seed, for reproducible runs.
    **options
        Solver-specific options.

    Returns
    -------
    Result
        The solution with the evaluator's cost and feasibility, runtime and status.

    Raises
    ------
    UnknownSolverError, UnsupportedInstanceError
        For an unknown solver, or one that cannot model the instance.
    """
    engine = resolve(solver, instance)
    budget = engine.default_time_limit if time_limit is None else float(time_limit)
    if budget <= 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    options = check_options(engine, options)
    engine.prepare(**options)
    start = time.perf_counter()
    output = engine.run(instance, time_limit=budget, seed=seed, **options)
    runtime = time.perf_counter() - start
    judge = family_of(instance).evaluate
    evaluation = None if output.solution is None else judge(instance, output.solution)
    if evaluation is None:
        status = Status.NO_SOLUTION
    elif not evaluation.feasible:
        status = Status.INFEASIBLE
    else:
        status = Status.OPTIMAL if output.proved_optimal else Status.FEASIBLE
    return Result(
        instance=instance.name,
        solver=engine.name,
        seed=seed,
        status=status,
        runtime=runtime,
        solution=output.solution,
        evaluation=evaluation,
        lower_bound=output.lower_bound,
        stats=dict(output.stats),
    )
