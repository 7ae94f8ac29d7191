"""``vrpsolve.solve``: run a solver and let the evaluator judge its answer."""

from __future__ import annotations

import time
from typing import Any

from vrpsolve.core.options import check_options, check_seed
from vrpsolve.core.registry import family_of, resolve
from vrpsolve.core.solver import Result, Status
from vrpsolve.core.stop import stop_on_signals, stop_requested


def solve(
    instance: Any,
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
        Wall-clock budget in seconds of the run (:attr:`Result.runtime`), building models and
        decoding policies included; the solver's default when ``None``. One-time setup in the
        solver's ``prepare`` (importing a neural solver's modules, loading its policy, compiling
        the GA's kernels) comes before the clock. Solvers stop between steps, so the runtime may
        pass the limit by the last step (figures in ``docs/solvers.md``).
    seed
        Seeds everything random in the run: the solver, and for packet routing the simulated
        traffic its policy is judged on. An integer from 0 to ``2**32 - 1``.
    **options
        Solver-specific options.

    Returns
    -------
    Result
        The solution with the evaluator's cost and feasibility, runtime and status.

    Notes
    -----
    During the run, SIGINT (Ctrl-C) and SIGTERM stop the solver instead of the program (see
    :mod:`vrpsolve.core.stop`; from the main thread, or through any enclosing
    :func:`~vrpsolve.core.stop.stop_on_signals` block): within about a second it hands back its
    best answer so far, judged as usual, and ``solve`` returns with the status ``interrupted``
    (``no_solution`` or ``infeasible`` when it had nothing the evaluator accepts). The signal
    does not propagate further: a caller that wants to stop too checks ``result.status``. A
    second SIGINT during the same run raises :class:`KeyboardInterrupt` as usual;
    :func:`~vrpsolve.core.stop.request_stop` stops a run from another thread.

    Raises
    ------
    UnknownSolverError, UnsupportedInstanceError
        For an unknown solver, or one that cannot model the instance.
    ValueError
        For a seed out of range, or a time limit that is not positive.
    """
    check_seed(seed)
    engine = resolve(solver, instance, time_limit)
    budget = engine.default_time_limit if time_limit is None else float(time_limit)
    if budget <= 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    options = check_options(engine, options)
    with stop_on_signals():
        engine.prepare(**options)
        start = time.perf_counter()
        output = engine.run(instance, time_limit=budget, seed=seed, **options)
        runtime = time.perf_counter() - start
        interrupted = stop_requested()
    family = family_of(instance)
    solution = output.solution
    evaluation = None if solution is None else family.evaluate(instance, solution, seed)
    reason = None
    if evaluation is None or not evaluation.feasible:
        diagnosis = family.diagnose(instance) if family.diagnose is not None else ()
        reason = output.infeasible or "; ".join(diagnosis) or None
    if evaluation is None:
        status = Status.NO_SOLUTION if reason is None else Status.INFEASIBLE
    elif not evaluation.feasible:
        status = Status.INFEASIBLE
    else:
        status = Status.OPTIMAL if output.proved_optimal else Status.FEASIBLE
        if interrupted and status is Status.FEASIBLE:
            status = Status.INTERRUPTED
    return Result(
        instance=instance.name,
        family=family.name,
        solver=engine.name,
        seed=seed,
        status=status,
        runtime=runtime,
        solution=output.solution,
        evaluation=evaluation,
        lower_bound=output.lower_bound,
        stats=dict(output.stats),
        reason=reason,
    )
