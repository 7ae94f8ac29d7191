"""Real road matrices (issue 7): learned policies, MatNet and LKH side by side, gaps to PyVRP.

City mode (default): for every chosen city test set of the manifest (``vrpsolve generate
test-sets``; ATSP, ACVRP and ACVRPTW per city, some cities held out of training), the first
``--instances`` instances are solved by

- ``rrnco``: the RRNCO-style policy (``--rrnco``), decoding ``--strategy`` (default augment);
- ``rrnco+ls``: its construction, then PyVRP's search, ``--ls-time`` seconds in all;
- ``routefinder``: the RouteFinder-style policy (``--routefinder``, optional);
- ``matnet``: rl4co's MatNet trained by :mod:`benchmarks.matnet` (``--matnet``, optional; ATSP),
  greedy from every start; with the ``augment`` strategy over 8 draws of its random one-hot
  column inputs (MatNet's own augmentation, as many rollouts as the policies' 8 symmetries);
- ``lkh``: LKH through elkai (ATSP; ``--lkh-runs`` runs), on a rounded integer copy of the matrix
  (largest entry :data:`LKH_RESOLUTION`) unless the matrix is integral already;

and the gap of each to PyVRP with ``--reference-time`` seconds (seed 1) is reported per city group
(in-distribution or held-out) and problem, with the mean time per instance. Policies decode a
set in one batch (time per instance = batch wall time / instances, after a warm-up); the others
solve one instance at a time. PyVRP costs come from the CSV cache of
:mod:`benchmarks.routefinder` (computed in ``--jobs`` processes where missing).

TSPLIB mode (``--tsplib``): the 19 ATSP instances of ``instances/atsp/``, gaps of rrnco, rrnco+ls,
LKH and PyVRP to the proven optimum (``instances/bks.csv``).

Every cost is the evaluator's, on the original matrix::

    .venv/bin/python -m benchmarks.road_matrices --rrnco policies/rrnco-n50.pt \\
        --routefinder policies/routefinder-n50.pt --matnet policies/matnet-atsp50.pt \\
        --jobs 2 --out results/road-matrices-n50
    .venv/bin/python -m benchmarks.road_matrices --tsplib --rrnco policies/rrnco-n50.pt \\
        --jobs 2 --out results/road-matrices-tsplib
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from benchmarks.matnet import load_matnet, matnet_tours, tour_solution
from benchmarks.routefinder import markdown, pyvrp_references, write_results
from vrpsolve.routing.model import RoutingInstance, Solution, evaluate
from vrpsolve.routing.solvers.neural import AUGMENTATIONS

LKH_RESOLUTION = 100_000
"""Largest entry of the integer matrix LKH gets when the instance's matrix is not integral."""

CITY_METHODS = ("rrnco", "rrnco+ls", "routefinder", "matnet", "lkh")
TSPLIB_METHODS = ("rrnco", "rrnco+ls", "lkh", "pyvrp")

Outcome = tuple[float, float]
"""A method's evaluated cost (``inf`` if infeasible) and its seconds on one instance."""


def lkh_tour(instance: RoutingInstance, runs: int) -> list[int]:
    """LKH's tour (each node once, no return) of an (A)TSP instance, through elkai."""
    import elkai

    if not instance.is_tsp:
        raise ValueError(f"{instance.name}: LKH solves (A)TSP only, not {instance.variant}")
    matrix = instance.distance
    if not np.array_equal(matrix, np.round(matrix)):
        matrix = np.round(matrix * (LKH_RESOLUTION / matrix.max()))
    tour = elkai.DistanceMatrix(matrix.astype(np.int64).tolist()).solve_tsp(runs=runs)
    return [int(node) for node in tour[:-1]]


def _cost(instance: RoutingInstance, solution: Solution) -> float:
    return evaluate(instance, solution).penalised_cost


def _policy(instances: list[RoutingInstance], path: str, args: argparse.Namespace) -> list[Outcome]:
    """A vrpsolve policy's constructions, decoded as one batch."""
    from vrpsolve.routing.convert import solution_for_instance
    from vrpsolve.routing.solvers.neural import construct, load_policy

    policy = load_policy(path)
    construct(instances[:1], policy, strategy="greedy")  # warm-up outside the timing
    began = time.perf_counter()
    actions = construct(instances, policy, strategy=args.strategy, seed=args.seed)
    seconds = (time.perf_counter() - began) / len(instances)
    return [
        (_cost(inst, solution_for_instance(inst, a)), seconds)
        for inst, a in zip(instances, actions, strict=True)
    ]


def _matnet(instances: list[RoutingInstance], path: str, args: argparse.Namespace) -> list[Outcome]:
    policy = load_matnet(path)
    matnet_tours(instances[:1], policy)  # warm-up outside the timing
    began = time.perf_counter()
    draws = AUGMENTATIONS if args.strategy == "augment" else 1  # MatNet's own augmentation
    tours = matnet_tours(instances, policy, seed=args.seed, draws=draws)
    seconds = (time.perf_counter() - began) / len(instances)
    return [
        (_cost(inst, tour_solution(inst, t)), seconds)
        for inst, t in zip(instances, tours, strict=True)
    ]


def _each(
    instances: list[RoutingInstance], run: Callable[[RoutingInstance], float]
) -> list[Outcome]:
    """One instance at a time: ``run`` returns the evaluated cost."""
    outcomes = []
    for inst in instances:
        began = time.perf_counter()
        cost = run(inst)
        outcomes.append((cost, time.perf_counter() - began))
    return outcomes


def solve_all(
    instances: list[RoutingInstance], methods: Sequence[str], args: argparse.Namespace
) -> dict[str, list[Outcome]]:
    """Every method's outcome on every instance (of one size)."""
    from vrpsolve.solve import solve

    out: dict[str, list[Outcome]] = {}
    for method in methods:
        if method == "rrnco":
            out[method] = _policy(instances, args.rrnco, args)
        elif method == "routefinder":
            out[method] = _policy(instances, args.routefinder, args)
        elif method == "matnet":
            out[method] = _matnet(instances, args.matnet, args)
        elif method == "rrnco+ls":
            out[method] = _each(
                instances,
                lambda i: (
                    solve(
                        i,
                        solver="rrnco+ls",
                        policy=args.rrnco,
                        time_limit=args.ls_time,
                        seed=args.seed,
                    ).cost
                ),
            )
        elif method == "lkh":
            out[method] = _each(
                instances, lambda i: _cost(i, tour_solution(i, lkh_tour(i, args.lkh_runs)))
            )
        else:
            raise ValueError(f"unknown method {method!r}")
    return out


def _row(base: dict[str, Any], method: str, outcome: Outcome, reference: float) -> dict[str, Any]:
    cost, seconds = outcome
    gap = 100.0 * (cost - reference) / reference
    return base | {
        "method": method,
        "cost": cost,
        "reference": reference,
        "gap": gap,
        "ms": 1000.0 * seconds,
    }


def city_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Per-instance rows (one per method) of the chosen city test sets."""
    from vrpsolve.routing.convert import to_routing_instance
    from vrpsolve.routing.datasets import iter_manifest

    cities = set(args.cities.split(","))
    problems = set(args.problems.split(","))
    sizes = {int(s) for s in args.sizes.split(",")}
    chosen = []
    for entry, td in iter_manifest(args.manifest):
        source = str(entry["source"])
        if entry["suite"] != "cities" or source.split(":", 1)[-1] not in cities:
            continue
        if entry["variant"] not in problems or entry["customers"] not in sizes:
            continue
        name = str(entry["path"])
        count = min(args.instances, len(td))
        instances = [to_routing_instance(td, k, name=f"{name}#{k}") for k in range(count)]
        chosen.append((entry, instances))
    everything = [inst for _, instances in chosen for inst in instances]
    if not everything:
        return []
    references = dict(
        zip(
            (i.name for i in everything),
            pyvrp_references(
                everything,
                args.reference_time,
                jobs=args.jobs,
                cache_path=args.reference_cache,
                label=f"{len(chosen)} set(s)",
            ),
            strict=True,
        )
    )
    methods = [m for m in CITY_METHODS if m not in ("routefinder", "matnet") or getattr(args, m)]
    rows = []
    for entry, instances in chosen:
        tsp = instances[0].is_tsp
        wanted = [m for m in methods if tsp or m not in ("matnet", "lkh")]
        print(f"{entry['path']}: {', '.join(wanted)}", file=sys.stderr)
        outcomes = solve_all(instances, wanted, args)
        for k, inst in enumerate(instances):
            base = {
                "set": entry["path"],
                "city": str(entry["source"]).split(":", 1)[-1],
                "group": "held-out" if entry["held_out"] else "in-dist",
                "problem": entry["variant"],
                "n": entry["customers"],
                "instance": k,
            }
            rows += [_row(base, m, outcomes[m][k], references[inst.name]) for m in wanted]
    return rows


def tsplib_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Per-instance rows of the TSPLIB ATSP instances, gaps to the proven optimum."""
    from vrpsolve.catalog import best_known_values
    from vrpsolve.routing.io import read_instance

    known = best_known_values("TSPLIB-ATSP")
    if args.names:
        names = set(args.names.split(","))
        known = [bk for bk in known if bk.instance in names]
    instances = []
    for bk in known:
        instance = read_instance(bk.path)
        if not isinstance(instance, RoutingInstance):
            raise ValueError(f"{bk.path}: not a routing instance")
        instances.append(instance)
    if not instances:
        return []
    pyvrp = pyvrp_references(
        instances,
        args.reference_time,
        jobs=args.jobs,
        cache_path=args.reference_cache,
        label="TSPLIB ATSP",
    )
    rows = []
    for bk, inst, pyvrp_cost in zip(known, instances, pyvrp, strict=True):
        print(f"{bk.instance}: {inst.num_nodes} nodes", file=sys.stderr)
        outcomes = solve_all([inst], [m for m in TSPLIB_METHODS if m != "pyvrp"], args)
        outcomes["pyvrp"] = [(pyvrp_cost, args.reference_time)]
        base = {"set": bk.set, "instance": bk.instance, "n": inst.num_nodes}
        rows += [_row(base, m, outcomes[m][0], bk.value) for m in TSPLIB_METHODS]
    return rows


def _cell(values: list[float], fmt: str, infeasible: int) -> str:
    if not values:
        return "-" if not infeasible else f"({infeasible} infeasible)"
    text = format(sum(values) / len(values), fmt)
    return text + (f" ({infeasible} infeasible)" if infeasible else "")


def summary(
    rows: list[dict[str, Any]], keys: Sequence[str], methods: Sequence[str], *, total: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Mean gap (%) and mean ms per instance of each method, per group of ``keys``.

    Gaps are averaged over the feasible solutions, whose count is named where short; ``total``
    adds a row over all rows.
    """
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    if total:
        groups[tuple("mean" if k == keys[0] else "" for k in keys)] = rows
    gaps, times = [], []
    for key, members in groups.items():
        label = dict(zip(keys, key, strict=True))
        counted = {(r["set"], r["instance"]) for r in members}
        gap_row: dict[str, Any] = label | {"instances": len(counted)}
        ms_row: dict[str, Any] = label | {"instances": len(counted)}
        for method in methods:
            mine = [r for r in members if r["method"] == method]
            feasible = [r for r in mine if math.isfinite(r["cost"])]
            infeasible = len(mine) - len(feasible)
            gap_row[method] = _cell([r["gap"] for r in feasible], ".2f", infeasible)
            ms_row[method] = _cell([r["ms"] for r in mine], ".0f", 0)
        gaps.append(gap_row)
        times.append(ms_row)
    return gaps, times


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison; print the tables and write ``<out>.csv`` and ``<out>.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsplib", action="store_true", help="the TSPLIB ATSP instances")
    parser.add_argument("--names", default="", help="TSPLIB instances (default: all 19)")
    parser.add_argument("--manifest", default="data/test-sets/manifest.json")
    parser.add_argument("--sizes", default="50")
    parser.add_argument("--cities", default="helsinki,andorra,krems,moscow")
    parser.add_argument("--problems", default="ATSP,ACVRP,ACVRPTW")
    parser.add_argument("--instances", type=int, default=16, help="instances per set")
    parser.add_argument("--rrnco", default="rrnco-n50", help="checkpoint path or name")
    parser.add_argument("--routefinder", default=None, help="checkpoint path or name")
    parser.add_argument("--matnet", default=None, help="MatNet checkpoint path")
    parser.add_argument("--strategy", default="augment", help="decoding of the policies")
    parser.add_argument("--ls-time", type=float, default=1.0, help="rrnco+ls seconds")
    parser.add_argument("--lkh-runs", type=int, default=10)
    parser.add_argument("--reference-time", type=float, default=10.0)
    parser.add_argument("--reference-cache", default="results/reference/pyvrp.csv")
    parser.add_argument("--jobs", type=int, default=1, help="parallel PyVRP reference runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="output stem: writes .csv and .md")
    args = parser.parse_args(argv)
    from vrpsolve.routing.datasets import ManifestError

    if args.tsplib:
        rows = tsplib_rows(args)
        gaps, times = summary(rows, ["instance"], TSPLIB_METHODS, total=True)
        title = "gap to the optimum (%)"
    else:
        try:
            rows = city_rows(args)
        except ManifestError as error:
            print(error, file=sys.stderr)
            return 2
        methods = [m for m in CITY_METHODS if m in {r["method"] for r in rows}]
        gaps, times = summary(rows, ["group", "problem"], methods, total=False)
        title = f"gap to PyVRP {args.reference_time:g} s (%)"
    if not rows:
        print("no instance matches the options", file=sys.stderr)
        return 2
    text = f"{title}\n\n{markdown(gaps)}\n\nms per instance\n\n{markdown(times)}"
    print(text)
    write_results(args.out, rows, text, "benchmarks.road_matrices", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
