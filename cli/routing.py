"""Vehicle-routing commands: ``vrpsolve generate routing``, ``generate cities`` and
``generate test-sets`` (seeded instance files, city datasets from OSM, the fixed test sets),
``vrpsolve train routefinder|rrnco`` (POMO on CPU or a GPU, resumable, from flags or a config)
``vrpsolve export-policy`` (a checkpoint without its optimiser state) and ``vrpsolve warmup`` (the
GA's compiled kernels cached ahead of the first solve)."""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

from .options import BadInput, positive, split_option
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
    from tqdm import tqdm

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


def _config_file(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise BadInput(f"{path}: cannot read the config ({error})") from None
    if not isinstance(data, dict):
        raise BadInput(f"{path}: the config must be a JSON object")
    return data


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise BadInput(f"{where}: unknown setting(s) {', '.join(unknown)}")
    return cls(**values)


TRAIN_FLAGS = (
    "customers",
    "variants",
    "source",
    "batch_size",
    "steps",
    "learning_rate",
    "leader_bonus",
    "validate_every",
    "validation_size",
    "reference_time",
    "seed",
    "threads",
    "device",
)
"""Options that set a :class:`~vrpsolve.routing.neural.training.TrainConfig` field of their name."""

MODEL_FLAGS = ("embed_dim", "num_layers", "num_heads", "ff_hidden")
"""Options that set a model configuration field of their name."""


def _settings(args: argparse.Namespace) -> tuple[Any, Any]:
    """The training and model configurations of the run: the config file, then the options."""
    from vrpsolve.routing.neural.model import ModelConfig
    from vrpsolve.routing.neural.rrnco import RRNCOConfig
    from vrpsolve.routing.neural.training import TrainConfig

    settings = _config_file(args.config)
    model = settings.pop("model", "routefinder") if args.config else args.solver
    if model != args.solver:
        raise BadInput(f"{args.config}: a {model!r} config; train it with `train {model}`")
    flags = {name: getattr(args, name) for name in TRAIN_FLAGS if getattr(args, name) is not None}
    if args.minutes is not None:
        if not 0 < args.minutes <= math.inf:
            raise BadInput(f"--minutes must be positive, got {args.minutes}")
        flags["time_limit"] = 60.0 * args.minutes
    model_class = RRNCOConfig if args.solver == "rrnco" else ModelConfig
    model_keys = {f.name for f in dataclasses.fields(model_class)}
    model_values = {k: v for k, v in settings.items() if k in model_keys}
    train_values = {k: v for k, v in settings.items() if k not in model_keys} | flags
    if "attributes" in model_values:
        model_values["attributes"] = tuple(model_values["attributes"])
    model_values |= {
        name: getattr(args, name) for name in MODEL_FLAGS if getattr(args, name) is not None
    }
    where = args.config or "options"
    config = _build(TrainConfig, train_values, where)
    if config.batch_size < 1 or config.steps < 1 or not math.isfinite(config.learning_rate):
        raise BadInput("--batch-size and --steps must be positive, --learning-rate finite")
    if not 0.0 <= config.leader_bonus < math.inf:
        raise BadInput(f"--leader-bonus must be a finite number >= 0, not {config.leader_bonus}")
    return config, _build(model_class, model_values, where)


def _initial_policy(args: argparse.Namespace) -> Any:
    """The policy ``--init`` names, extended by ``--add-attributes`` (None without --init)."""
    from vrpsolve.routing.neural.checkpoints import load_checkpoint
    from vrpsolve.routing.neural.features import ATTRIBUTES

    if args.init is None:
        if args.add_attributes:
            raise BadInput("--add-attributes needs --init (the policy to extend)")
        return None
    added: tuple[str, ...] = ()
    if args.add_attributes:
        added = tuple(split_option(args.add_attributes, "--add-attributes", str))
    unknown = sorted(set(added) - set(ATTRIBUTES))
    if unknown:
        raise BadInput(f"--add-attributes: unknown {unknown}; known: {sorted(ATTRIBUTES)}")
    try:
        initial = load_checkpoint(args.init).policy
    except ValueError as error:
        raise BadInput(str(error)) from None
    initial.add_attributes(added)
    return initial


def cmd_train_routing(args: argparse.Namespace) -> int:
    """Train a routing policy (or fine-tune one with new attributes), checkpointing to --out."""
    from vrpsolve.routing.neural.training import CURVE_COLUMNS, train

    config, model = _settings(args)
    initial = _initial_policy(args)
    resume = resuming(args, resumable=True)
    with (
        curve_writer(args, CURVE_COLUMNS, resume) as curve,
        progress_bar(args, config.steps, "step", args.solver) as bar,
    ):

        def advance(step: int) -> None:
            bar.update(step - bar.n)

        try:
            made = train(
                config,
                model,
                args.out,
                resume=resume,
                initial=initial,
                log=note(args),
                curve=curve.write,
                progress=advance,
            )
        except ValueError as error:
            raise BadInput(str(error)) from None
    last = made.train_state["history"][-1]
    return finish(args, f"step {last['step']}, validation gap {last['mean']:.2f}%")


def cmd_export_policy(args: argparse.Namespace) -> int:
    """Copy a training checkpoint without its optimiser state (the form shipped in policies/)."""
    from vrpsolve.routing.neural.checkpoints import load_checkpoint, save_checkpoint

    try:
        checkpoint = load_checkpoint(args.checkpoint)
    except ValueError as error:
        raise BadInput(str(error)) from None
    save_checkpoint(checkpoint, args.out, with_optimizer=False)
    print(f"wrote {args.out} (step {checkpoint.train_state.get('step', 0)})")
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
        "--osm-dir", default=None, help="folder of OSM extracts (default: the bundled ones)"
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


def add_routing_trainers(trainers: Any) -> None:
    """Register ``vrpsolve train routefinder`` and ``train rrnco``."""
    helps = {
        "routefinder": "RouteFinder-style multi-variant routing policy (POMO); resumes --out",
        "rrnco": "RRNCO-style policy for road matrices (POMO); resumes --out",
    }
    for name, text in helps.items():
        train = trainers.add_parser(name, help=text)
        add_train_options(train, resumable=True)
        train.add_argument(
            "--config",
            help=f'JSON object of training and model settings; its "model" (default '
            f"routefinder) must be {name}; the options override it",
        )
        train.add_argument("--customers", type=int, help="customers per training instance")
        train.add_argument("--variants", help="preset or comma-separated variants")
        train.add_argument("--source", help="instance source (see vrpsolve generate routing)")
        train.add_argument("--batch-size", type=int, help="instances per gradient step")
        train.add_argument("--steps", type=int, help="stop after this many gradient steps in all")
        train.add_argument(
            "--minutes", type=float, help="stop after this much wall-clock time in all"
        )
        train.add_argument("--learning-rate", type=float, help="Adam learning rate")
        train.add_argument(
            "--leader-bonus",
            type=float,
            help="extra advantage share of each instance's best rollout (default 0: plain POMO)",
        )
        train.add_argument("--validate-every", type=int, help="steps between validations")
        train.add_argument("--validation-size", type=int, help="validation instances per variant")
        train.add_argument("--reference-time", type=float, help="PyVRP seconds per validation case")
        add_seed_option(
            train,
            None,
            "training instances, model initialisation and rollouts; the validation set is "
            "fixed (default: the config's, else 0)",
        )
        train.add_argument("--threads", type=int, help="torch threads (default 1)")
        train.add_argument("--device", help="torch device: cpu (default) or cuda")
        train.add_argument("--embed-dim", type=int, help="model: embedding width")
        train.add_argument("--num-layers", type=int, help="model: encoder layers")
        train.add_argument("--num-heads", type=int, help="model: attention heads")
        train.add_argument("--ff-hidden", type=int, help="model: feed-forward width")
        train.add_argument("--init", help="start from this checkpoint (fine-tuning)")
        train.add_argument(
            "--add-attributes",
            default="",
            help="with --init: new global attributes read through zero-initialised adapter columns",
        )
        train.set_defaults(handler=cmd_train_routing, solver=name)


def cmd_warmup(args: argparse.Namespace) -> int:
    """Compile the GA's numba kernels into the per-user cache (``make setup`` runs it)."""
    import os
    import time

    from vrpsolve.core.registry import get_solver

    began = time.perf_counter()
    get_solver("ga").prepare()
    print(
        f"GA kernels compiled into {os.environ['NUMBA_CACHE_DIR']} "
        f"in {time.perf_counter() - began:.1f} s"
    )
    return EXIT_OK


def add_routing_parsers(sub: Any) -> None:
    """Register ``vrpsolve export-policy`` and ``vrpsolve warmup``."""
    warmup = sub.add_parser(
        "warmup",
        help="compile the GA's kernels into the per-user cache now, not at the first solve",
    )
    warmup.set_defaults(handler=cmd_warmup)
    export = sub.add_parser(
        "export-policy", help="copy a training checkpoint without optimiser state, for policies/"
    )
    export.add_argument("checkpoint", help="checkpoint written by `vrpsolve train routefinder`")
    export.add_argument("out", help="where to write the policy")
    export.set_defaults(handler=cmd_export_policy)
