"""Read and write routing instances in any routing format (dispatch on the format name)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from vrpsolve.core.errors import InputError
from vrpsolve.routing.io.detect import FORMATS, detect_format
from vrpsolve.routing.io.json_format import read_json_instance, write_json_instance
from vrpsolve.routing.io.ortec import read_ortec
from vrpsolve.routing.io.solomon import read_solomon
from vrpsolve.routing.io.tsplib import read_atsp, read_tsp
from vrpsolve.routing.io.vrplib import read_vrplib, write_vrplib
from vrpsolve.routing.model import RoutingInstance

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
    """Read a routing instance (for a file of any family, see :func:`vrpsolve.read_instance`).

    Parameters
    ----------
    path
        The instance file.
    format
        One of :data:`vrpsolve.routing.io.FORMATS`; detected from the extension and content when
        ``None``.

    Returns
    -------
    RoutingInstance
        The instance, validated, with the file's cost convention applied.

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
