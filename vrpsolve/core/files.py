"""Files in and out: text and JSON read with one-line errors, numeric tokens, atomic writes."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

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


def to_number(token: str, path: str | Path, line: int | None, what: str) -> float:
    """Parse one numeric token, raising :class:`InputError` that names the field on failure.

    ``inf`` is accepted (an unlimited value); ``nan`` is not.
    """
    try:
        value = float(token)
    except ValueError:
        raise InputError(f"non-numeric token {token!r} in {what}", path, line) from None
    if math.isnan(value):
        raise InputError(f"non-numeric token {token!r} in {what}", path, line)
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


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    A reader never sees a half-written file: either the old content or the new one.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


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
