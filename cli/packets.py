"""Packet-routing commands: ``vrpsolve simulate`` (route a network's traffic with a policy and
summarise it), ``vrpsolve generate packets`` (packet network files) and ``vrpsolve train
q-routing|olpomdp`` (online learning on a network's simulated traffic, saved as a policy file
that a resumed run continues)."""

from __future__ import annotations

import argparse
import dataclasses
import math
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
from .train import (
    add_seed_option,
    add_train_options,
    curve_writer,
    finish,
    note,
    progress_bar,
    resuming,
)

EXIT_OK = 0


def _packet_network(path: str, fmt: str | None) -> PacketNetwork:
    network = vrpsolve.read_instance(path, format=fmt)
    if not isinstance(network, PacketNetwork):
        raise BadInput(f"{path}: not a packet network (vrpsolve-packet-network JSON)")
    return network


def cmd_simulate(args: argparse.Namespace) -> int:
    """Route a packet network's traffic with a policy (trained first if it learns); summarise."""
    network = _packet_network(args.network, args.instance_format)
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


POLICY_PARAMETERS: dict[str, tuple[tuple[str, type, str], ...]] = {
    "q-routing": (
        ("learning_rate", float, "rate of the estimates' updates, in (0, 1] (default 0.5)"),
        ("exploration", float, "share of random next hops while learning (default 0)"),
    ),
    "olpomdp": (
        ("step_size", float, "learning rate of the softmax parameters (default 0.03)"),
        ("beta", float, "eligibility-trace discount, in [0, 1) (default 0.8)"),
        ("temperature", float, "softmax temperature (default 1)"),
    ),
}
"""The policy parameters each packet trainer sets by an option of the same name."""

INITIAL = {"q-routing": ("latency", "zero"), "olpomdp": ("uniform", "shortest")}
"""The starting tables each packet trainer offers (``--initial``, the first is the default)."""


def _parameters(args: argparse.Namespace) -> dict[str, Any]:
    """The policy parameters the options set (those left out keep the policy's defaults)."""
    names = [name for name, _, _ in POLICY_PARAMETERS[args.solver]] + ["initial"]
    given = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    if args.solver == "olpomdp" and args.no_shaping:
        given["shaping"] = False
    return given


def cmd_train_packets(args: argparse.Namespace) -> int:
    """Train a Q-routing or OLPOMDP policy online on a network's traffic, or continue one."""
    from vrpsolve.packets.learning import (
        CURVE_COLUMNS,
        OlpomdpPolicy,
        QRoutingPolicy,
        TrainingProgress,
        train_segment,
        training_progress,
    )

    network = _packet_network(args.network, args.instance_format)
    duration = network.duration if args.duration is None else args.duration
    for option, value in (("--duration", duration), ("--window", args.window)):
        if value is not None and not 0 < value < math.inf:
            raise BadInput(f"{option} must be a positive number of time units, got {value}")
    kind = QRoutingPolicy if args.solver == "q-routing" else OlpomdpPolicy
    parameters = _parameters(args)
    resume = resuming(args, resumable=True)
    if resume:
        policy: QRoutingPolicy | OlpomdpPolicy = kind.load(args.out, network).unfreeze()
        progress = training_progress(args.out)
        changed = sorted(k for k, v in parameters.items() if policy.parameters()[k] != v)
        if changed:
            raise BadInput(
                f"{args.out}: saved with other {', '.join(changed)}; give --restart to train anew"
            )
        if progress.time >= duration:
            print(f"{args.out}: already trained for {progress.time:g} time units; nothing written")
            return EXIT_OK
    else:
        try:
            policy = kind(network, seed=args.seed, **parameters)
        except ValueError as error:
            raise BadInput(str(error)) from None
        progress = TrainingProgress()
    with (
        curve_writer(args, CURVE_COLUMNS, resume) as curve,
        progress_bar(args, duration - progress.time, "time", args.solver) as bar,
    ):
        say = note(args)

        def row(values: dict[str, float]) -> None:
            curve.write(values)
            bar.update(values["time"] - progress.time - bar.n)
            say(
                f"time {values['time']:g}: mean delivery time "
                f"{values['mean_delivery_time']:.2f}, {values['dropped']:g} dropped"
            )

        progress, windows = train_segment(
            network,
            policy,
            progress,
            duration=duration,
            seed=args.seed,
            window=args.window,
            curve=row,
        )
    policy.freeze().save(args.out, training=dataclasses.asdict(progress), network=network.name)
    last = windows[-1].mean_delivery_time
    return finish(
        args, f"{progress.time:g} time units trained, mean delivery time {last:.2f} (last window)"
    )


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


def add_packets_trainers(
    trainers: Any, add_format: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Register ``vrpsolve train q-routing`` and ``train olpomdp``."""
    helps = {
        "q-routing": "Q-routing tables, learned online on a network's traffic; resumes --out",
        "olpomdp": "OLPOMDP softmax routers, learned online on a network's traffic; resumes --out",
    }
    for name, text in helps.items():
        train = trainers.add_parser(name, help=text)
        train.add_argument("network", help="vrpsolve-packet-network JSON file")
        add_train_options(train, resumable=True)
        train.add_argument(
            "--duration",
            type=float,
            default=None,
            help="simulated time units to learn for in all (default: the network's duration)",
        )
        train.add_argument(
            "--window",
            type=float,
            default=None,
            help="simulated time per curve row (default: a twentieth of the run)",
        )
        add_seed_option(train, 0, "the simulated traffic and the policy's own draws")
        for option, kind, text in POLICY_PARAMETERS[name]:
            train.add_argument(f"--{option.replace('_', '-')}", type=kind, help=text)
        first, *_ = INITIAL[name]
        train.add_argument(
            "--initial",
            choices=INITIAL[name],
            default=None,
            help=f"starting table (default {first})",
        )
        if name == "olpomdp":
            train.add_argument(
                "--no-shaping", action="store_true", help="do not penalise routing loops"
            )
        add_format(train)
        train.set_defaults(handler=cmd_train_packets, solver=name)
