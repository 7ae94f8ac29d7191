"""Shared driver of the per-instance solver benchmarks: parallel runs with progress."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from vrpsolve.bench.runner import run_parallel

RunOne = Callable[[Any, str, float, int], dict[str, Any]]


def _run_task(
    run_one: RunOne, time_limit: float, seed: int, task: tuple[Any, str]
) -> dict[str, Any]:
    """One ``(path, solver)`` task with the shared budget and seed (a worker's job)."""
    path, solver = task
    return run_one(path, solver, time_limit, seed)


def run_tasks(
    run_one: RunOne,
    tasks: Sequence[tuple[Any, str]],
    *,
    time_limit: float,
    seed: int,
    jobs: int,
) -> list[dict[str, Any]]:
    """Rows of ``run_one(path, solver, time_limit, seed)`` for every ``(path, solver)`` task.

    The runs go to ``jobs`` single-threaded worker processes (:func:`run_parallel`, with its
    progress bar on stderr); the rows come back in task order, and each is then summarised in
    one line (instance, solver, status, cost, gap, runtime) on stderr. ``run_one`` must be a
    module-level function.
    """
    job = partial(_run_task, run_one, time_limit, seed)
    rows = run_parallel(job, tasks, workers=jobs, progress=True, description="runs")
    for row in rows:
        print(
            f"{row['instance']} {row['solver']}: {row['status']} cost {row['cost']:g} "
            f"gap {row['gap']:.2f}% ({row['runtime']:.1f} s)",
            file=sys.stderr,
        )
    return rows
