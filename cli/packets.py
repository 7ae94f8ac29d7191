"""Packet-routing commands: ``vrpsolve simulate`` (route a network's traffic with a policy and
summarise it) and ``vrpsolve generate packets`` (packet network files)."""

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


def cmd_generate_packets(args: argparse.Namespace) -> int:
    """Build a packet network (random geometric, the Boyan-Littman grid or a Topology Zoo
    network) with its traffic and write it as ``vrpsolve-packet-network`` JSON."""
    from pathlib import Path

    from vrpsolve.packets.topologies import (
        boyan_littman_grid,
        random_geometric_network,
        write_packet_network,
        zoo_network,
    )

    if not Path(args.out).absolute().parent.is_dir():
        raise BadInput(f"{args.out}: the folder of --out does not exist")
    settings = {"load": args.load, "duration": args.duration, "warmup": args.warmup}
    settings = {key: value for key, value in settings.items() if value is not None}
    try:
        if args.topology == "rgg":
            if args.nodes < 2:
                raise BadInput(f"--nodes must be at least 2, got {args.nodes}")
            network = random_geometric_network(args.nodes, args.radius, seed=args.seed, **settings)
        elif args.topology == "grid":
            network = boyan_littman_grid(**settings)
        else:
            network = zoo_network(args.topology, **settings)
    except ValueError as error:
        raise BadInput(str(error)) from None
    write_packet_network(network, args.out, source=f"vrpsolve generate packets {args.topology}")
    print(
        f"wrote {args.out}: {network.name}, {network.num_nodes} routers, {network.num_links} "
        f"links, load {network.traffic.load:g}"
    )
    return EXIT_OK


def add_packets_generators(kinds: Any) -> None:
    """Register ``vrpsolve generate packets``."""
    packets = kinds.add_parser("packets", help="a packet network with its traffic (JSON)")
    packets.add_argument(
        "--topology",
        default="rgg",
        help="rgg (random geometric, --nodes, --radius, --seed), grid (Boyan and Littman's "
        "6x6), or a Topology Zoo network (Abilene, Geant2012, Nsfnet, or a GML/GraphML file)",
    )
    packets.add_argument("--nodes", type=int, default=50, help="rgg: routers")
    packets.add_argument("--radius", type=float, default=None, help="rgg: connection radius")
    packets.add_argument("--seed", type=int, default=0, help="rgg: seed of the positions")
    packets.add_argument("--load", type=float, default=None, help="packets per time unit")
    packets.add_argument("--duration", type=float, default=None, help="simulated time")
    packets.add_argument("--warmup", type=float, default=None, help="time not measured")
    packets.add_argument("--out", required=True, help="network file to write (.json)")
    packets.set_defaults(handler=cmd_generate_packets)


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
    simulate.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table for people (default) or json, one record per line",
    )
    simulate.add_argument("--quiet", action="store_true", help="no progress bar")
    add_format(simulate)
    simulate.set_defaults(handler=cmd_simulate)
