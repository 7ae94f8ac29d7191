"""Vehicle-routing commands: ``vrpsolve generate routing``, ``generate cities`` and
``generate test-sets`` (seeded instance files, city datasets from OSM, the fixed test sets)."""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
from typing import Any

from tqdm import tqdm

from .options import BadInput, positive, split_option

EXIT_OK = 0


def _check_format(generator: Any, fmt: str, seed: int) -> None:
    """BadInput naming the first variant of ``generator`` that ``fmt`` cannot hold.

    One instance of each variant, drawn with the same settings, is written to a scratch folder.
    """
    from vrpsolve.routing.datasets import write_instance_files

    for variant in generator.variants:
        single = copy.copy(generator)
        single.variants = [variant]
        with tempfile.TemporaryDirectory(prefix="vrpsolve-check-") as scratch:
            try:
                write_instance_files(single(1, seed=seed), scratch, "check", fmt)
            except ValueError as error:
                raise BadInput(f"--format {fmt} cannot hold {variant.name}: {error}") from None


def cmd_generate_routing(args: argparse.Namespace) -> int:
    """Draw seeded routing instances and write one file each, once every requested variant is
    known to fit the format."""
    from vrpsolve.routing.datasets import write_instance_files
    from vrpsolve.routing.generators import RoutingGenerator, make_source

    positive(args.customers, "--customers")
    positive(args.count, "--count")
    try:
        generator = RoutingGenerator(
            args.customers,
            args.variants,
            source=make_source(args.source),
            limit_kind=args.limit_kind,
            num_depots=positive(args.depots, "--depots"),
        )
        _check_format(generator, args.format, args.seed)
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
    sizes = tuple(positive(n, "--sizes") for n in split_option(args.sizes, "--sizes", int))
    sets = fixed_sets(suites, sizes, positive(args.count, "--count"), args.seed)
    with tqdm(total=len(sets), desc="test sets", file=sys.stderr, disable=args.quiet) as bar:

        def advance(fixed_set: Any) -> None:
            bar.set_postfix_str(fixed_set.relative_path)
            bar.update()

        manifest = build_fixed_sets(args.out_dir, sets, advance)
    print(f"wrote {len(sets)} test set(s) and {manifest}")
    return EXIT_OK


def add_routing_generators(kinds: Any) -> None:
    """Register ``vrpsolve generate routing``, ``cities`` and ``test-sets``."""
    routing = kinds.add_parser("routing", help="seeded routing instance files")
    routing.add_argument(
        "--variants",
        default="CVRP",
        help="a variant name, a comma-separated list (e.g. CVRP,VRPTW,ATSP) or a preset "
        "(single-depot-16, all-48); each instance draws one (default: CVRP)",
    )
    routing.add_argument("--customers", type=int, default=50, help="customers per instance")
    routing.add_argument("--count", type=int, default=10, help="number of instances")
    routing.add_argument("--seed", type=int, default=0, help="seed of the instances")
    routing.add_argument(
        "--source",
        default="uniform",
        help="uniform, clustered, asymmetric (perturbed Euclidean), city:NAME[,NAME], "
        "cities:train or cities:held-out (default: uniform)",
    )
    routing.add_argument(
        "--limit-kind",
        choices=("distance", "duration"),
        default="distance",
        help="what a route limit bounds in the L variants (default distance)",
    )
    routing.add_argument("--depots", type=int, default=3, help="depots of MD variants")
    routing.add_argument(
        "--format",
        choices=("json", "vrplib"),
        default="json",
        help="vrpsolve JSON (default) or VRPLIB in PyVRP's dialect",
    )
    routing.add_argument("--prefix", default=None, help="file name stem (default: from options)")
    routing.add_argument("--out-dir", required=True, help="folder to write the files into")
    routing.set_defaults(handler=cmd_generate_routing)

    cities = kinds.add_parser("cities", help="city datasets from OpenStreetMap extracts")
    cities.add_argument(
        "--osm-dir", default="instances/osm", help="folder of OSM extracts (default instances/osm)"
    )
    cities.add_argument(
        "--out-dir", default="instances/cities", help="folder to write (default instances/cities)"
    )
    cities.add_argument("--points", type=int, default=500, help="points per city")
    cities.add_argument("--seed", type=int, default=0, help="seed of the sampled points")
    cities.set_defaults(handler=cmd_generate_cities)

    sets = kinds.add_parser("test-sets", help="the fixed test sets of the neural policies")
    sets.add_argument(
        "--out-dir", default="data/test-sets", help="folder to write (default data/test-sets)"
    )
    sets.add_argument(
        "--suites",
        default="routefinder,cities",
        help="comma-separated suites: routefinder (synthetic variants), cities (road matrices)",
    )
    sets.add_argument("--sizes", default="50,100", help="customer counts (default: 50,100)")
    sets.add_argument("--count", type=int, default=128, help="instances per set")
    sets.add_argument(
        "--seed",
        type=int,
        default=2026,
        help="base seed of the sets (default 2026: the manifest's)",
    )
    sets.add_argument("--quiet", action="store_true", help="no progress bar")
    sets.set_defaults(handler=cmd_generate_test_sets)
