"""Speed of the packet-network simulator: simulated packets and events per second of CPU time.

Shortest-hop routing on the bundled topologies at a moderate load, one thread, CPU time::

    python -m benchmarks.packet_sim --duration 20000 --out results/packet-sim.csv
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.output import write_csv


def measure(name: str, network: Any, seed: int) -> dict[str, Any]:
    """Simulate ``network`` once with shortest-hop routing; its row of figures."""
    from vrpsolve.packets.policies import ShortestPathPolicy
    from vrpsolve.packets.simulator import Simulation

    policy = ShortestPathPolicy(network, weight="hops")
    start = time.process_time()
    report = Simulation(network, seed=seed).run(policy)
    seconds = time.process_time() - start
    packets = report.delivered + report.dropped
    return {
        "network": name,
        "routers": network.num_nodes,
        "load": network.traffic.load,
        "duration": network.duration,
        "packets": packets,
        "events": report.events,
        "cpu_seconds": round(seconds, 3),
        "packets_per_second": round(packets / seconds),
        "events_per_second": round(report.events / seconds),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print a markdown table and write the CSV."""
    import dataclasses

    from vrpsolve.packets.topologies import boyan_littman_grid, random_geometric_network

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20_000.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/packet-sim.csv"))
    args = parser.parse_args(argv)
    networks = {
        "boyan-littman-6x6 (load 2)": boyan_littman_grid(duration=args.duration),
        "random geometric, 100 routers": dataclasses.replace(
            random_geometric_network(100, seed=args.seed), duration=args.duration, warmup=0.0
        ),
    }
    rows = [measure(name, network, args.seed) for name, network in networks.items()]
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    write_csv(args.out, rows, columns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
