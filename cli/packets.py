"""``vrpsolve simulate``: route a packet network's traffic with a policy and summarise it."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from typing import Any

import vrpsolve
from vrpsolve.packets.family import PACKET_ROUTING
from vrpsolve.packets.model import PacketNetwork
from vrpsolve.report import result_record

from .options import BadInput
from .output import print_records
from .progress import time_budget_bar

EXIT_OK = 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """Route a packet network's traffic with a policy (trained first if it learns); summarise."""
    network = vrpsolve.read_instance(args.network, format=args.instance_format)
    if not isinstance(network, PacketNetwork):
        raise BadInput(f"{args.network}: not a packet network (vrpsolve-packet-network JSON)")
    try:
        if args.load is not None:
            network = network.with_traffic(load=args.load)
        if args.duration is not None:
            network = dataclasses.replace(network, duration=args.duration)
    except ValueError as error:
        raise BadInput(str(error)) from None
    show = not args.quiet and sys.stderr.isatty()
    with time_budget_bar(f"{network.name} ({args.policy})", 10.0, show):
        result = vrpsolve.solve(network, args.policy, seed=args.seed)
    print_records([result_record(result)], args.format, PACKET_ROUTING.columns)
    if args.format == "table" and result.evaluation is not None:
        print(f"{network.name} ({result.solver}): {result.evaluation.summary()}")
    return EXIT_OK


def add_packets_parsers(sub: Any, add_format: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``vrpsolve simulate``."""
    simulate = sub.add_parser(
        "simulate", help="simulate a packet network routed by a policy, print a summary"
    )
    simulate.add_argument("network", help="vrpsolve-packet-network JSON file")
    simulate.add_argument("--policy", default="auto", help="packet-routing solver (default: auto)")
    simulate.add_argument("--load", type=float, help="override the traffic load")
    simulate.add_argument("--duration", type=float, help="override the simulated duration")
    simulate.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seeds the policy's learning and the simulated traffic it is judged on",
    )
    simulate.add_argument("--format", choices=("table", "json"), default="table")
    simulate.add_argument("--quiet", action="store_true", help="no progress bar")
    add_format(simulate)
    simulate.set_defaults(handler=cmd_simulate)
