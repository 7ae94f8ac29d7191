"""Compare the PFAR solvers: exact ILPs (arc-flow and path), the GA and the greedy baseline.

Instances: the SNDlib networks, and with ``--generated NODES:FLOWS,...`` seeded Waxman networks at
the paper's scale (50 nodes, thousands of flows).
Each SNDlib network (``instances/network/sndlib/*.txt``) is read with its own demands as flows.
SNDlib demands all have priority 1, so by default each flow draws a priority class from the
generator's shares (classes 1..4, 40/30/20/10 %, seeded); ``--priorities file`` keeps them. Every
instance is solved in each mode by greedy, the path ILP and the arc ILP, one at a time, each ILP
with the same time limit and one thread; every objective comes from the evaluator::

    python -m benchmarks.pfar --time-limit 60 --out results/pfar.csv
    python -m benchmarks.pfar --generated 50:1000,50:3000 --solvers greedy ga path \
        --time-limit 60 --ga-time 10 --out results/pfar-generated.csv

``of_best`` is the objective as a percentage of the best objective any solver reached on that
instance and mode (the ILP's when it proves optimality).
"""

from __future__ import annotations

import argparse
import dataclasses
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

FIELDS = (
    "instance",
    "nodes",
    "links",
    "flows",
    "mode",
    "solver",
    "status",
    "feasible",
    "objective",
    "bound",
    "gap",
    "admitted",
    "class_admitted",
    "vs_greedy",
    "of_best",
    "runtime",
)
SOLVERS = ("greedy", "ga", "path", "arc")


def default_instances() -> list[Path]:
    """Every bundled SNDlib native file."""
    root = Path(__file__).resolve().parent.parent / "instances" / "network" / "sndlib"
    return sorted(root.glob("*.txt"))


def load(path: Path, mode: str, priorities: str, seed: int) -> Any:
    """The instance of one SNDlib file in ``mode``, with drawn or file priorities."""
    import numpy as np

    from vrpsolve.flows.generator import DEFAULT_PRIORITY_SHARES
    from vrpsolve.flows.topology import read_topology

    topology = read_topology(path)
    flows = topology.flows
    if priorities == "random":
        classes = sorted(DEFAULT_PRIORITY_SHARES)
        shares = np.array([DEFAULT_PRIORITY_SHARES[c] for c in classes])
        drawn = np.random.default_rng(seed).choice(classes, size=len(flows), p=shares)
        flows = tuple(
            dataclasses.replace(f, priority=float(p)) for f, p in zip(flows, drawn, strict=True)
        )
    return topology.to_instance(flows, mode=mode)


def run_one(
    instance: Any,
    solver: str,
    *,
    time_limit: float,
    k: int,
    backend: str | None,
    ga_time: float = 10.0,
    seed: int = 0,
) -> dict[str, Any]:
    """Solve one instance with one solver; its CSV row (``vs_greedy`` filled in later)."""
    from vrpsolve.flows.greedy import greedy_admission
    from vrpsolve.flows.ilp import solve_arc_ilp, solve_path_ilp
    from vrpsolve.flows.model import evaluate_flows

    start = time.perf_counter()
    bound: float | None = None
    status = "feasible"
    if solver == "greedy":
        solution = greedy_admission(instance)
    elif solver == "ga":
        from vrpsolve.flows.ga import genetic_admission

        solution = genetic_admission(instance, time_limit=ga_time, seed=seed).solution
    else:
        if solver == "path":
            outcome = solve_path_ilp(instance, k=k, time_limit=time_limit, backend=backend)
        else:
            outcome = solve_arc_ilp(instance, time_limit=time_limit, backend=backend)
        solution, status, bound = outcome.solution, outcome.status, outcome.bound
    runtime = time.perf_counter() - start
    result = evaluate_flows(instance, solution)
    objective = result.objective
    gap = math.nan
    if bound is not None:
        gap = 100 * (bound - objective) / bound if bound > 0 else 0.0
    return {
        "instance": instance.name,
        "nodes": instance.num_nodes,
        "links": instance.num_links,
        "flows": instance.num_flows,
        "mode": instance.mode.value,
        "solver": solver,
        "status": status,
        "feasible": result.feasible,
        "objective": objective,
        "bound": math.nan if bound is None else bound,
        "gap": gap,
        "admitted": result.num_admitted,
        "class_admitted": "/".join(str(c) for c in result.class_admitted),
        "key": result.key(),
        "runtime": round(runtime, 2),
    }


def _cell(value: float) -> str:
    return f"{value:g}" if math.isfinite(value) else "-"


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    """One line per instance, mode and solver."""
    lines = [
        "| instance | flows | mode | solver | status | objective | bound | gap % | admitted "
        "| per class (high→low) | vs greedy | % of best | time s |",
        "|---|---:|---|---|---|---:|---:|---:|---:|---|---|---:|---:|",
    ]
    for row in rows:
        gap = f"{row['gap']:.2f}" if math.isfinite(row["gap"]) else "-"
        lines.append(
            f"| {row['instance']} | {row['flows']} | {row['mode']} | {row['solver']} | "
            f"{row['status']}{'' if row['feasible'] else ' (INFEASIBLE)'} | "
            f"{_cell(row['objective'])} | {_cell(row['bound'])} | {gap} | {row['admitted']} | "
            f"{row['class_admitted']} | {row['vs_greedy']} | {row['of_best']:.1f} | "
            f"{row['runtime']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table and write the CSV."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per ILP solve")
    parser.add_argument("--k", type=int, default=10, help="candidate paths per flow (path ILP)")
    parser.add_argument("--backend", choices=("highs", "cbc"), default=None)
    parser.add_argument(
        "--modes", nargs="+", choices=("weighted", "lexicographic"), default=["weighted"]
    )
    parser.add_argument("--solvers", nargs="+", choices=SOLVERS, default=list(SOLVERS))
    parser.add_argument("--priorities", choices=("random", "file"), default="random")
    parser.add_argument("--seed", type=int, default=0, help="seed of the drawn priorities")
    parser.add_argument("--out", type=Path, default=Path("results/pfar.csv"))
    parser.add_argument("--instances", nargs="*", type=Path, help="SNDlib .txt files")
    parser.add_argument(
        "--generated", default="", help="NODES:FLOWS,... seeded Waxman instances instead"
    )
    parser.add_argument("--ga-time", type=float, default=10.0, help="seconds for the GA")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    sources: list[Any] = list(args.instances or default_instances())
    if args.generated:
        sources = [tuple(map(int, item.split(":"))) for item in args.generated.split(",")]
    for source in sources:
        for mode in args.modes:
            if isinstance(source, Path):
                instance = load(source, mode, args.priorities, args.seed)
            else:
                from vrpsolve.flows.generator import generate_instance

                nodes, flows = source
                instance = generate_instance("waxman", nodes, flows, seed=args.seed, mode=mode)
            first = len(rows)
            greedy_key: tuple[float, ...] | None = None
            for solver in ["greedy", *(s for s in args.solvers if s != "greedy")]:
                row = run_one(
                    instance,
                    solver,
                    time_limit=args.time_limit,
                    k=args.k,
                    backend=args.backend,
                    ga_time=args.ga_time,
                    seed=args.seed,
                )
                key = row.pop("key")
                if solver == "greedy":
                    greedy_key = key
                assert greedy_key is not None
                row["vs_greedy"] = "=" if key == greedy_key else ">" if key > greedy_key else "<"
                if solver in args.solvers:
                    rows.append(row)
                print(
                    f"{row['instance']} {mode} {solver}: {row['status']} objective "
                    f"{row['objective']:g} bound {_cell(row['bound'])} in {row['runtime']:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
            best = max((r["objective"] for r in rows[first:]), default=0.0)
            for row in rows[first:]:
                row["of_best"] = 100.0 * row["objective"] / best if best > 0 else 100.0
    write_csv(args.out, rows, FIELDS)
    print(markdown_table(rows))
    print()
    print(f"wall clock {time.perf_counter() - start:.1f} s; CSV in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
