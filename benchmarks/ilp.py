"""Benchmark the exact ILP solver on the bundled ATSP instances and two small CVRP instances.

Each instance is solved once, one at a time, through :func:`vrpsolve.solve` (so every cost comes
from the evaluator), with the given time limit per instance::

    .venv/bin/python -m benchmarks.ilp --time-limit 60 --out results/ilp.csv
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.output import write_csv

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

CVRP_INSTANCES = ("E-n13-k4", "P-n16-k8")
"""CVRP instances run besides every ATSP instance."""

FIELDS = (
    "instance",
    "num_nodes",
    "time_limit",
    "backend",
    "status",
    "cost",
    "bks",
    "gap",
    "lower_bound",
    "bound_gap",
    "runtime",
    "rounds",
    "cuts",
)


def default_instances() -> list[Path]:
    """Every bundled ATSP file, then the CVRP instances of :data:`CVRP_INSTANCES`."""
    from vrpsolve.catalog import instances_dir

    root = instances_dir()
    return sorted((root / "atsp").glob("*.atsp")) + [
        root / "cvrp" / f"{name}.vrp" for name in CVRP_INSTANCES
    ]


def run_one(path: Path, time_limit: float, backend: str | None) -> dict[str, Any]:
    """Solve one instance and return its CSV row."""
    from vrpsolve.catalog import best_known
    from vrpsolve.routing.io import read_instance
    from vrpsolve.solve import solve

    instance = read_instance(path)
    bks = best_known(instance.name).value
    options: dict[str, Any] = {} if backend is None else {"backend": backend}
    result = solve(instance, "ilp", time_limit=time_limit, **options)
    cost = result.cost
    lower = result.lower_bound
    return {
        "instance": instance.name,
        "num_nodes": instance.num_nodes,
        "time_limit": time_limit,
        "backend": result.stats.get("backend", ""),
        "status": result.status.value,
        "cost": cost,
        "bks": bks,
        "gap": 100 * (cost - bks) / bks if math.isfinite(cost) else math.inf,
        "lower_bound": math.nan if lower is None else lower,
        "bound_gap": 100 * (bks - lower) / bks if lower is not None else math.nan,
        "runtime": round(result.runtime, 2),
        "rounds": result.stats.get("rounds", 0),
        "cuts": result.stats.get("cuts", 0),
    }


def _number(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if math.isfinite(value) else "-"


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    """One line per instance: status, cost, gaps to the BKS, lower bound, time, rounds, cuts."""
    lines = [
        "| instance | n | status | cost | BKS | gap % | lower bound | bound gap % | time s "
        "| rounds | cuts |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cost = f"{row['cost']:g}" if math.isfinite(row["cost"]) else "-"
        lower = f"{row['lower_bound']:g}" if math.isfinite(row["lower_bound"]) else "-"
        lines.append(
            f"| {row['instance']} | {row['num_nodes']} | {row['status']} | {cost} | "
            f"{row['bks']:g} | {_number(row['gap'])} | {lower} | {_number(row['bound_gap'])} | "
            f"{row['runtime']:.2f} | {row['rounds']} | {row['cuts']} |"
        )
    return "\n".join(lines)


def summary(rows: Sequence[dict[str, Any]]) -> str:
    """Count of proven optima and the total solve time."""
    proven = sum(row["status"] == "optimal" for row in rows)
    total = sum(float(row["runtime"]) for row in rows)
    return f"{proven}/{len(rows)} proven optimal; total solve time {total:.1f} s"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table and write the CSV."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    parser.add_argument("--backend", choices=("highs", "cbc"), default=None)
    parser.add_argument("--out", type=Path, default=Path("results/ilp.csv"))
    parser.add_argument("--instances", nargs="*", type=Path, help="instance files")
    args = parser.parse_args(argv)
    paths = args.instances or default_instances()
    rows = []
    start = time.perf_counter()
    for path in paths:
        row = run_one(path, args.time_limit, args.backend)
        rows.append(row)
        print(
            f"{row['instance']}: {row['status']} cost {row['cost']:g} bound "
            f"{row['lower_bound']:g} in {row['runtime']:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    write_csv(args.out, rows, FIELDS)
    print(markdown_table(rows))
    print()
    print(summary(rows) + f" (wall clock {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
