"""Train and evaluate the shipped packet-routing policies (run from the repository root).

    python -m benchmarks.packet_policies q-routing --load 2.5 --duration 20000 --seed 0
    python -m benchmarks.packet_policies olpomdp --load 2.5 --duration 20000 --seed 0
    python -m benchmarks.packet_policies evaluate --load 2.5 --seed 12345

Training is online, as in the papers: one simulation of ``--duration`` time units of the 6x6
grid's traffic (seed ``--seed``) with the policy routing and learning; the policy is then
frozen and saved as ``policies/packet-routing/<kind>-grid6x6-load<load>.npz``. Evaluation
simulates the grid at the same load for its default 10,000 time units (warmup 1,000) with
traffic seed ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from vrpsolve.packets.learning import (
    OlpomdpPolicy,
    QRoutingPolicy,
    load_policy,
    train_online,
)
from vrpsolve.packets.policies import ShortestPathPolicy
from vrpsolve.packets.simulator import RoutingPolicy, evaluate_policy
from vrpsolve.packets.topologies import boyan_littman_grid

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policies" / "packet-routing"


def policy_path(kind: str, load: float) -> Path:
    """Where a trained policy of ``kind`` for ``load`` is saved."""
    return POLICY_DIR / f"{kind}-grid6x6-load{load:g}.npz"


def train(kind: str, load: float, duration: float, seed: int) -> None:
    """Train one policy online and save it frozen."""
    grid = boyan_littman_grid(load=load)
    if kind == "q-routing":
        policy: QRoutingPolicy | OlpomdpPolicy = QRoutingPolicy(grid, seed=seed)
    else:
        policy = OlpomdpPolicy(
            grid, step_size=0.01, temperature=0.5, initial="shortest", shaping=True, seed=seed
        )
    start = time.perf_counter()
    curve = train_online(grid, policy, duration=duration, seed=seed, window=duration / 20)
    wall = time.perf_counter() - start
    policy.freeze()
    command = "python -m benchmarks.packet_policies " + shlex.join(sys.argv[1:])
    path = policy.save(
        policy_path(kind, load),
        command=command,
        load=load,
        duration=duration,
        seed=seed,
        wall_time_s=round(wall, 2),
        curve=[[t, round(m, 3)] for t, m in curve],
    )
    print(json.dumps({"saved": str(path.relative_to(ROOT)), "wall_s": wall}))
    print("curve (end of window, mean delivery time):")
    print(" ".join(f"{t:g}:{m:.2f}" for t, m in curve))


def evaluate(load: float, seed: int) -> None:
    """Print every policy's report on the grid at ``load`` with traffic seed ``seed``."""
    grid = boyan_littman_grid(load=load)
    rows: list[tuple[str, RoutingPolicy]] = [("shortest path (hops)", ShortestPathPolicy(grid))]
    rows.append(("Q-routing untrained, learning online", QRoutingPolicy(grid)))
    rows.append(
        (
            "OLPOMDP untrained (soft shortest path, T=0.5), frozen",
            OlpomdpPolicy(grid, temperature=0.5, initial="shortest").freeze(),
        )
    )
    for kind in ("q-routing", "olpomdp"):
        path = policy_path(kind, load)
        if not path.exists():
            continue
        rows.append((f"{path.name} frozen", load_policy(path, grid)))
        rows.append((f"{path.name} learning online", load_policy(path, grid).unfreeze()))
        if kind == "olpomdp":
            greedy = load_policy(path, grid)
            assert isinstance(greedy, OlpomdpPolicy)
            greedy.greedy = True
            rows.append((f"{path.name} frozen, greedy", greedy))
    print(f"6x6 grid, load {load:g}, duration {grid.duration:g}, warmup {grid.warmup:g}, ", end="")
    print(f"traffic seed {seed}")
    for name, policy in rows:
        start = time.perf_counter()
        report = evaluate_policy(grid, policy, seed=seed)
        wall = time.perf_counter() - start
        print(
            f"| {name} | {report.mean_delivery_time:.2f} | {report.p95_delivery_time:.1f} | "
            f"{report.throughput:.3f} | {report.mean_hops:.2f} | {report.in_flight} | {wall:.1f}s |"
        )


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["q-routing", "olpomdp", "evaluate"])
    parser.add_argument("--load", type=float, default=2.5)
    parser.add_argument("--duration", type=float, default=20_000.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.what == "evaluate":
        evaluate(args.load, args.seed)
    else:
        train(args.what, args.load, args.duration, args.seed)


if __name__ == "__main__":
    main()
