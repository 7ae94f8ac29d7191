"""Benchmark the constructive heuristics on CVRP X, Solomon VRPTW and ORTEC VRPTW instances.

Each heuristic runs once per instance through :func:`vrpsolve.solve` (seed 1); every solution is
judged by the evaluator and compared with the best-known value. The route-check kernel's
insertion-check throughput is measured as well::

    .venv/bin/python -m benchmarks.heuristics --out results/heuristics.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SOLVERS = ("nearest-neighbour", "savings", "insertion")
"""Benchmarked heuristics, in table order."""

SETS = {
    "CVRP X": ("cvrp", "X-*.vrp"),
    "Solomon VRPTW": ("vrptw", "*.txt"),
    "ORTEC VRPTW": ("real", "ORTEC-VRPTW-*.txt"),
}
"""Instance sets: name to (folder under ``instances/``, file pattern)."""

FIELDS: tuple[str, ...] = (
    "set",
    "instance",
    "num_nodes",
    "solver",
    "status",
    "cost",
    "bks",
    "gap",
    "routes",
    "runtime",
)


def run_one(set_name: str, path: Path, solver: str, seed: int) -> dict[str, Any]:
    """Solve one instance with one heuristic and return its CSV row."""
    from vrpsolve.catalog import best_known
    from vrpsolve.io import read_instance
    from vrpsolve.solve import solve

    instance = read_instance(path)
    bks = best_known(instance.name).value
    result = solve(instance, solver, seed=seed)
    return {
        "set": set_name,
        "instance": instance.name,
        "num_nodes": instance.num_nodes,
        "solver": solver,
        "status": result.status.value,
        "cost": result.cost,
        "bks": bks,
        "gap": 100 * (result.cost - bks) / bks,
        "routes": 0 if result.solution is None else len(result.solution.routes),
        "runtime": round(result.runtime, 4),
    }


def summary_table(rows: Sequence[dict[str, Any]]) -> str:
    """Mean gap, feasible count and mean time per set and heuristic, as a markdown table."""
    lines = [
        "| set | heuristic | instances | feasible | mean gap % | mean time s | max time s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for set_name in SETS:
        for solver in SOLVERS:
            group = [r for r in rows if r["set"] == set_name and r["solver"] == solver]
            if not group:
                continue
            gaps = [r["gap"] for r in group if math.isfinite(r["gap"])]
            times = [r["runtime"] for r in group]
            gap = f"{statistics.fmean(gaps):.2f}" if gaps else "-"
            lines.append(
                f"| {set_name} | {solver} | {len(group)} | {len(gaps)} | {gap} | "
                f"{statistics.fmean(times):.3f} | {max(times):.3f} |"
            )
    return "\n".join(lines)


def kernel_throughput(path: Path, repeats: int = 3) -> dict[str, float]:
    """Insertion checks per second of the route-check kernel on the insertion heuristic's routes.

    ``batched``: :meth:`RouteKernel.insertions` of every customer at every position of each route
    (one NumPy call per route). ``single``: one scalar ``prefix + customer + suffix`` concatenation
    and limit check per call, as a local search would do it. ``exact``: the evaluator-equivalent
    :meth:`RouteKernel.check` of the inserted route.
    """
    from vrpsolve.io import read_instance
    from vrpsolve.solve import solve
    from vrpsolve.solvers.route_check import RouteKernel, Segment, take

    instance = read_instance(path)
    kernel = RouteKernel(instance)
    solution = solve(instance, "insertion").solution
    assert solution is not None
    routes = [(r.vehicle_type, list(r.visits)) for r in solution.routes]
    data = [kernel.route_data(k, visits) for k, visits in routes]
    customers = instance.customers
    rates: dict[str, float] = {}

    start, checks = time.perf_counter(), 0
    for _ in range(repeats):
        for item in data:
            feasible = kernel.insertions(item, customers).feasible
            checks += feasible.size
    rates["batched"] = checks / (time.perf_counter() - start)

    def scalars(segments: Segment, count: int) -> list[Segment]:
        return [Segment(*(v.item() for v in take(segments, p))) for p in range(count)]

    prefixes = [scalars(item.prefix, len(item.visits) + 1) for item in data]
    suffixes = [scalars(item.suffix, len(item.visits) + 1) for item in data]
    sample = customers[:50]
    start, checks = time.perf_counter(), 0
    for (k, _visits), pre, suf in zip(routes, prefixes, suffixes, strict=True):
        for customer in sample:
            node = kernel.node(int(customer))
            for p in range(len(pre)):
                kernel.feasible(k, kernel.join(kernel.join(pre[p], node), suf[p]))
                checks += 1
    rates["single"] = checks / (time.perf_counter() - start)

    start, checks = time.perf_counter(), 0
    for k, visits in routes:
        for customer in sample[:10]:
            for p in range(len(visits) + 1):
                kernel.check(k, [*visits[:p], int(customer), *visits[p:]])
                checks += 1
    rates["exact"] = checks / (time.perf_counter() - start)
    return rates


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the tables and write the CSV."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("results/heuristics.csv"))
    args = parser.parse_args(argv)
    from vrpsolve.catalog import instances_dir

    rows = []
    for set_name, (folder, pattern) in SETS.items():
        for path in sorted((instances_dir() / folder).glob(pattern)):
            for solver in SOLVERS:
                row = run_one(set_name, path, solver, args.seed)
                rows.append(row)
                print(
                    f"{row['instance']} {solver}: {row['status']} cost {row['cost']:g} "
                    f"gap {row['gap']:.2f}% ({row['runtime']:.3f} s)",
                    file=sys.stderr,
                    flush=True,
                )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(summary_table(rows))
    print()
    for name in ("vrptw/R101.txt", "cvrp/X-n1001-k43.vrp"):
        rates = kernel_throughput(instances_dir() / name)
        line = ", ".join(f"{kind} {rate:,.0f}/s" for kind, rate in rates.items())
        print(f"insertion checks on {name}: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
