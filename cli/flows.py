"""Flow-admission commands: ``vrpsolve generate pfar`` (seeded PFAR instance files)."""

from __future__ import annotations

import argparse
from typing import Any

from .options import BadInput, positive

EXIT_OK = 0


def cmd_generate_pfar(args: argparse.Namespace) -> int:
    """Draw seeded flow-admission instances and write one PFAR JSON file each."""
    from pathlib import Path

    from vrpsolve.flows.files import write_flow_instance
    from vrpsolve.flows.generator import generate_instance

    positive(args.nodes, "--nodes")
    positive(args.count, "--count")
    if args.flows < 0:
        raise BadInput(f"--flows must not be negative, got {args.flows}")
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for k in range(args.count):
        try:
            instance = generate_instance(
                args.topology,
                args.nodes,
                args.flows,
                seed=args.seed + k,
                mode=args.mode,
                od=args.od,
                hop_slack=args.hop_slack,
            )
        except ValueError as error:
            raise BadInput(str(error)) from None
        write_flow_instance(instance, out / f"{instance.name}.json")
    print(f"wrote {args.count} PFAR instance(s) to {out}")
    return EXIT_OK


def add_flows_generators(kinds: Any) -> None:
    """Register ``vrpsolve generate pfar``."""
    pfar = kinds.add_parser("pfar", help="seeded flow-admission (PFAR) instances")
    pfar.add_argument(
        "--topology",
        choices=("waxman", "barabasi_albert", "grid"),
        default="waxman",
        help="random network model (default waxman)",
    )
    pfar.add_argument("--nodes", type=int, default=50, help="network nodes (default 50)")
    pfar.add_argument("--flows", type=int, default=1000, help="flows to admit (default 1000)")
    pfar.add_argument("--count", type=int, default=1, help="instances, seeds seed, seed+1, ...")
    pfar.add_argument("--seed", type=int, default=0, help="seed of the first instance")
    pfar.add_argument(
        "--mode",
        choices=("weighted", "lexicographic"),
        default="weighted",
        help="objective: total admitted priority, or class by class (default weighted)",
    )
    pfar.add_argument(
        "--od",
        choices=("uniform", "gravity"),
        default="uniform",
        help="how flow endpoints are drawn (default uniform)",
    )
    pfar.add_argument("--hop-slack", type=int, default=None, help="hop limit: shortest + slack")
    pfar.add_argument("--out-dir", required=True, help="folder to write the files into")
    pfar.set_defaults(handler=cmd_generate_pfar)
