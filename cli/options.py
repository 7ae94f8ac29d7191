"""Option checks shared by the subcommands: bad values become one-line errors (exit code 2)."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any


class BadInput(Exception):
    """A user error the command reports in one line with exit code 2."""


def positive(value: int, option: str) -> int:
    """``value`` if it is at least 1; BadInput naming the option otherwise."""
    if value < 1:
        raise BadInput(f"{option} must be at least 1, got {value}")
    return value


def split_option(text: str, option: str, kind: type[float] | type[int] | type[str]) -> list[Any]:
    """The comma-separated values of an option, converted; BadInput names the bad one."""
    values = []
    for item in text.split(","):
        try:
            values.append(kind(item.strip()))
        except ValueError:
            raise BadInput(f"{option}: {item.strip()!r} is not a {kind.__name__}") from None
    if not all(str(v) for v in values):
        raise BadInput(f"{option}: empty value in {text!r}")
    return values


def solver_options(pairs: list[str] | None) -> dict[str, str]:
    """``--option KEY=VALUE`` pairs as solver options, values as text.

    The solver's declared options convert them (:func:`vrpsolve.core.options.check_options`), so
    ``samples=8`` is an int for one solver and ``policy=8`` a name for another.
    """
    options: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip() or not text.strip():
            raise BadInput(f"--option: expected KEY=VALUE, got {pair!r}")
        options[key.strip()] = text.strip()
    return options


def check_seeds(args: argparse.Namespace) -> None:
    """BadInput for a ``--seed`` (or one of bench's ``--seeds``) outside 0 to ``2**32 - 1``."""
    from vrpsolve.core.options import check_seed

    seeds = [args.seed] if isinstance(getattr(args, "seed", None), int) else []
    if isinstance(getattr(args, "seeds", None), str):
        seeds += split_option(args.seeds, "--seeds", int)
    for seed in seeds:
        try:
            check_seed(seed)
        except ValueError as error:
            raise BadInput(f"--seed: {error}") from None


OUTPUT_OPTIONS = (("out", False), ("out_dir", True), ("sol_dir", True), ("plot_dir", True))
"""The arguments that name outputs (``--out`` and ``export-policy``'s OUT, files; the others,
folders created with their parents where missing)."""


def check_outputs(args: argparse.Namespace) -> None:
    """BadInput, before any work, for an output path where nothing can be written.

    A file is checked in its folder, a folder in itself or, when missing, in its nearest existing
    ancestor (where it would be created): a file must be creatable there (tried, then removed),
    which also catches read-only and pseudo file systems (``/proc``) that ``os.access`` accepts
    for root.
    """
    for name, is_folder in OUTPUT_OPTIONS:
        value = getattr(args, name, None)
        if not value:
            continue
        option = "--" + name.replace("_", "-")
        path = Path(value).absolute()
        if not is_folder and path.is_dir():
            raise BadInput(f"{value}: {option} is a directory, not a file to write")
        folder = path if is_folder else path.parent
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        if not existing.is_dir():
            raise BadInput(f"{value}: {option} cannot be written ({existing} is not a directory)")
        try:
            handle, probe = tempfile.mkstemp(prefix=".vrpsolve-probe-", dir=existing)
            os.close(handle)
            os.unlink(probe)
        except OSError as error:
            raise BadInput(
                f"{value}: {option} cannot be written ({existing}: {error.strerror})"
            ) from None
