"""Benchmark the genetic algorithm against PyVRP on the CVRP X instances with at most 300 nodes.

Both solvers run through :func:`vrpsolve.solve` with the same time limit and seed, one process
per run (``--jobs`` at a time); every solution is judged by the evaluator and compared with the
best-known value. The GA's hot-loop speed (local-search move evaluations per second, mean split
time) and its numba warm-up time come from its stats::

    .venv/bin/python -m benchmarks.ga --time-limit 60 --jobs 2 --out results/ga.csv
"""

from __future__ import annotations

import argparse
import math
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.output import write_csv
from benchmarks.solver_runs import run_tasks

SOLVERS = ("ga", "pyvrp")
"""Compared solvers, in table order."""

MAX_NODES = 300
"""Largest instance size (nodes, depot included) benchmarked."""

FIELDS: tuple[str, ...] = (
    "instance",
    "num_nodes",
    "solver",
    "time_limit",
    "status",
    "cost",
    "bks",
    "gap",
    "runtime",
    "iterations",
    "compile_time",
    "ls_evaluations_per_second",
    "split_time_ms",
)


def instances(max_nodes: int = MAX_NODES) -> list[Path]:
    """The X instance files with at most ``max_nodes`` nodes, by size."""
    from vrpsolve.catalog import instances_dir

    paths = sorted((instances_dir() / "cvrp").glob("X-*.vrp"))
    sized = [(int(p.stem.split("-")[1][1:]), p) for p in paths]
    return [p for n, p in sorted(sized) if n <= max_nodes]


def run_one(path: Path, solver: str, time_limit: float, seed: int) -> dict[str, Any]:
    """Solve one instance with one solver and return its CSV row."""
    from vrpsolve.catalog import best_known
    from vrpsolve.routing.io import read_instance
    from vrpsolve.solve import solve

    instance = read_instance(path)
    bks = best_known(instance.name).value
    result = solve(instance, solver, time_limit=time_limit, seed=seed)
    stats = result.stats
    return {
        "instance": instance.name,
        "num_nodes": instance.num_nodes,
        "solver": solver,
        "time_limit": time_limit,
        "status": result.status.value,
        "cost": result.cost,
        "bks": bks,
        "gap": 100 * (result.cost - bks) / bks,
        "runtime": round(result.runtime, 3),
        "iterations": stats.get("iterations", ""),
        "compile_time": round(stats["compile_time"], 3) if "compile_time" in stats else "",
        "ls_evaluations_per_second": round(stats.get("ls_evaluations_per_second", 0.0)) or "",
        "split_time_ms": round(1e3 * stats["split_time_mean"], 4)
        if "split_time_mean" in stats
        else "",
    }


def table(rows: Sequence[dict[str, Any]]) -> str:
    """Per-instance gaps of each solver and their means, as a markdown table."""
    by_key = {(r["instance"], r["solver"]): r for r in rows}
    names = sorted({r["instance"] for r in rows}, key=lambda n: int(n.split("-")[1][1:]))
    lines = [
        "| instance | BKS | " + " | ".join(f"{s} cost | {s} gap %" for s in SOLVERS) + " |",
        "|---|---:|" + "---:|---:|" * len(SOLVERS),
    ]
    gaps: dict[str, list[float]] = {s: [] for s in SOLVERS}
    for name in names:
        cells = []
        bks = ""
        for solver in SOLVERS:
            row = by_key.get((name, solver))
            if row is None:
                cells += ["-", "-"]
                continue
            bks = f"{row['bks']:g}"
            cells += [f"{row['cost']:g}", f"{row['gap']:.2f}"]
            gaps[solver].append(row["gap"])
        lines.append(f"| {name} | {bks} | " + " | ".join(cells) + " |")
    means = []
    for solver in SOLVERS:
        values = gaps[solver]
        finite = all(math.isfinite(v) for v in values) and values
        means += ["", f"**{statistics.fmean(values):.2f}**" if finite else "-"]
    lines.append("| mean | | " + " | ".join(means) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table and write the CSV."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-nodes", type=int, default=MAX_NODES)
    parser.add_argument("--solvers", nargs="+", default=list(SOLVERS), choices=SOLVERS)
    parser.add_argument("--out", type=Path, default=Path("results/ga.csv"))
    args = parser.parse_args(argv)
    tasks = [(p, s) for p in instances(args.max_nodes) for s in args.solvers]
    rows = run_tasks(run_one, tasks, time_limit=args.time_limit, seed=args.seed, jobs=args.jobs)
    write_csv(args.out, rows, FIELDS)
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
