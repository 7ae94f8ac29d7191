"""What every ``vrpsolve train SOLVER`` subcommand shares: its common options (``--out``,
``--restart``, ``--seed``, ``--curve``, ``--quiet``), the check of ``--out`` (resume, or refuse
to overwrite), the learning-curve file, progress on stderr and the closing line on stdout.

Each family's module registers its own subcommands (``add_*_trainers``) and calls these.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vrpsolve.core.curves import CurveWriter, default_curve_path

from .options import BadInput

if TYPE_CHECKING:
    from tqdm import tqdm


def add_train_options(parser: argparse.ArgumentParser, *, resumable: bool) -> None:
    """Add the options every trainer takes; ``resumable`` trainers continue an existing --out."""
    if resumable:
        out_help = "checkpoint to write; an existing one is resumed (unless --restart)"
        restart_help = "train from scratch, replacing an existing --out and its curve"
    else:
        out_help = "checkpoint to write; an existing one is refused (unless --restart)"
        restart_help = "replace an existing --out and its curve"
    parser.add_argument("--out", required=True, help=out_help)
    parser.add_argument("--restart", action="store_true", help=restart_help)
    parser.add_argument(
        "--curve",
        default=None,
        help="learning-curve CSV, one row per validation point, appended on resume "
        "(default: --out with suffix .curve.csv)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def add_seed_option(parser: argparse.ArgumentParser, default: int | None, what: str) -> None:
    """Add ``--seed``: it seeds everything random in the run (``what`` says which things)."""
    shown = "" if default is None else f" (default {default})"
    parser.add_argument(
        "--seed", type=int, default=default, help=f"seeds everything random: {what}{shown}"
    )


def resuming(args: argparse.Namespace, *, resumable: bool) -> bool:
    """Whether the run continues ``--out``; BadInput for an --out that cannot be written or, for
    a trainer that cannot resume, that exists without --restart."""
    out = Path(args.out)
    for option, path in (("--out", out), ("--curve", curve_path(args))):
        if not path.absolute().parent.is_dir():
            raise BadInput(f"{path}: the folder of {option} does not exist")
        if path.is_dir():
            raise BadInput(f"{path}: {option} is a directory")
    if not out.exists() or args.restart:
        return False
    if not resumable:
        raise BadInput(f"{out}: exists; give --restart to replace it (this trainer cannot resume)")
    return True


def curve_path(args: argparse.Namespace) -> Path:
    """The learning-curve file of the run: ``--curve``, or beside ``--out``."""
    return Path(args.curve) if args.curve else default_curve_path(args.out)


def curve_writer(args: argparse.Namespace, columns: Sequence[str], resume: bool) -> CurveWriter:
    """The run's curve writer: appending when the run resumes, else starting a new file."""
    try:
        return CurveWriter(curve_path(args), columns, append=resume)
    except ValueError as error:
        raise BadInput(str(error)) from None


def progress_bar(args: argparse.Namespace, total: float, unit: str, description: str) -> tqdm:
    """A progress bar on stderr (none with --quiet or when stderr is not a terminal)."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit=unit,
        desc=description,
        file=sys.stderr,
        leave=False,
        disable=args.quiet or not sys.stderr.isatty(),
    )


def note(args: argparse.Namespace) -> Callable[[str], None]:
    """Where a trainer's progress lines go: stderr, above the bar (nowhere with --quiet)."""

    def write(line: str) -> None:
        if not args.quiet:
            from tqdm import tqdm

            tqdm.write(line, file=sys.stderr)

    return write


def finish(args: argparse.Namespace, summary: str) -> int:
    """Print the closing line (what was written, the final validation figure); exit code 0."""
    print(f"wrote {args.out} (curve {curve_path(args)}): {summary}")
    return 0


def add_train_parser(sub: Any) -> Any:
    """Register ``vrpsolve train``; returns its subcommands, for each family to add its own."""
    train = sub.add_parser(
        "train",
        help="train a learned solver: checkpoint (resumed or refused), seed, progress, curve",
    )
    return train.add_subparsers(dest="solver", required=True)
