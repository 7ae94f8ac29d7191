"""Path queries: success rate and stretch of greedy geographic and learned greedy routing.

Trains learned greedy routing (:mod:`vrpsolve.graphs.paths.routers`, one thread) on random geometric
graphs and on one city's road network, saves both policies, then routes held-out queries (pairs
not used in training) on the training graphs, on random geometric graphs it never saw, and on
other cities, with both routers; every answer is judged by
:func:`~vrpsolve.graphs.paths.model.evaluate_paths`. Stretch is path length over the Dijkstra
shortest length, averaged over each router's successful queries, and also over the queries both
routers answered (``*_stretch_both``). Last, the greedy routers as packet-routing policies in the
simulator, against shortest-delay routing::

    OMP_NUM_THREADS=1 python -m benchmarks.path_queries --out results/path-queries.csv \\
        --policy-dir policies/path-routing
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.output import write_csv


@dataclass(frozen=True)
class Settings:
    """What the benchmark trains and tests on."""

    rgg_nodes: int = 500
    rgg_train_seeds: tuple[int, ...] = (0, 1, 2)
    rgg_train_queries: int = 2000
    """Training queries per random geometric graph (a quarter of the validation ones held out)."""
    rgg_steps: int = 1500
    rgg_tests: tuple[tuple[int, int], ...] = ((500, 0), (500, 7), (500, 8), (2000, 9))
    """(nodes, seed) of the test graphs; seed 0 is a training graph (held-out queries)."""
    city: str = "north-bayreuth"
    road_train_queries: int = 4000
    road_steps: int = 1000
    others: tuple[str, ...] = ("krems", "moscow", "monaco", "andorra", "helsinki")
    test_queries: int = 500
    packet_routers: int = 100
    packet_duration: float = 2000.0
    seed: int = 0


def _train(name: str, networks: list[Any], steps: int, seed: int) -> tuple[Any, dict[str, Any]]:
    from vrpsolve.graphs.paths.routers import path_config, train_path_routing

    start = time.process_time()
    run = train_path_routing(networks, path_config(steps=steps), seed=seed)
    cpu = time.process_time() - start
    best = next(r for r in run.history if r.step == run.best_step)
    row = {
        "policy": name,
        "networks": " ".join(net.name for net in networks),
        "train_queries": sum(net.num_queries for net in networks),
        "steps": steps,
        "best_step": run.best_step,
        "validation_success": round(best.success_rate, 4),
        "wall_seconds": round(run.seconds, 1),
        "cpu_seconds": round(cpu, 1),
    }
    return run, row


def _stretch(values: np.ndarray) -> float | None:
    return round(float(values.mean()), 4) if values.size else None


def compare(instance: Any, model: Any, policy: str, role: str) -> dict[str, Any]:
    """Both routers on one instance: success rates and stretches, judged by the evaluator."""
    from vrpsolve.graphs.paths.model import evaluate_paths
    from vrpsolve.graphs.paths.routers import geographic_paths, learned_paths

    greedy = evaluate_paths(instance, geographic_paths(instance))
    learned = evaluate_paths(instance, learned_paths(model, instance))
    if not (greedy.feasible and learned.feasible):
        raise RuntimeError(f"{instance.name}: a router broke the rules")
    both = greedy.successes & learned.successes
    return {
        "network": instance.name,
        "role": role,
        "policy": policy,
        "nodes": instance.num_nodes,
        "mean_degree": round(instance.num_edges / instance.num_nodes, 2),
        "queries": instance.num_queries,
        "greedy_success": round(greedy.success_rate, 4),
        "learned_success": round(learned.success_rate, 4),
        "greedy_stretch": _stretch(greedy.stretch[greedy.successes]),
        "learned_stretch": _stretch(learned.stretch[learned.successes]),
        "greedy_stretch_both": _stretch(greedy.stretch[both]),
        "learned_stretch_both": _stretch(learned.stretch[both]),
    }


def packet_rows(model: Any, settings: Settings) -> list[dict[str, Any]]:
    """Shortest-delay, geographic and learned greedy routing as packet policies, simulated."""
    from vrpsolve.graphs.paths.routers import GreedyPacketPolicy
    from vrpsolve.packets.policies import ShortestPathPolicy
    from vrpsolve.packets.simulator import RoutingPolicy, evaluate_policy
    from vrpsolve.packets.topologies import random_geometric_network

    rows = []
    for seed in (3, 4):
        network = random_geometric_network(
            settings.packet_routers,
            seed=seed,
            ttl=64,
            duration=settings.packet_duration,
            load=1.0,
        )
        policies: dict[str, RoutingPolicy] = {
            "shortest-delay": ShortestPathPolicy(network, weight="delay"),
            "greedy-geographic": GreedyPacketPolicy.geographic(network),
            "learned-greedy (rgg)": GreedyPacketPolicy.learned(network, model),
        }
        for name, policy in policies.items():
            report = evaluate_policy(network, policy, seed=settings.seed)
            rows.append(
                {
                    "network": network.name,
                    "policy": name,
                    "generated": report.generated,
                    "delivered": report.delivered,
                    "dropped": report.dropped,
                    "delivery_ratio": round(report.delivery_ratio, 4),
                    "mean_delivery_time": round(report.mean_delivery_time, 3),
                    "mean_hops": round(report.mean_hops, 2),
                }
            )
    return rows


def run(settings: Settings, policy_dir: Path | None) -> dict[str, list[dict[str, Any]]]:
    """Train both policies, compare the routers and simulate packets; the tables' rows."""
    from vrpsolve.graphs.paths.routers import (
        geometric_network,
        osm_network,
        save_path_checkpoint,
        with_queries,
    )

    seed = settings.seed
    rgg_train = []
    for graph_seed in settings.rgg_train_seeds:
        network = geometric_network(settings.rgg_nodes, seed=graph_seed)
        rgg_train.append(
            with_queries(
                network, settings.rgg_train_queries, seed=100 + graph_seed, name=network.name
            )
        )
    city = osm_network(settings.city)
    road_train = [with_queries(city, settings.road_train_queries, seed=100, name=city.name)]
    rgg_run, rgg_row = _train("rgg", rgg_train, settings.rgg_steps, seed)
    road_name = f"road-{settings.city}"
    road_run, road_row = _train(road_name, road_train, settings.road_steps, seed)
    for name, trained, networks, row in (
        ("rgg", rgg_run, rgg_train, rgg_row),
        (road_name, road_run, road_train, road_row),
    ):
        if policy_dir is not None:
            policy_dir.mkdir(parents=True, exist_ok=True)
            metadata = {
                "networks": [net.name for net in networks],
                "queries": [net.num_queries for net in networks],
                "settings": dataclasses.asdict(settings),
                "cpu_seconds": row["cpu_seconds"],
            }
            save_path_checkpoint(policy_dir / f"{name}.pt", trained, metadata)

    trained_pairs = {net.name: net.queries for net in rgg_train + road_train}

    def held_out(network: Any) -> Any:
        """Test queries on ``network``, none of them a pair it was trained on."""
        return with_queries(
            network,
            settings.test_queries,
            seed=2,
            exclude=trained_pairs.get(network.name),
            name=network.name,
        )

    rows = []
    for nodes, graph_seed in settings.rgg_tests:
        network = geometric_network(nodes, seed=graph_seed)
        seen = network.name in trained_pairs
        role = "train graph" if seen else "new graph"
        rows.append(compare(held_out(network), rgg_run.model, "rgg", role))
    for name in (settings.city, *settings.others):
        network = city if name == settings.city else osm_network(name)
        held = held_out(network)
        role = "train city" if name == settings.city else "other city"
        rows.append(compare(held, road_run.model, road_name, role))
        rows.append(compare(held, rgg_run.model, "rgg", role))
    return {
        "queries": rows,
        "training": [rgg_row, road_row],
        "packets": packet_rows(rgg_run.model, settings),
    }


def _print(rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join("-" if row[c] is None else str(row[c]) for c in columns) + " |")
    print()


def main(argv: Sequence[str] | None = None) -> int:
    """Print the three tables and write them as CSV (``--out`` and two siblings)."""
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/path-queries.csv"))
    parser.add_argument("--policy-dir", type=Path, default=None, help="save the policies here")
    parser.add_argument("--rgg-steps", type=int, default=Settings.rgg_steps)
    parser.add_argument("--road-steps", type=int, default=Settings.road_steps)
    parser.add_argument("--city", default=Settings.city, help="the road training city")
    parser.add_argument(
        "--others", default=",".join(Settings.others), help="comma-separated test cities"
    )
    parser.add_argument("--test-queries", type=int, default=Settings.test_queries)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    settings = Settings(
        rgg_steps=args.rgg_steps,
        road_steps=args.road_steps,
        city=args.city,
        others=tuple(c for c in args.others.split(",") if c),
        test_queries=args.test_queries,
        seed=args.seed,
    )
    start = time.process_time()
    tables = run(settings, args.policy_dir)
    for name, rows in tables.items():
        print(f"## {name}")
        _print(rows)
        target = (
            args.out
            if name == "queries"
            else args.out.with_name(f"{args.out.stem}-{name}{args.out.suffix}")
        )
        write_csv(target, rows, list(rows[0]))
    print(f"total CPU seconds: {time.process_time() - start:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
