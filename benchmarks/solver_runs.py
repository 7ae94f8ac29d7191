"""Shared driver of the per-instance solver benchmarks: parallel runs with progress."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

RunOne = Callable[[Any, str, float, int], dict[str, Any]]


def run_tasks(
    run_one: RunOne,
    tasks: Sequence[tuple[Any, str]],
    *,
    time_limit: float,
    seed: int,
    jobs: int,
) -> list[dict[str, Any]]:
    """Rows of ``run_one(path, solver, time_limit, seed)`` for every ``(path, solver)`` task.

    The runs go to ``jobs`` worker processes; the rows come back in task order, and each prints
    one progress line (instance, solver, status, cost, gap, runtime) to stderr as it is collected.
    """
    rows = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_one, path, solver, time_limit, seed) for path, solver in tasks]
        for future in futures:
            row = future.result()
            rows.append(row)
            print(
                f"{row['instance']} {row['solver']}: {row['status']} cost {row['cost']:g} "
                f"gap {row['gap']:.2f}% ({row['runtime']:.1f} s)",
                file=sys.stderr,
                flush=True,
            )
    return rows
