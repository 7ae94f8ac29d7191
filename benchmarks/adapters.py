"""Benchmark the solver adapters against PyVRP called directly, on the CVRP X instances.

Three solvers run at the same time budget and seed, one thread each, in parallel worker
processes: PyVRP called directly on its own reading of the file (``pyvrp-direct``), and vrpsolve's
``pyvrp`` and ``ortools`` adapters through :func:`vrpsolve.solve`. Every solution is re-evaluated
by vrpsolve's evaluator and compared with the best-known value::

    .venv/bin/python -m benchmarks.adapters --time-limit 10 --seed 1 --jobs 2 \\
        --out results/adapters.csv
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.output import write_csv
from benchmarks.solver_runs import run_tasks

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

SOLVERS = ("pyvrp-direct", "pyvrp", "ortools")
"""Benchmarked solvers, in table order."""

FIELDS = (
    "instance",
    "num_nodes",
    "solver",
    "time_limit",
    "seed",
    "status",
    "cost",
    "bks",
    "gap",
    "routes",
    "runtime",
    "engine_cost",
)


def _pyvrp_direct(path: Path, time_limit: float, seed: int) -> tuple[Any, float, float]:
    """PyVRP on its own reading of the file; the solution as vrpsolve routes."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    from vrpsolve.routing.model import Route, Solution

    data = pyvrp.read(path, round_func="round")
    start = time.perf_counter()
    result = pyvrp.solve(data, stop=MaxRuntime(time_limit), seed=seed, display=False)
    runtime = time.perf_counter() - start
    clients = data.clients()
    solution = Solution(
        tuple(
            Route(tuple(clients[a.idx].location for a in route if a.is_client()), 0)
            for route in result.best.routes()
        )
    )
    return solution, runtime, float(result.cost())


def run_one(path: str, solver: str, time_limit: float, seed: int) -> dict[str, Any]:
    """Solve one instance with one solver and return its CSV row."""
    from vrpsolve.catalog import best_known
    from vrpsolve.routing.io import read_instance
    from vrpsolve.routing.model import Evaluation, evaluate
    from vrpsolve.solve import solve

    instance = read_instance(path)
    bks = best_known(instance.name).value
    evaluation: Evaluation | None
    if solver == "pyvrp-direct":
        solution, runtime, engine_cost = _pyvrp_direct(Path(path), time_limit, seed)
        evaluation = evaluate(instance, solution)
        status = "feasible" if evaluation.feasible else "infeasible"
    else:
        result = solve(instance, solver, time_limit=time_limit, seed=seed)
        solution, runtime = result.solution, result.runtime
        evaluation = result.evaluation if isinstance(result.evaluation, Evaluation) else None
        engine_cost = float(result.stats.get("engine_cost", math.nan))
        status = result.status.value
    cost = evaluation.penalised_cost if evaluation is not None else math.inf
    return {
        "instance": instance.name,
        "num_nodes": instance.num_nodes,
        "solver": solver,
        "time_limit": time_limit,
        "seed": seed,
        "status": status,
        "cost": cost,
        "bks": bks,
        "gap": 100 * (cost - bks) / bks,
        "routes": 0 if solution is None else len(solution.routes),
        "runtime": round(runtime, 3),
        "engine_cost": engine_cost,
    }


def markdown_table(rows: Sequence[dict[str, Any]], solvers: Sequence[str]) -> str:
    """Gap per instance and solver, and the mean gap per solver, as a markdown table."""
    by_key = {(row["instance"], row["solver"]): row for row in rows}
    instances = sorted({row["instance"] for row in rows}, key=lambda name: _num_nodes(rows, name))
    lines = [
        "| instance | BKS | " + " | ".join(f"{s} cost | {s} gap %" for s in solvers) + " |",
        "|---|---:|" + "---:|---:|" * len(solvers),
    ]
    for name in instances:
        cells = []
        for solver in solvers:
            row = by_key.get((name, solver))
            if row is None or not math.isfinite(row["cost"]):
                cells += ["-", "-"]
            else:
                cells += [f"{row['cost']:g}", f"{row['gap']:.2f}"]
        bks = next(row["bks"] for row in rows if row["instance"] == name)
        lines.append(f"| {name} | {bks:g} | " + " | ".join(cells) + " |")
    means = []
    for solver in solvers:
        gaps = [row["gap"] for row in rows if row["solver"] == solver]
        finite = [g for g in gaps if math.isfinite(g)]
        solved = f" ({len(finite)}/{len(gaps)} solved)" if len(finite) < len(gaps) else ""
        means += ["", f"**{statistics.fmean(finite):.2f}**{solved}" if finite else "-"]
    lines.append("| **mean gap** | | " + " | ".join(means) + " |")
    return "\n".join(lines)


def _num_nodes(rows: Sequence[dict[str, Any]], name: str) -> int:
    """Number of nodes of an instance, for sorting table rows by size."""
    return next(int(row["num_nodes"]) for row in rows if row["instance"] == name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table and write the CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2, help="parallel worker processes")
    parser.add_argument("--out", type=Path, default=Path("results/adapters.csv"))
    parser.add_argument(
        "--instances", nargs="*", type=Path, help="instance files (default: instances/cvrp/X-*.vrp)"
    )
    parser.add_argument("--solvers", nargs="*", default=list(SOLVERS), choices=SOLVERS)
    args = parser.parse_args(argv)
    from vrpsolve.catalog import instances_dir

    paths = args.instances or sorted((instances_dir() / "cvrp").glob("X-*.vrp"))
    # Largest instances first, so the parallel workers finish together.
    tasks = sorted(
        ((str(p), s) for p in paths for s in args.solvers),
        key=lambda task: -int(Path(task[0]).stem.split("-")[1][1:]),
    )
    rows = run_tasks(run_one, tasks, time_limit=args.time_limit, seed=args.seed, jobs=args.jobs)
    rows.sort(key=lambda row: (row["num_nodes"], SOLVERS.index(row["solver"])))
    write_csv(args.out, rows, FIELDS)
    print(markdown_table(rows, args.solvers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
