"""Which instances a benchmark runs: files, glob patterns and bundled set names."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vrpsolve.catalog import best_known_values, list_sets
from vrpsolve.core.registry import family_of
from vrpsolve.io import read_instance

from .errors import BenchInputError

CUSTOM_SET = "custom"
"""The set of an instance file that is not bundled."""

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class BenchInstance:
    """One selected instance file, checked to be readable.

    Attributes
    ----------
    path
        The instance file.
    set
        Its bundled set (``bks.csv``), or ``"custom"``.
    name
        The instance name, as read.
    n
        Number of nodes, depots included.
    """

    path: str
    set: str
    name: str
    n: int


def _bundled_sets() -> dict[Path, str]:
    """Resolved paths of bundled instance files to their set names."""
    return {row.path.resolve(): row.set for row in best_known_values()}


def _expand(spec: str, sets: Sequence[str]) -> list[tuple[Path, str | None]]:
    """The files one specification names, each with its set when the spec is a set name."""
    if spec in sets:
        return [(row.path, row.set) for row in best_known_values(spec)]
    path = Path(spec)
    if path.is_file():
        return [(path, None)]
    if _GLOB_CHARS & set(spec):
        matches = sorted(Path(m) for m in glob.glob(spec, recursive=True) if Path(m).is_file())
        if not matches:
            raise BenchInputError(f"{spec}: the pattern matches no file")
        return [(m, None) for m in matches]
    if path.exists():
        raise BenchInputError(f"{spec}: not a file")
    raise BenchInputError(f"{spec}: no such file, pattern or bundled set (sets: {', '.join(sets)})")


def select_instances(specs: Sequence[str], format: str | None = None) -> list[BenchInstance]:
    """Resolve instance specifications to readable instance files.

    Parameters
    ----------
    specs
        File paths, glob patterns, or set names from :func:`vrpsolve.catalog.list_sets`.
    format
        Force this instance format (default: detect per file).

    Returns
    -------
    list of BenchInstance
        Each file once, in the order given; every file is read once here, so a bad file is
        reported before any solver runs.

    Raises
    ------
    BenchInputError
        For a spec naming nothing, or an empty selection.
    vrpsolve.InputError
        For a file that cannot be read as an instance.
    """
    sets = list_sets()
    bundled = _bundled_sets()
    chosen: dict[Path, BenchInstance] = {}
    for spec in specs:
        for path, set_name in _expand(spec, sets):
            key = path.resolve()
            if key in chosen:
                continue
            instance = read_instance(path, format=format)
            chosen[key] = BenchInstance(
                path=str(path),
                set=set_name or bundled.get(key, CUSTOM_SET),
                name=instance.name,
                n=family_of(instance).size(instance),
            )
    if not chosen:
        raise BenchInputError("no instances selected")
    return list(chosen.values())
