"""Graph commands: ``vrpsolve generate graph-search`` and ``generate path-query`` (instance
files), ``vrpsolve train graph-learned|path-learned`` (learned-routing checkpoints) and ``vrpsolve
graph`` (answer queries, route paths).

``generate graph-search`` draws a vector dataset, builds a similarity graph and writes a
graph-search file (``.npz``, see :mod:`vrpsolve.graphs.search.files`); ``generate path-query``
writes a path-query file from a random geometric graph, a city's roads or a TNTP network (see
:mod:`vrpsolve.graphs.paths.files`). ``train graph-learned`` trains nearest-neighbour routing on a
graph-search file's training queries, ``train path-learned`` path routing on a network's (or a
path-query file's) queries; ``graph query`` runs a graph-search solver on a file at a chosen DCS
budget; ``graph paths`` builds a path-query instance and prints each path solver's success rate
and stretch.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from .options import BadInput, split_option
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
DATASETS = ("gauss", "digits")
GRAPHS = ("nsw", "knn")
SEARCH_SOLVERS = ("graph-greedy", "graph-beam", "graph-learned")
PATH_SOLVERS = ("path-greedy", "path-learned")


def _at_least(value: int | None, least: int, option: str) -> None:
    if value is not None and value < least:
        raise BadInput(f"{option} must be at least {least}, got {value}")


def _print(record: dict[str, Any], fmt: str, columns: tuple[str, ...]) -> None:
    from vrpsolve.report import json_ready, render_table

    if fmt == "json":
        print(json.dumps(json_ready(record), allow_nan=False))
    else:
        print(render_table([record], columns, {"mean_dcs": ".1f"}))


# -- build ---------------------------------------------------------------------------------------
def cmd_generate_graph_search(args: argparse.Namespace) -> int:
    """Draw a vector dataset, build a similarity graph over it, write the instance file."""
    from vrpsolve.graphs.search.build import build_knn_graph, build_nsw
    from vrpsolve.graphs.search.datasets import clustered_gaussians, digits
    from vrpsolve.graphs.search.files import SearchFile, save_search_file

    for option, value, least in (
        ("--num-base", args.num_base, 2),
        ("--num-queries", args.num_queries, 1),
        ("--num-train", args.num_train, 1),
        ("--dim", args.dim, 1),
        ("--m", args.m, 1),
        ("--budget", args.budget, 1),
        ("--k", args.k, 1),
    ):
        _at_least(value, least, option)
    if not Path(args.out).parent.is_dir():
        raise BadInput(f"{args.out}: the folder of --out does not exist")
    try:
        if args.dataset == "gauss":
            data = clustered_gaussians(
                args.num_base,
                args.num_queries,
                args.num_train,
                dim=args.dim,
                intrinsic_dim=min(16, args.dim),
                k=args.k,
                seed=args.seed,
            )
        else:
            data = digits(args.num_queries, args.num_train, k=args.k, seed=args.seed)
        if args.graph == "nsw":
            ef = max(args.ef_construction, args.m)
            graph = build_nsw(data.base, m=args.m, ef_construction=ef, seed=args.seed)
        else:
            graph = build_knn_graph(data.base, args.m)
        instance = data.instance(graph, budget=args.budget)
    except ValueError as error:
        raise BadInput(str(error)) from None
    metadata = {
        "dataset": args.dataset,
        "seed": args.seed,
        "graph": args.graph,
        "m": args.m,
        "ef_construction": args.ef_construction,
    }
    save_search_file(
        args.out, SearchFile(instance, data.train_queries, data.train_neighbours, metadata)
    )
    print(
        f"wrote {args.out}: {instance.name}, {instance.num_vectors} vectors of dimension "
        f"{instance.dim}, {instance.num_edges} edges ({args.graph}), {instance.num_queries} "
        f"queries, {len(data.train_queries)} training queries, budget {instance.budget} DCS"
    )
    return EXIT_OK


def cmd_generate_path_query(args: argparse.Namespace) -> int:
    """Build a path-query instance (a network and seeded queries) and write it (``.npz``)."""
    from vrpsolve.graphs.paths.files import build_path_file

    _at_least(args.queries, 1, "--queries")
    _at_least(args.nodes, 2, "--nodes")
    if args.radius is not None and not (args.radius > 0 and math.isfinite(args.radius)):
        raise BadInput(f"--radius must be a positive number, got {args.radius}")
    if not Path(args.out).absolute().parent.is_dir():
        raise BadInput(f"{args.out}: the folder of --out does not exist")
    try:
        instance = build_path_file(
            args.network, args.queries, args.seed, args.out, nodes=args.nodes, radius=args.radius
        )
    except ValueError as error:
        raise BadInput(str(error)) from None
    print(
        f"wrote {args.out}: {instance.name}, {instance.num_nodes} nodes, {instance.num_edges} "
        f"edges, {instance.num_queries} queries"
    )
    return EXIT_OK


# -- networks for path queries -------------------------------------------------------------------
def _network(spec: str, args: argparse.Namespace) -> Any:
    """The network ``spec`` names: ``rgg`` (with --nodes, --radius, --seed), a city, an OSM or a
    TNTP network."""
    from vrpsolve.graphs.paths.files import network_from_source

    sized: dict[str, Any] = {}
    if spec == "rgg":
        nodes = 500 if args.nodes is None else args.nodes
        _at_least(nodes, 2, "--nodes")
        if args.radius is not None and not (args.radius > 0 and math.isfinite(args.radius)):
            raise BadInput(f"--radius must be a positive number, got {args.radius}")
        sized = {"nodes": nodes, "radius": args.radius}
    try:
        return network_from_source(spec, seed=args.seed, **sized)[0]
    except ValueError as error:  # an InputError names an unknown city or a bad file
        raise BadInput(str(error)) from None


def _queries(network: Any, count: int, seed: int) -> Any:
    from vrpsolve.graphs.paths.routers import with_queries

    _at_least(count, 1, "--queries")
    try:
        return with_queries(network, count, seed=seed, name=network.name)
    except ValueError as error:
        raise BadInput(str(error)) from None


# -- train ---------------------------------------------------------------------------------------
def _train_checks(args: argparse.Namespace) -> None:
    _at_least(args.steps, 1, "--steps")
    resuming(args, resumable=False)


def cmd_train_graph_learned(args: argparse.Namespace) -> int:
    """Train learned nearest-neighbour routing on a graph-search file's training queries."""
    from vrpsolve.graphs.search.algorithms import SimilarityGraph
    from vrpsolve.graphs.search.files import load_search_file
    from vrpsolve.graphs.search.learned import (
        CURVE_COLUMNS,
        RoutingConfig,
        graph_fingerprint,
        save_checkpoint,
        train_routing,
    )

    _train_checks(args)
    contents = load_search_file(args.file)
    if contents.train_queries is None or contents.train_neighbours is None:
        raise BadInput(
            f"{args.file}: no training queries in the file (write it with generate graph-search)"
        )
    instance = contents.instance
    out_dim = min(instance.dim, 24) if args.out_dim is None else args.out_dim
    if not 1 <= out_dim <= instance.dim:
        raise BadInput(f"--out-dim must be in [1, {instance.dim}] (the vectors' dimension)")
    settings: dict[str, Any] = {"dim": instance.dim, "out_dim": out_dim, "budget": instance.budget}
    if args.steps is not None:
        settings["steps"] = args.steps
    config = RoutingConfig(**settings)
    say = note(args)
    with (
        curve_writer(args, CURVE_COLUMNS, resume=False) as curve,
        progress_bar(args, config.steps, "step", "graph-learned") as bar,
    ):

        def record(validated: Any) -> None:
            curve.write(validated.curve_row())
            bar.update(validated.step - bar.n)
            say(f"step {validated.step}: validation Recall@1 {validated.recall_at_1:.3f}")

        try:
            graph = SimilarityGraph.of(instance)
            run = train_routing(
                instance.base,
                graph,
                contents.train_queries,
                contents.train_neighbours[:, 0],
                config,
                seed=args.seed,
                log=record,
            )
        except ValueError as error:
            raise BadInput(f"{args.file}: {error}") from None
    metadata = contents.metadata | {
        "instance": instance.name,
        "graph_fingerprint": graph_fingerprint(graph),
    }
    save_checkpoint(args.out, run, metadata)
    best = next(r for r in run.history if r.step == run.best_step)
    return finish(
        args,
        f"validation Recall@1 {best.recall_at_1:.3f} at step {run.best_step} (kept), "
        f"{run.seconds:.1f} s",
    )


def _path_training(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The training instance ``SOURCE`` names (a network with seeded queries, or a path-query
    file) and the checkpoint metadata saying what it was."""
    from vrpsolve.graphs.paths.files import read_path_instance

    if args.source.endswith(".npz"):
        if any(value is not None for value in (args.nodes, args.radius, args.queries)):
            raise BadInput(f"{args.source}: a path-query file brings its network and queries")
        training = read_path_instance(args.source)
        return training, {"files": [args.source], "queries": [training.num_queries]}
    network = _network(args.source, args)
    count = 500 if args.queries is None else args.queries
    training = _queries(network, count, args.seed + 100)
    return training, {"networks": [network.name], "queries": [count], "seed": args.seed}


def cmd_train_path_learned(args: argparse.Namespace) -> int:
    """Train learned path routing on a network's (or a path-query file's) queries."""
    from vrpsolve.graphs.paths.routers import (
        PATH_CURVE_COLUMNS,
        path_config,
        save_path_checkpoint,
        train_path_routing,
    )

    _train_checks(args)
    training, metadata = _path_training(args)
    config = path_config() if args.steps is None else path_config(steps=args.steps)
    say = note(args)
    with (
        curve_writer(args, PATH_CURVE_COLUMNS, resume=False) as curve,
        progress_bar(args, config.steps, "step", "path-learned") as bar,
    ):

        def record(validated: Any) -> None:
            curve.write(validated.curve_row())
            bar.update(validated.step - bar.n)
            say(f"step {validated.step}: validation success {validated.success_rate:.3f}")

        try:
            run = train_path_routing([training], config, seed=args.seed, log=record)
        except ValueError as error:
            raise BadInput(f"{args.source}: {error}") from None
    save_path_checkpoint(args.out, run, metadata)
    best = next(r for r in run.history if r.step == run.best_step)
    return finish(
        args,
        f"validation success {best.success_rate:.3f} at step {run.best_step} (kept), "
        f"{run.seconds:.1f} s",
    )


# -- query and paths -----------------------------------------------------------------------------
def _time_limit(value: float | None) -> float | None:
    if value is not None and not (value > 0 and math.isfinite(value)):
        raise BadInput(f"--time-limit must be a positive number of seconds, got {value}")
    return value


def cmd_graph_query(args: argparse.Namespace) -> int:
    """Answer an instance file's queries with a graph-search solver; print Recall@1 and DCS."""
    import vrpsolve
    from vrpsolve.graphs.search.files import load_search_file
    from vrpsolve.report import result_record

    _at_least(args.budget, 1, "--budget")
    _at_least(args.ef, 1, "--ef")
    instance = load_search_file(args.instance).instance
    if args.budget is not None:  # the budget is the instance's: the evaluator judges by it
        instance = dataclasses.replace(instance, budget=args.budget)
    options: dict[str, Any] = {
        key: value for key, value in (("ef", args.ef), ("policy", args.policy)) if value is not None
    }
    result = vrpsolve.solve(
        instance, args.solver, time_limit=_time_limit(args.time_limit), **options
    )
    record = result_record(result)
    _print(
        record,
        args.format,
        ("instance", "solver", "recall_at_1", "recall_at_k", "mean_dcs", "budget", "runtime"),
    )
    for violation in record["violations"][:5]:
        print(f"{record['instance']}: {violation['kind']}: {violation['message']}")
    return EXIT_OK


def cmd_graph_paths(args: argparse.Namespace) -> int:
    """Build a path-query instance and print each path solver's success rate and stretch."""
    import vrpsolve
    from vrpsolve.report import json_ready, render_table, result_record

    solvers = split_option(args.solvers, "--solvers", str)
    unknown = [name for name in solvers if name not in PATH_SOLVERS]
    if unknown:
        raise BadInput(f"--solvers: unknown {unknown}; path solvers: {', '.join(PATH_SOLVERS)}")
    limit = _time_limit(args.time_limit)
    instance = _queries(_network(args.network, args), args.queries, args.seed)
    records = []
    for solver in solvers:
        options = {"policy": args.policy} if solver == "path-learned" and args.policy else {}
        records.append(result_record(vrpsolve.solve(instance, solver, time_limit=limit, **options)))
    if args.format == "json":
        for record in records:
            print(json.dumps(json_ready(record), allow_nan=False))
        return EXIT_OK
    columns = ("instance", "solver", "success_rate", "succeeded", "queries", "mean_stretch")
    print(render_table(records, (*columns, "runtime"), {"mean_stretch": ".4f"}))
    return EXIT_OK


def add_graphs_generators(kinds: Any) -> None:
    """Register ``vrpsolve generate graph-search`` and ``generate path-query``."""
    build = kinds.add_parser(
        "graph-search", help="vector dataset -> similarity graph -> graph-search file (.npz)"
    )
    build.add_argument(
        "--dataset",
        choices=DATASETS,
        default="gauss",
        help="clustered Gaussians (gauss, default) or scikit-learn's handwritten digits",
    )
    build.add_argument("--num-base", type=int, default=20_000, help="gauss: base vectors")
    build.add_argument("--num-queries", type=int, default=1000, help="test queries")
    build.add_argument("--num-train", type=int, default=2000, help="training queries")
    build.add_argument("--dim", type=int, default=96, help="gauss: dimension")
    build.add_argument("--k", type=int, default=10, help="exact neighbours kept per query")
    build.add_argument(
        "--graph", choices=GRAPHS, default="nsw", help="navigable small world or exact k-NN graph"
    )
    build.add_argument("--m", type=int, default=16, help="out-degree (nsw: links per insertion)")
    build.add_argument(
        "--ef-construction", type=int, default=64, help="nsw: beam width while inserting"
    )
    build.add_argument("--budget", type=int, default=256, help="DCS per query")
    build.add_argument("--seed", type=int, default=0, help="seed of the data and the graph")
    build.add_argument("--out", required=True, help="instance file to write (.npz)")
    build.set_defaults(handler=cmd_generate_graph_search)

    paths = kinds.add_parser(
        "path-query", help="network + seeded (source, target) queries -> path-query file (.npz)"
    )
    paths.add_argument(
        "--network",
        default="rgg",
        help="'rgg' (random geometric graph), a shipped city (monaco, ...), an OSM file, or a "
        "TNTP network (SiouxFalls or a _net.tntp file)",
    )
    paths.add_argument("--nodes", type=int, default=500, help="rgg: nodes")
    paths.add_argument("--radius", type=float, default=None, help="rgg: connection radius")
    paths.add_argument("--queries", type=int, default=500, help="(source, target) queries")
    paths.add_argument("--seed", type=int, default=0, help="seed of the queries (and of rgg)")
    paths.add_argument("--out", required=True, help="path-query file to write (.npz)")
    paths.set_defaults(handler=cmd_generate_path_query)


def add_graph_parser(sub: Any) -> None:
    """Register ``vrpsolve graph`` and its subcommands."""
    graph = sub.add_parser("graph", help="similarity-graph search and path queries: query, paths")
    commands = graph.add_subparsers(dest="graph_command", required=True)

    def add_network(p: argparse.ArgumentParser) -> None:
        p.add_argument("--nodes", type=int, default=500, help="rgg: nodes")
        p.add_argument("--radius", type=float, default=None, help="rgg: connection radius")
        p.add_argument("--queries", type=int, default=500, help="(source, target) queries")
        p.add_argument("--seed", type=int, default=0, help="seed of the network and queries")

    query = commands.add_parser("query", help="run a graph-search solver on an instance file")
    query.add_argument("instance", help="graph-search file (.npz)")
    query.add_argument(
        "--solver", choices=SEARCH_SOLVERS, default="graph-beam", help="default graph-beam"
    )
    query.add_argument(
        "--budget",
        type=int,
        default=None,
        help="DCS per query, replacing the file's (default: the file's)",
    )
    query.add_argument("--ef", type=int, default=None, help="beam width")
    query.add_argument("--policy", default=None, help="graph-learned: checkpoint or name")
    query.add_argument(
        "--time-limit", type=float, default=None, help="seconds (default: the solver's)"
    )
    query.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table for people (default) or json, one record per line",
    )
    query.set_defaults(handler=cmd_graph_query)

    paths = commands.add_parser("paths", help="path queries on a network: success and stretch")
    paths.add_argument(
        "--network", default="rgg", help="'rgg', a shipped city (monaco, ...) or an OSM file"
    )
    paths.add_argument(
        "--solvers",
        default=",".join(PATH_SOLVERS),
        help="comma-separated path solvers (default both)",
    )
    paths.add_argument("--policy", default=None, help="path-learned: checkpoint or name")
    paths.add_argument(
        "--time-limit", type=float, default=None, help="seconds per solver (default: its own)"
    )
    paths.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table for people (default) or json, one record per line",
    )
    add_network(paths)
    paths.set_defaults(handler=cmd_graph_paths)


def add_graphs_trainers(trainers: Any) -> None:
    """Register ``vrpsolve train graph-learned`` and ``train path-learned``."""
    search = trainers.add_parser(
        "graph-learned",
        help="learned nearest-neighbour routing on a graph-search file; refuses an existing --out",
    )
    search.add_argument("file", help="graph-search file with training queries (.npz)")
    add_train_options(search, resumable=False)
    search.add_argument("--steps", type=int, default=None, help="gradient steps (default 1000)")
    search.add_argument(
        "--out-dim", type=int, default=None, help="learned dimension (default min(24, d))"
    )
    add_seed_option(search, 0, "model initialisation and training rollouts")
    search.set_defaults(handler=cmd_train_graph_learned)

    paths = trainers.add_parser(
        "path-learned",
        help="learned greedy path routing on a network's queries; refuses an existing --out",
    )
    paths.add_argument(
        "source",
        help="'rgg' (random geometric graph), a shipped city (monaco, ...), an OSM file, a TNTP "
        "network (SiouxFalls or a _net.tntp file), or a path-query file (.npz)",
    )
    add_train_options(paths, resumable=False)
    paths.add_argument("--steps", type=int, default=None, help="gradient steps (default 600)")
    paths.add_argument("--nodes", type=int, default=None, help="rgg: nodes (default 500)")
    paths.add_argument("--radius", type=float, default=None, help="rgg: connection radius")
    paths.add_argument(
        "--queries",
        type=int,
        default=None,
        help="training (source, target) queries drawn on a network (default 500)",
    )
    add_seed_option(
        paths, 0, "rgg network, training queries (seed + 100), model initialisation, rollouts"
    )
    paths.set_defaults(handler=cmd_train_path_learned)
