"""Evaluate a routing policy on the fixed test sets: gap to PyVRP per variant, and inference time.

For every chosen set of the manifest (built by ``vrpsolve generate test-sets``), the first
``--instances`` instances are solved by the policy in one batch (``--strategy``; time per
instance = batch wall time / instances) and by PyVRP with ``--reference-time`` seconds each. PyVRP
costs are cached in ``--reference-cache`` (a CSV keyed by set, instance and time limit), so the
expensive reference is computed once and reused. With ``--ls-time T``, ``routefinder+ls`` and
PyVRP alone also get ``T`` seconds per instance, and their gaps to the reference are reported
beside the policy's. Every cost is the evaluator's::

    .venv/bin/python -m benchmarks.routefinder --policy policies/routefinder-n50.pt \\
        --sizes 50 --instances 128 --reference-time 10 --jobs 2 --out results/routefinder-n50
"""

from __future__ import annotations

import argparse
import csv
import functools
import math
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.output import write_csv

if TYPE_CHECKING:
    from vrpsolve.routing.model import RoutingInstance


def _read_cache(path: Path) -> dict[str, float]:
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        return {row["key"]: float(row["cost"]) for row in csv.DictReader(handle)}


def _write_cache(path: Path, cache: dict[str, float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "cost"])
        writer.writerows(sorted(cache.items()))
    partial.replace(path)


def pyvrp_references(
    instances: Sequence[RoutingInstance],
    seconds: float,
    *,
    jobs: int,
    cache_path: str | Path,
    label: str,
) -> list[float]:
    """PyVRP's cost (seed 1, ``seconds`` each) on every instance, keyed by its name.

    Costs come from the CSV cache where present; the others are computed in ``jobs`` processes
    and added to the cache.
    """
    from vrpsolve.solve import solve

    cache_path = Path(cache_path)
    cache = _read_cache(cache_path)
    missing = [i for i in instances if f"{i.name}@{seconds:g}" not in cache]
    if missing:
        print(f"{label}: PyVRP on {len(missing)} instance(s)", file=sys.stderr)
        pyvrp = functools.partial(solve, solver="pyvrp", time_limit=seconds, seed=1)
        with ProcessPoolExecutor(jobs) as pool:
            for inst, result in zip(missing, pool.map(pyvrp, missing), strict=True):
                cache[f"{inst.name}@{seconds:g}"] = result.cost
        _write_cache(cache_path, cache)
    return [cache[f"{i.name}@{seconds:g}"] for i in instances]


def evaluate_sets(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Rows of the per-instance comparison for every chosen set."""
    from vrpsolve.routing.convert import solution_for_instance, to_routing_instance
    from vrpsolve.routing.datasets import iter_manifest
    from vrpsolve.routing.model import evaluate
    from vrpsolve.routing.solvers.neural import construct, load_policy
    from vrpsolve.routing.variants import resolve_variants

    wanted = {v.name for v in resolve_variants(args.variants)}
    sizes = {int(s) for s in args.sizes.split(",")}
    policy = load_policy(args.policy)
    rows: list[dict[str, Any]] = []
    timings: dict[str, float] = {}
    for entry, td in iter_manifest(args.manifest):
        if entry["suite"] != args.suite or entry["variant"] not in wanted:
            continue
        if entry["customers"] not in sizes:
            continue
        count = min(args.instances, len(td))
        name = str(entry["path"])
        instances = [to_routing_instance(td, k, name=f"{name}#{k}") for k in range(count)]
        if not timings:  # warm up (lazy imports, first allocations) outside the timing
            construct(instances[:1], policy, strategy="greedy")
        began = time.perf_counter()
        actions = construct(instances, policy, strategy=args.strategy, seed=args.seed)
        timings[name] = (time.perf_counter() - began) / count
        references = pyvrp_references(
            instances,
            args.reference_time,
            jobs=args.jobs,
            cache_path=args.reference_cache,
            label=name,
        )
        searched = _with_search(instances, args, name) if args.ls_time > 0 else {}
        for k, (inst, reference) in enumerate(zip(instances, references, strict=True)):
            evaluation = evaluate(inst, solution_for_instance(inst, actions[k]))
            cost = evaluation.cost if evaluation.feasible else math.inf
            row = {
                "set": name,
                "variant": entry["variant"],
                "customers": entry["customers"],
                "instance": k,
                "policy_cost": cost,
                "reference_cost": reference,
                "gap": 100.0 * (cost - reference) / reference,
                "ms_per_instance": 1000.0 * timings[name],
            }
            for column, costs in searched.items():
                row[column] = 100.0 * (costs[k] - reference) / reference
            rows.append(row)
    return rows


def _with_search(
    instances: Sequence[RoutingInstance], args: argparse.Namespace, label: str
) -> dict[str, list[float]]:
    """Costs of ``routefinder+ls`` and of PyVRP alone, both with ``--ls-time`` seconds each."""
    from vrpsolve.solve import solve

    search = functools.partial(
        solve, solver="routefinder+ls", policy=args.policy, time_limit=args.ls_time, seed=1
    )
    with ProcessPoolExecutor(args.jobs) as pool:
        seeded = [result.cost for result in pool.map(search, instances)]
    alone = pyvrp_references(
        instances, args.ls_time, jobs=args.jobs, cache_path=args.reference_cache, label=label
    )
    return {"ls_gap": seeded, "pyvrp_short_gap": alone}


SEARCH_COLUMNS = {"ls_gap": "+ls gap %", "pyvrp_short_gap": "pyvrp short gap %"}
"""Per-instance columns of the ``--ls-time`` comparison and their titles in the summary."""


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean gap, feasible count and time per variant and size, then the mean over variants."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["variant"], row["customers"]), []).append(row)
    table = []
    for (variant, size), members in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0])):
        feasible = [r for r in members if math.isfinite(r["policy_cost"])]
        line = {
            "variant": variant,
            "n": size,
            "instances": len(members),
            "feasible": len(feasible),
            "gap %": sum(r["gap"] for r in feasible) / max(1, len(feasible)),
            "ms/instance": members[0]["ms_per_instance"],
        }
        for column, title in SEARCH_COLUMNS.items():
            if column in members[0]:
                line[title] = sum(r[column] for r in members) / len(members)
        table.append(line)
    for size in sorted({t["n"] for t in table}):
        part = [t for t in table if t["n"] == size]
        mean = {
            "variant": "mean",
            "n": size,
            "instances": sum(t["instances"] for t in part),
            "feasible": sum(t["feasible"] for t in part),
        }
        for title in part[0]:
            if title not in mean and title != "variant":
                mean[title] = sum(t[title] for t in part) / len(part)
        table.append(mean)
    return table


def markdown(table: list[dict[str, Any]]) -> str:
    """The summary as a markdown table."""
    columns = list(table[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in table:
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_results(
    stem: str, rows: list[dict[str, Any]], text: str, module: str, argv: Sequence[str] | None
) -> None:
    """Write the per-instance ``rows`` to ``<stem>.csv`` and the command and ``text`` to
    ``<stem>.md``."""
    out = Path(stem)
    write_csv(out.with_suffix(".csv"), rows, list(rows[0]))
    command = " ".join([f"python -m {module}", *(sys.argv[1:] if argv is None else argv)])
    out.with_suffix(".md").write_text(f"```\n{command}\n```\n\n{text}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation; print the table and write ``<out>.csv`` and ``<out>.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", required=True, help="checkpoint path or name in policies/")
    parser.add_argument("--manifest", default="data/test-sets/manifest.json")
    parser.add_argument("--suite", default="routefinder")
    parser.add_argument("--variants", default="single-depot-16")
    parser.add_argument("--sizes", default="50")
    parser.add_argument("--instances", type=int, default=128, help="instances per set")
    parser.add_argument("--strategy", default="augment")
    parser.add_argument("--reference-time", type=float, default=10.0)
    parser.add_argument("--reference-cache", default="results/reference/pyvrp.csv")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument(
        "--ls-time",
        type=float,
        default=0.0,
        help="also run routefinder+ls and PyVRP alone with this many seconds each (0: off)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="output stem: writes .csv and .md")
    args = parser.parse_args(argv)
    from vrpsolve.routing.datasets import ManifestError

    try:
        rows = evaluate_sets(args)
    except ManifestError as error:
        print(error, file=sys.stderr)
        return 2
    if not rows:
        print("no test set matches the options", file=sys.stderr)
        return 2
    table = summary(rows)
    text = markdown(table)
    print(text)
    write_results(args.out, rows, text, "benchmarks.routefinder", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
