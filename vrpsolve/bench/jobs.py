"""Benchmark jobs: one solver on one instance at one time budget and seed, and its result row."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vrpsolve.core.registry import list_solvers, solver_names
from vrpsolve.core.solver import Status
from vrpsolve.core.stop import stop_requested

from .errors import BenchInputError
from .selection import CUSTOM_SET, BenchInstance

FIELDS = (
    "instance",
    "set",
    "family",
    "n",
    "solver",
    "time_limit",
    "seed",
    "status",
    "feasible",
    "objective",
    "bks",
    "gap",
    "gap_to",
    "runtime",
    "error",
)
"""Columns of a result row, in ``runs.csv`` order. ``objective`` is the evaluator's (a routing
cost, an admitted priority, a delivery time, a recall, a success rate); ``n`` the instance's size
(nodes, or vectors for graph search); ``gap`` and ``gap_to`` are filled in once every job has
run (:func:`~vrpsolve.bench.tables.with_gaps`)."""

ERROR = "error"
"""The status of a job that raised instead of returning a result."""


@dataclass(frozen=True)
class BenchJob:
    """One independent run of a benchmark.

    Attributes
    ----------
    path
        The instance file; the worker reads it.
    solver
        A registered solver name, or ``"auto"``.
    time_limit
        Seconds for the solver.
    seed
        Random seed.
    set
        The instance's set, copied into the row.
    name, n
        Instance name and number of nodes, used in the row when the file cannot be read.
    format
        Force this instance format (default: detect).
    """

    path: str
    solver: str
    time_limit: float
    seed: int
    set: str = CUSTOM_SET
    name: str = ""
    n: int | None = None
    format: str | None = None


def check_solvers(solvers: Sequence[str]) -> None:
    """Raise :class:`BenchInputError` unless each name is a registered, available solver or auto."""
    available = {info.name: info for info in list_solvers()}
    for name in solvers:
        if name == "auto":
            continue
        if name not in solver_names():
            known = ", ".join([*solver_names(), "auto"])
            raise BenchInputError(f"unknown solver {name!r}; known solvers: {known}")
        if not available[name].available:
            raise BenchInputError(f"solver {name!r} is unavailable: {available[name].reason}")


def expand_jobs(
    instances: Sequence[BenchInstance],
    solvers: Sequence[str],
    time_limits: Sequence[float],
    seeds: Sequence[int],
    format: str | None = None,
) -> list[BenchJob]:
    """Every combination of instance, solver, time limit and seed, in that nesting order.

    Repeated values are taken once; job paths are absolute.

    Raises
    ------
    BenchInputError
        For an empty axis, a non-positive or infinite time limit, or an unknown solver.
    """
    for axis, values in (
        ("instances", instances),
        ("solvers", solvers),
        ("time limits", time_limits),
        ("seeds", seeds),
    ):
        if not values:
            raise BenchInputError(f"no {axis} given")
    bad = [t for t in time_limits if not (t > 0 and math.isfinite(t))]
    if bad:
        raise BenchInputError(f"time limits must be positive numbers of seconds, got {bad[0]}")
    check_solvers(solvers)
    return [
        BenchJob(path, solver, float(limit), int(seed), inst.set, inst.name, inst.n, format)
        for inst in instances
        for path in [str(Path(inst.path).resolve())]  # workers may run in another directory
        for solver in dict.fromkeys(solvers)
        for limit in dict.fromkeys(time_limits)
        for seed in dict.fromkeys(seeds)
    ]


def run_job(job: BenchJob) -> dict[str, Any]:
    """Run one job and return its row (keys :data:`FIELDS`); never raises.

    The instance is read from ``job.path`` and solved with :func:`vrpsolve.solve`, so the
    objective and feasibility are the evaluator's. An exception becomes a row with status
    ``"error"`` and its message in ``error``. A job during which a stop was requested (see
    :mod:`vrpsolve.core.stop`) has the status ``"interrupted"``, whatever it found.
    """
    from vrpsolve.catalog import best_known
    from vrpsolve.core.registry import family_of
    from vrpsolve.io import read_instance
    from vrpsolve.solve import solve

    row: dict[str, Any] = dict.fromkeys(FIELDS)
    row.update(
        instance=job.name or Path(job.path).stem,
        set=job.set,
        family="",
        n=job.n,
        solver=job.solver,
        time_limit=job.time_limit,
        seed=job.seed,
        status=ERROR,
        feasible=False,
        error="",
    )
    start = time.perf_counter()
    try:
        instance = read_instance(job.path, format=job.format)
        family = family_of(instance)
        row.update(instance=instance.name, family=family.name, n=family.size(instance))
        with contextlib.suppress(KeyError):
            row["bks"] = best_known(instance.name).value
        result = solve(instance, job.solver, time_limit=job.time_limit, seed=job.seed)
    except Exception as error:
        row["runtime"] = round(time.perf_counter() - start, 3)
        row["error"] = f"{type(error).__name__}: {error}"
        if stop_requested():
            row["status"] = Status.INTERRUPTED.value
        return row
    row.update(
        status=Status.INTERRUPTED.value if stop_requested() else result.status.value,
        feasible=result.feasible,
        objective=result.objective,
        runtime=round(result.runtime, 3),
    )
    return row
