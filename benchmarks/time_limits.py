"""Is every time limit kept from a cold start? Every solver of every family in a fresh process.

For each family's sample (a small and a large instance where the family has both), each solver
that models the instance and each limit, ``vrpsolve solve`` runs in a new process (a cold start:
imports, policy loading and the GA's warm-up from the disk cache, which ``vrpsolve warmup``
fills first); the wall time of the whole command, ``Result.runtime`` and the limit are recorded.
The target: ``runtime`` within 10% of the limit; start-up (wall time minus runtime) is reported
separately::

    python benchmarks/time_limits.py --out results/time-limits

writes ``results/time-limits.csv`` and ``results/time-limits.md`` (with the command, the date
and the machine) and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.output import write_csv

ROOT = Path(__file__).resolve().parent.parent

SAMPLE: dict[str, tuple[str, ...]] = {
    "routing": (
        "instances/cvrp/E-n13-k4.vrp",
        "instances/cvrp/X-n251-k28.vrp",
        "instances/vrptw/C101.txt",
    ),
    "flow_admission": ("tests/data/regression/flows.json",),
    "packet_routing": ("tests/data/regression/packets.json",),
    "graph_search": ("tests/data/regression/search.npz",),
    "path_query": ("tests/data/regression/paths.npz",),
}
"""Instance files per family, relative to the repository root."""

LIMITS: dict[str, tuple[float, ...]] = {"routing": (0.1, 1.0, 5.0)}
"""Time limits per family; :data:`DEFAULT_LIMITS` for the others."""

DEFAULT_LIMITS = (1.0, 5.0)

TOLERANCE = 0.10
"""The target: runtime at most the limit plus this share of it."""

FIELDS = ("family", "instance", "solver", "limit", "runtime", "wall", "startup", "status", "ok")


def vrpsolve_command() -> list[str]:
    """The ``vrpsolve`` console script next to this Python."""
    return [str(Path(sys.executable).with_name("vrpsolve"))]


def run_one(path: str, solver: str, limit: float) -> dict[str, Any]:
    """One cold ``vrpsolve solve`` run: wall time of the command, the record's runtime."""
    command = [
        *vrpsolve_command(),
        "solve",
        str(ROOT / path),
        "--solver",
        solver,
        "--time-limit",
        str(limit),
        "--seed",
        "1",
        "--format",
        "json",
        "--quiet",
    ]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    row: dict[str, Any] = {"instance": Path(path).stem, "solver": solver, "limit": limit}
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {**row, "wall": round(wall, 2), "status": f"error: {message}", "ok": False}
    record = json.loads(done.stdout.strip().splitlines()[-1])
    runtime = float(record["runtime"])
    return {
        **row,
        "runtime": round(runtime, 3),
        "wall": round(wall, 2),
        "startup": round(wall - runtime, 2),
        "status": record["status"],
        "ok": runtime <= (1 + TOLERANCE) * limit,
    }


def solvers_of(family: str, path: str) -> list[str]:
    """The available solvers of ``family`` that model the instance at ``path``."""
    import vrpsolve
    from vrpsolve.core.registry import solvers_supporting

    instance = vrpsolve.read_instance(ROOT / path)
    return solvers_supporting(instance)


def markdown(rows: list[dict[str, Any]], command: str) -> str:
    """The results as a markdown page: command, date, machine, the table and a summary."""
    lines = [
        "# Time limits from a cold start",
        "",
        f"`{command}` on {date.today().isoformat()}, {platform.machine()} with "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; every run a fresh "
        "`vrpsolve solve` process with a warm numba cache (`vrpsolve warmup`).",
        "",
        f"`runtime` is `Result.runtime` (the timed run); `startup` the rest of the command's wall "
        f"time (imports, reading, `prepare`, judging, printing). Target: runtime at most the limit "
        f"plus {TOLERANCE:.0%}.",
        "",
        "| family | instance | solver | limit | runtime | wall | startup | status | within |",
        "|---|---|---|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['family']} | {row['instance']} | {row['solver']} | {row['limit']:g} | "
            f"{row.get('runtime', '-')} | {row['wall']} | {row.get('startup', '-')} | "
            f"{row['status']} | {'yes' if row['ok'] else '**no**'} |"
        )
    missed = [r for r in rows if not r["ok"]]
    lines += ["", f"{len(rows) - len(missed)} of {len(rows)} runs within the target."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the sample and write the CSV and markdown files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results/time-limits", help="output path, no suffix")
    parser.add_argument("--solvers", default=None, help="comma-separated subset of solvers")
    args = parser.parse_args(argv)
    wanted = None if args.solvers is None else set(args.solvers.split(","))
    subprocess.run([*vrpsolve_command(), "warmup"], check=True, capture_output=True)
    rows = []
    for family, paths in SAMPLE.items():
        for path in paths:
            for solver in solvers_of(family, path):
                if wanted is not None and solver not in wanted:
                    continue
                for limit in LIMITS.get(family, DEFAULT_LIMITS):
                    row = {"family": family, **run_one(path, solver, limit)}
                    rows.append(row)
                    print(
                        f"{family} {row['instance']} {solver} {limit:g}: "
                        f"runtime {row.get('runtime', '-')} wall {row['wall']} {row['status']}",
                        file=sys.stderr,
                        flush=True,
                    )
    out = Path(args.out)
    write_csv(out.with_suffix(".csv"), rows, FIELDS)
    page = markdown(rows, "python benchmarks/time_limits.py " + " ".join(argv or sys.argv[1:]))
    out.with_suffix(".md").write_text(page)
    print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
