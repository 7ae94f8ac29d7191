"""Instance and solution files of every problem family.

:func:`read_instance` recognises a file's family and format with each family's detector (see
:class:`~vrpsolve.core.family.Family`) and reads it with that family's reader; the solution
functions dispatch on the instance's family. Formats of one family alone are read by its own
modules as well (for example :func:`vrpsolve.routing.io.read_instance`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vrpsolve.core.errors import InputError
from vrpsolve.core.family import Family, InstanceFormat
from vrpsolve.core.registry import families, family_of

HEAD_BYTES = 65536
"""How much of a file the detectors see."""


def formats() -> tuple[str, ...]:
    """Every instance format name, family by family."""
    return tuple(f.name for family in families() for f in family.formats)


def _head(path: Path) -> str:
    if not path.exists():
        raise InputError("file not found", path)
    if not path.is_file():
        raise InputError("not a regular file", path)
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror})", path) from exc
    if not head.strip():
        raise InputError("file is empty", path)
    return head.decode("utf-8", errors="replace")


def detect_format(path: str | Path) -> tuple[Family, InstanceFormat]:
    """The family and format of an instance file, from its extension and content.

    Raises
    ------
    InputError
        If the file is missing, empty or unreadable, or no family recognises it.
    """
    path = Path(path)
    head = _head(path)
    for family in families():
        name = family.detect(path, head)
        found = None if name is None else family.format_named(name)
        if found is not None:
            return family, found
    raise InputError(
        "cannot recognise the instance format (pass --instance-format, one of "
        + ", ".join(formats())
        + ")",
        path,
    )


def _format_named(name: str, path: Path) -> tuple[Family, InstanceFormat]:
    for family in families():
        found = family.format_named(name.lower())
        if found is not None:
            return family, found
    raise InputError(f"unknown format {name!r} (expected one of {', '.join(formats())})", path)


def read_instance(path: str | Path, format: str | None = None) -> Any:
    """Read an instance of any family.

    Parameters
    ----------
    path
        The instance file.
    format
        A format name (:func:`formats`); detected from the extension and content when ``None``.

    Returns
    -------
    Any
        The instance, validated, in its family's instance type (a
        :class:`~vrpsolve.routing.model.RoutingInstance`, a
        :class:`~vrpsolve.flows.model.FlowAdmissionInstance`, ...).

    Raises
    ------
    InputError
        On any problem with the file, naming it (and the line or field where possible).
    """
    path = Path(path)
    _, found = detect_format(path) if format is None else _format_named(format, path)
    return found.read(path)


def write_instance(instance: Any, path: str | Path, format: str) -> None:
    """Write an instance in a format of its family that can be written.

    Raises
    ------
    ValueError
        When the format is not one of the family's writable formats.
    """
    family = family_of(instance)
    found = family.format_named(format)
    if found is None or found.write is None:
        writable = ", ".join(f.name for f in family.formats if f.write is not None)
        raise ValueError(f"cannot write {family.title} as {format!r} (writable: {writable})")
    found.write(instance, Path(path))


def read_solution(path: str | Path, instance: Any) -> Any:
    """Read a solution file for ``instance``, in its family's solution format.

    Raises
    ------
    InputError
        Naming the file on any problem, or when it is evidently for another instance.
    """
    return family_of(instance).read_solution(Path(path), instance)


def write_solution(
    solution: Any, path: str | Path, instance: Any, evaluation: Any | None = None
) -> None:
    """Write a solver's answer for ``instance`` atomically, in its family's solution format;
    the evaluation, when given, is recorded beside it where the format has room."""
    family_of(instance).write_solution(solution, Path(path), evaluation)
