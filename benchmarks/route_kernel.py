"""Measure the route-check kernel: insertion checks per second on bundled instances.

The kernel decides feasibility and cost of inserting a customer into a route for every attribute;
local search and the constructive heuristics call it in their inner loops::

    .venv/bin/python -m benchmarks.route_kernel
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

INSTANCES = ("vrptw/R101.txt", "cvrp/X-n1001-k43.vrp")
"""Bundled instances measured: time windows with short routes, and 1000 customers."""


def kernel_throughput(path: Path, repeats: int = 3) -> dict[str, float]:
    """Insertion checks per second of the route-check kernel on the insertion heuristic's routes.

    ``batched``: :meth:`RouteKernel.insertions` of every customer at every position of each route
    (one NumPy call per route). ``single``: one scalar ``prefix + customer + suffix`` concatenation
    and limit check per call, as a local search would do it. ``exact``: the evaluator-equivalent
    :meth:`RouteKernel.check` of the inserted route.
    """
    from vrpsolve.routing.io import read_instance
    from vrpsolve.routing.model import Solution
    from vrpsolve.routing.solvers.route_check import RouteKernel, Segment, take
    from vrpsolve.solve import solve

    instance = read_instance(path)
    kernel = RouteKernel(instance)
    solution = solve(instance, "insertion").solution
    assert isinstance(solution, Solution)
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
    """Measure every instance and print the rates as a markdown table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    from vrpsolve.catalog import instances_dir

    print("| instance | batched /s | single /s | exact /s |")
    print("|---|---:|---:|---:|")
    for name in INSTANCES:
        rates = kernel_throughput(instances_dir() / name, args.repeats)
        cells = " | ".join(f"{rates[kind]:,.0f}" for kind in ("batched", "single", "exact"))
        print(f"| {name} | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
