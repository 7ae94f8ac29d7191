"""``vrpsolve train``: train a routing policy on CPU or a GPU, resumable, from flags or a config."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from .options import BadInput, split_option

EXIT_OK = 0


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


def cmd_train(args: argparse.Namespace) -> int:
    """Train a policy (or fine-tune one with new attributes) and checkpoint it to ``--out``."""
    from vrpsolve.routing.neural.checkpoints import load_checkpoint
    from vrpsolve.routing.neural.features import ATTRIBUTES
    from vrpsolve.routing.neural.model import ModelConfig
    from vrpsolve.routing.neural.rrnco import RRNCOConfig
    from vrpsolve.routing.neural.training import TrainConfig, train

    settings = _config_file(args.config)
    flags = {
        name: getattr(args, name)
        for name in (
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
        if getattr(args, name) is not None
    }
    if args.minutes is not None:
        flags["time_limit"] = 60.0 * args.minutes
    kind = args.model or settings.pop("model", "routefinder")
    model_classes = {"routefinder": ModelConfig, "rrnco": RRNCOConfig}
    if kind not in model_classes:
        raise BadInput(f"unknown model {kind!r}; expected one of {', '.join(model_classes)}")
    model_class = model_classes[kind]
    model_keys = {f.name for f in dataclasses.fields(model_class)}
    model_values = {k: v for k, v in settings.items() if k in model_keys}
    train_values = {k: v for k, v in settings.items() if k not in model_keys} | flags
    if "attributes" in model_values:
        model_values["attributes"] = tuple(model_values["attributes"])
    for name in ("embed_dim", "num_layers", "num_heads", "ff_hidden"):
        if getattr(args, name) is not None:
            model_values[name] = getattr(args, name)
    where = args.config or "options"
    config = _build(TrainConfig, train_values, where)
    model = _build(model_class, model_values, where)
    if config.batch_size < 1 or config.steps < 1 or not math.isfinite(config.learning_rate):
        raise BadInput("--batch-size and --steps must be positive, --learning-rate finite")
    if not 0.0 <= config.leader_bonus < math.inf:
        raise BadInput(f"--leader-bonus must be a finite number >= 0, not {config.leader_bonus}")

    initial = None
    if args.init is not None:
        initial = load_checkpoint(args.init).policy
        added: tuple[str, ...] = ()
        if args.add_attributes:
            added = tuple(split_option(args.add_attributes, "--add-attributes", str))
        unknown = sorted(set(added) - set(ATTRIBUTES))
        if unknown:
            raise BadInput(f"--add-attributes: unknown {unknown}; known: {sorted(ATTRIBUTES)}")
        initial.add_attributes(added)
    elif args.add_attributes:
        raise BadInput("--add-attributes needs --init (the policy to extend)")
    try:
        train(config, model, args.out, resume=not args.restart, initial=initial)
    except ValueError as error:
        raise BadInput(str(error)) from None
    print(f"wrote {args.out}")
    return EXIT_OK


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


def add_train_parser(sub: Any) -> None:
    """Register ``vrpsolve train`` and ``vrpsolve export-policy``."""
    train = sub.add_parser(
        "train",
        help="train a routing policy (POMO, mixed variants) on CPU or a GPU; resumes from --out",
    )
    train.add_argument("--out", required=True, help="checkpoint path (resumed when it exists)")
    train.add_argument("--config", help="JSON object of training and model settings")
    train.add_argument("--restart", action="store_true", help="ignore an existing --out")
    train.add_argument(
        "--model",
        choices=("routefinder", "rrnco"),
        help='policy architecture (default routefinder; a config may set "model")',
    )
    train.add_argument("--customers", type=int, help="customers per training instance")
    train.add_argument("--variants", help="preset or comma-separated variants")
    train.add_argument("--source", help="instance source (see vrpsolve generate routing)")
    train.add_argument("--batch-size", type=int, help="instances per gradient step")
    train.add_argument("--steps", type=int, help="stop after this many gradient steps in all")
    train.add_argument("--minutes", type=float, help="stop after this much wall-clock time")
    train.add_argument("--learning-rate", type=float, help="Adam learning rate")
    train.add_argument(
        "--leader-bonus",
        type=float,
        help="extra advantage share of each instance's best rollout (default 0: plain POMO)",
    )
    train.add_argument("--validate-every", type=int, help="steps between validations")
    train.add_argument("--validation-size", type=int, help="validation instances per variant")
    train.add_argument("--reference-time", type=float, help="PyVRP seconds per validation case")
    train.add_argument("--seed", type=int, help="seed of the training data and the model")
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
    train.set_defaults(handler=cmd_train)

    export = sub.add_parser(
        "export-policy", help="copy a training checkpoint without optimiser state, for policies/"
    )
    export.add_argument("checkpoint", help="checkpoint written by `vrpsolve train`")
    export.add_argument("out", help="where to write the policy")
    export.set_defaults(handler=cmd_export_policy)
