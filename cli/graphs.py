"""Graph commands: ``vrpsolve generate graph-search`` and ``generate path-query`` (instance
files), and ``vrpsolve graph`` (train learned routing, answer queries, route paths).

``generate graph-search`` draws a vector dataset, builds a similarity graph and writes a
graph-search file (``.npz``, see :mod:`vrpsolve.graphs.search.files`); ``generate path-query``
writes a path-query file from a random geometric graph, a city's roads or a TNTP network (see
:mod:`vrpsolve.graphs.paths.files`). ``graph train`` writes a learned-routing checkpoint, for
nearest-neighbour search (from a graph-search file) or for path queries; ``graph query`` runs a
graph-search solver on a file at a chosen DCS budget; ``graph paths`` builds a path-query
instance and prints each path solver's success rate and stretch.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from .options import BadInput, split_option

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
    """The network ``spec`` names: ``rgg`` (with --nodes, --radius, --seed), a city or a file."""
    from vrpsolve.graphs.paths.routers import geometric_network, osm_network

    if spec == "rgg":
        _at_least(args.nodes, 2, "--nodes")
        if args.radius is not None and not (args.radius > 0 and math.isfinite(args.radius)):
            raise BadInput(f"--radius must be a positive number, got {args.radius}")
        return geometric_network(args.nodes, args.radius, seed=args.seed)
    return osm_network(spec)  # InputError names an unknown city or a bad file


def _queries(network: Any, count: int, seed: int) -> Any:
    from vrpsolve.graphs.paths.routers import with_queries

    _at_least(count, 1, "--queries")
    try:
        return with_queries(network, count, seed=seed, name=network.name)
    except ValueError as error:
        raise BadInput(str(error)) from None


# -- train ---------------------------------------------------------------------------------------
def cmd_graph_train(args: argparse.Namespace) -> int:
    """Train learned routing on a graph-search file (``.npz``) or on a network for path queries."""
    _at_least(args.steps, 1, "--steps")
    if not Path(args.out).parent.is_dir():
        raise BadInput(f"{args.out}: the folder of --out does not exist")
    if args.source.endswith(".npz"):
        return _train_search(args)
    return _train_paths(args)


def _train_search(args: argparse.Namespace) -> int:
    from vrpsolve.graphs.search.algorithms import SimilarityGraph
    from vrpsolve.graphs.search.files import load_search_file
    from vrpsolve.graphs.search.learned import (
        RoutingConfig,
        graph_fingerprint,
        save_checkpoint,
        train_routing,
    )

    contents = load_search_file(args.source)
    if contents.train_queries is None or contents.train_neighbours is None:
        raise BadInput(
            f"{args.source}: no training queries in the file (build it with graph build)"
        )
    instance = contents.instance
    out_dim = min(instance.dim, 24) if args.out_dim is None else args.out_dim
    if not 1 <= out_dim <= instance.dim:
        raise BadInput(f"--out-dim must be in [1, {instance.dim}] (the vectors' dimension)")
    settings: dict[str, Any] = {"dim": instance.dim, "out_dim": out_dim, "budget": instance.budget}
    if args.steps is not None:
        settings["steps"] = args.steps
    try:
        config = RoutingConfig(**settings)
        graph = SimilarityGraph.of(instance)
        run = train_routing(
            instance.base,
            graph,
            contents.train_queries,
            contents.train_neighbours[:, 0],
            config,
            seed=args.seed,
        )
    except ValueError as error:
        raise BadInput(f"{args.source}: {error}") from None
    metadata = contents.metadata | {
        "instance": instance.name,
        "graph_fingerprint": graph_fingerprint(graph),
    }
    save_checkpoint(args.out, run, metadata)
    best = next(r for r in run.history if r.step == run.best_step)
    print(
        f"wrote {args.out}: validation Recall@1 {best.recall_at_1:.3f} at step {run.best_step}, "
        f"{run.seconds:.1f} s"
    )
    return EXIT_OK


def _train_paths(args: argparse.Namespace) -> int:
    from vrpsolve.graphs.paths.routers import path_config, save_path_checkpoint, train_path_routing

    network = _network(args.source, args)
    training = _queries(network, args.queries, args.seed + 100)
    config = path_config() if args.steps is None else path_config(steps=args.steps)
    try:
        run = train_path_routing([training], config, seed=args.seed)
    except ValueError as error:
        raise BadInput(str(error)) from None
    metadata = {"networks": [network.name], "queries": [training.num_queries], "seed": args.seed}
    save_path_checkpoint(args.out, run, metadata)
    best = next(r for r in run.history if r.step == run.best_step)
    print(
        f"wrote {args.out}: validation success {best.success_rate:.3f} at step {run.best_step}, "
        f"{run.seconds:.1f} s"
    )
    return EXIT_OK


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
    graph = sub.add_parser(
        "graph", help="similarity-graph search and path queries: train, query, paths"
    )
    commands = graph.add_subparsers(dest="graph_command", required=True)

    def add_network(p: argparse.ArgumentParser) -> None:
        p.add_argument("--nodes", type=int, default=500, help="rgg: nodes")
        p.add_argument("--radius", type=float, default=None, help="rgg: connection radius")
        p.add_argument("--queries", type=int, default=500, help="(source, target) queries")
        p.add_argument("--seed", type=int, default=0, help="seed of the network and queries")

    train = commands.add_parser("train", help="train learned routing, write a checkpoint")
    train.add_argument(
        "source",
        help="a graph-search file (.npz, nearest-neighbour routing), or for path routing "
        "'rgg', a shipped city (monaco, krems, ...) or an OSM file",
    )
    train.add_argument("--out", required=True, help="checkpoint to write (.pt)")
    train.add_argument("--steps", type=int, default=None, help="gradient steps")
    train.add_argument(
        "--out-dim", type=int, default=None, help="search: learned dimension (default min(24, d))"
    )
    add_network(train)
    train.set_defaults(handler=cmd_graph_train)

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
