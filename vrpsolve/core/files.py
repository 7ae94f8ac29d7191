"""Files in and out: text and JSON read with one-line errors, numeric tokens and the finiteness
check every reader and model shares, atomic writes."""

from __future__ import annotations

import json
import math
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import ArrayLike

from vrpsolve.core.errors import InputError


def read_text(path: str | Path) -> str:
    """Read a whole text file, raising :class:`InputError` if it is missing, unreadable or empty.

    Parameters
    ----------
    path
        File to read.

    Returns
    -------
    str
        The file's text.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path)
    if not path.is_file():
        raise InputError("not a regular file", path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise InputError(f"not a UTF-8 text file ({exc.reason})", path) from exc
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror})", path) from exc
    if not text.strip():
        raise InputError("file is empty", path)
    return text


def check_finite(
    values: ArrayLike,
    what: str,
    path: str | Path | None = None,
    line: int | None = None,
    *,
    unlimited: bool = False,
) -> None:
    """Raise unless every number of ``values`` is finite (or ``+inf`` too, where ``unlimited``).

    Parameters
    ----------
    values
        A number or an array of numbers.
    what
        The field's name, as the message shows it.
    path, line
        The file (and line) the values come from; ``None`` for values given in Python.
    unlimited
        Accept ``+inf``, for a limit that may be absent (a capacity, a window's end).

    Raises
    ------
    InputError
        Naming the file, the line, the field, the first bad entry's index and value, when
        ``path`` is given.
    ValueError
        The same message without file and line, when ``path`` is ``None`` (model constructors).
    """
    array = np.asarray(values, dtype=np.float64)
    bad = np.isnan(array) | (np.isneginf(array) if unlimited else np.isinf(array))
    if not bad.any():
        return
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    where = f"{what}[{', '.join(map(str, index))}]" if array.size > 1 else what
    allowed = "a number or +inf" if unlimited else "finite"
    problem = f"{where} must be {allowed}, got {float(array[index])}"
    if path is None:
        raise ValueError(problem)
    raise InputError(problem, path, line)


def to_number(
    token: str, path: str | Path, line: int | None, what: str, *, unlimited: bool = False
) -> float:
    """Parse one numeric token, raising :class:`InputError` that names the field on failure.

    ``nan`` is never accepted, nor an infinity (``inf``, or a number too large for a float),
    except ``+inf`` where ``unlimited`` (a limit that is absent; see :func:`check_finite`).
    """
    try:
        value = float(token)
    except ValueError:
        raise InputError(f"non-numeric token {token!r} in {what}", path, line) from None
    if math.isnan(value):
        raise InputError(f"non-numeric token {token!r} in {what}", path, line)
    check_finite(value, what, path, line, unlimited=unlimited)
    return value


def to_int(token: str, path: str | Path, line: int | None, what: str) -> int:
    """Parse one integer token (``"3"`` or ``"3.0"``), raising :class:`InputError` otherwise."""
    value = to_number(token, path, line, what)
    if not math.isfinite(value) or not value.is_integer():
        raise InputError(f"expected an integer in {what}, got {token!r}", path, line)
    return int(value)


def format_number(value: float) -> str:
    """Write a number compactly: integral values without a decimal point, others exactly."""
    value = float(value)
    if math.isfinite(value) and value.is_integer():
        return str(int(value))
    return repr(value)


def _umask() -> int:
    """The process's file-creation mask, read without changing it where the system allows."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _new_file_mode(path: Path) -> int:
    """The permissions an atomic write gives ``path``: the current file's when it exists, else
    ``0o666`` less the umask (what ``open(path, "w")`` would give a new file)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


@contextmanager
def atomic_writer(path: str | Path) -> Iterator[BinaryIO]:
    """A binary handle whose content replaces ``path`` in one rename when the block ends.

    The data go to a temporary file in the same folder, which is flushed, synced and renamed
    over ``path``; if the block raises, the temporary file is removed and ``path`` is untouched,
    so a reader never sees a half-written file: either the old content or the new one. The file
    gets the usual permissions (see :func:`_new_file_mode`), not ``mkstemp``'s ``0600``.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    mode = _new_file_mode(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (see
    :func:`atomic_writer`)."""
    with atomic_writer(path) as handle:
        handle.write(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename.

    A reader never sees a half-written file: either the old content or the new one (see
    :func:`atomic_writer`).
    """
    write_bytes_atomic(path, text.encode("utf-8"))


VERSION = 1
"""The version of every vrpsolve JSON format."""


def load_json(path: str | Path, tag: str) -> dict[str, Any]:
    """Parse a JSON file and check its ``format`` and ``version`` tags."""
    path = Path(path)
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError("the top level must be a JSON object", path)
    if data.get("format") != tag:
        raise InputError(f"field 'format' must be {tag!r}, got {data.get('format')!r}", path)
    if data.get("version") != VERSION:
        raise InputError(f"field 'version' must be {VERSION}, got {data.get('version')!r}", path)
    return data
