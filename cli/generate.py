"""``vrpsolve generate``: seeded instance files, city datasets from OSM, and the fixed test sets."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tqdm import tqdm

from .options import BadInput, split_option

EXIT_OK = 0


def _positive(value: int, option: str) -> int:
    if value < 1:
        raise BadInput(f"{option} must be at least 1, got {value}")
    return value


def cmd_generate_routing(args: argparse.Namespace) -> int:
    """Draw seeded routing instances and write one file each."""
    from vrpsolve.routing.datasets import write_instance_files
    from vrpsolve.routing.generators import RoutingGenerator, make_source

    _positive(args.customers, "--customers")
    _positive(args.count, "--count")
    try:
        generator = RoutingGenerator(
            args.customers,
            args.variants,
            source=make_source(args.source),
            limit_kind=args.limit_kind,
            num_depots=_positive(args.depots, "--depots"),
        )
        batch = generator(args.count, seed=args.seed)
        stem = args.prefix or f"{args.variants.replace(',', '+')}-n{args.customers}-s{args.seed}"
        paths = write_instance_files(batch, args.out_dir, stem, args.format)
    except ValueError as error:  # bad variant, source, or a format that cannot express it
        raise BadInput(str(error)) from None
    print(f"wrote {len(paths)} instance(s) to {args.out_dir} ({paths[0].name} ...)")
    return EXIT_OK


def cmd_generate_cities(args: argparse.Namespace) -> int:
    """Build a city dataset (points, distance and duration matrices) per OSM extract."""
    from vrpsolve.routing.cities import build_all

    builds = build_all(args.osm_dir, args.out_dir, num_points=args.points, seed=args.seed)
    for build in builds:
        print(build)
    return EXIT_OK


def cmd_generate_test_sets(args: argparse.Namespace) -> int:
    """Build the fixed, seeded test sets the neural policies are evaluated on."""
    from vrpsolve.routing.datasets import build_fixed_sets, fixed_sets

    suites = tuple(split_option(args.suites, "--suites", str))
    unknown = set(suites) - {"routefinder", "cities"}
    if unknown:
        raise BadInput(f"--suites: unknown suite(s) {sorted(unknown)}; use routefinder, cities")
    sizes = tuple(_positive(n, "--sizes") for n in split_option(args.sizes, "--sizes", int))
    sets = fixed_sets(suites, sizes, _positive(args.count, "--count"), args.seed)
    with tqdm(total=len(sets), desc="test sets", file=sys.stderr, disable=args.quiet) as bar:

        def advance(fixed_set: Any) -> None:
            bar.set_postfix_str(fixed_set.relative_path)
            bar.update()

        manifest = build_fixed_sets(args.out_dir, sets, advance)
    print(f"wrote {len(sets)} test set(s) and {manifest}")
    return EXIT_OK


def cmd_generate_pfar(args: argparse.Namespace) -> int:
    """Draw seeded flow-admission instances and write one PFAR JSON file each."""
    from pathlib import Path

    from vrpsolve.flows.files import write_flow_instance
    from vrpsolve.flows.generator import generate_instance

    _positive(args.nodes, "--nodes")
    _positive(args.count, "--count")
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


def add_generate_parser(sub: Any) -> None:
    """Register ``vrpsolve generate`` and its subcommands."""
    generate = sub.add_parser("generate", help="generate instances, city datasets, test sets")
    kinds = generate.add_subparsers(dest="kind", required=True)

    routing = kinds.add_parser("routing", help="seeded routing instance files")
    routing.add_argument(
        "--variants",
        default="CVRP",
        help="a variant name, a comma-separated list (e.g. CVRP,VRPTW,ATSP) or a preset "
        "(single-depot-16, all-48); each instance draws one (default: CVRP)",
    )
    routing.add_argument("--customers", type=int, default=50, help="customers per instance")
    routing.add_argument("--count", type=int, default=10, help="number of instances")
    routing.add_argument("--seed", type=int, default=0)
    routing.add_argument(
        "--source",
        default="uniform",
        help="uniform, clustered, asymmetric (perturbed Euclidean), city:NAME[,NAME], "
        "cities:train or cities:held-out (default: uniform)",
    )
    routing.add_argument("--limit-kind", choices=("distance", "duration"), default="distance")
    routing.add_argument("--depots", type=int, default=3, help="depots of MD variants")
    routing.add_argument("--format", choices=("json", "vrplib"), default="json")
    routing.add_argument("--prefix", default=None, help="file name stem (default: from options)")
    routing.add_argument("--out-dir", required=True)
    routing.set_defaults(handler=cmd_generate_routing)

    cities = kinds.add_parser("cities", help="city datasets from OpenStreetMap extracts")
    cities.add_argument("--osm-dir", default="instances/osm")
    cities.add_argument("--out-dir", default="instances/cities")
    cities.add_argument("--points", type=int, default=500, help="points per city")
    cities.add_argument("--seed", type=int, default=0)
    cities.set_defaults(handler=cmd_generate_cities)

    pfar = kinds.add_parser("pfar", help="seeded flow-admission (PFAR) instances")
    pfar.add_argument("--topology", choices=("waxman", "barabasi_albert", "grid"), default="waxman")
    pfar.add_argument("--nodes", type=int, default=50)
    pfar.add_argument("--flows", type=int, default=1000)
    pfar.add_argument("--count", type=int, default=1)
    pfar.add_argument("--seed", type=int, default=0, help="seed of the first instance")
    pfar.add_argument("--mode", choices=("weighted", "lexicographic"), default="weighted")
    pfar.add_argument("--od", choices=("uniform", "gravity"), default="uniform")
    pfar.add_argument("--hop-slack", type=int, default=None, help="hop limit: shortest + slack")
    pfar.add_argument("--out-dir", required=True)
    pfar.set_defaults(handler=cmd_generate_pfar)

    sets = kinds.add_parser("test-sets", help="the fixed test sets of the neural policies")
    sets.add_argument("--out-dir", default="data/test-sets")
    sets.add_argument("--suites", default="routefinder,cities")
    sets.add_argument("--sizes", default="50,100", help="customer counts (default: 50,100)")
    sets.add_argument("--count", type=int, default=128, help="instances per set")
    sets.add_argument("--seed", type=int, default=2026)
    sets.add_argument("--quiet", action="store_true", help="no progress bar")
    sets.set_defaults(handler=cmd_generate_test_sets)
