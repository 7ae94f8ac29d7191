"""Read and write instances in any supported format (dispatch on the format name)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from vrpsolve.errors import InputError
from vrpsolve.io.detect import FORMATS, detect_format
from vrpsolve.io.json_format import read_json_instance, write_json_instance
from vrpsolve.io.ortec import read_ortec
from vrpsolve.io.solomon import read_solomon
from vrpsolve.io.tsplib import read_atsp, read_tsp
from vrpsolve.io.vrplib import read_vrplib, write_vrplib
from vrpsolve.problems.routing import RoutingInstance

_READERS: dict[str, Callable[[Path], RoutingInstance]] = {
    "vrplib": read_vrplib,
    "solomon": read_solomon,
    "tsplib": read_tsp,
    "atsp": read_atsp,
    "ortec": read_ortec,
    "json": read_json_instance,
}
_WRITERS: dict[str, Callable[[RoutingInstance, Path], None]] = {
    "json": write_json_instance,
    "vrplib": write_vrplib,
}
assert set(_READERS) == set(FORMATS)


def read_instance(path: str | Path, format: str | None = None) -> RoutingInstance:
    """Read a routing instance.

    Parameters
    ----------
    path
        The instance file.
    format
        One of :data:`vrpsolve.io.FORMATS`; detected from extension and content when ``None``.

    Returns
    -------
    RoutingInstance
        The instance, with the file's cost convention applied to its matrices and validated.

    Raises
    ------
    InputError
        On any problem with the file, naming it (and the line or field where possible).
    """
    path = Path(path)
    if format is None:
        format = detect_format(path)
    reader = _READERS.get(format.lower())
    if reader is None:
        raise InputError(f"unknown format {format!r} (expected one of {', '.join(FORMATS)})", path)
    return reader(path)


def write_instance(instance: RoutingInstance, path: str | Path, format: str = "json") -> None:
    """Write a routing instance atomically.

    Parameters
    ----------
    instance
        The instance.
    path
        Target file.
    format
        ``"json"`` (lossless ``vrpsolve-routing``) or ``"vrplib"`` (PyVRP's VRPLIB dialect with
        an explicit full matrix).

    Raises
    ------
    ValueError
        For an unknown format, or an instance the chosen format cannot express.
    """
    writer = _WRITERS.get(format.lower())
    if writer is None:
        raise ValueError(f"cannot write format {format!r} (expected json or vrplib)")
    writer(instance, Path(path))
