"""Tell a routing instance file's format from its extension and, where that is ambiguous, its
content."""

from __future__ import annotations

import re
from pathlib import Path

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import read_text
from vrpsolve.routing.io.json_format import INSTANCE_TAG

FORMATS = ("vrplib", "solomon", "tsplib", "atsp", "ortec", "json")
"""Routing instance formats accepted by :func:`vrpsolve.routing.io.read_instance`."""

_BY_EXTENSION = {".vrp": "vrplib", ".tsp": "tsplib", ".atsp": "atsp"}
_TYPE = re.compile(r"^\s*TYPE\s*:\s*(\w+)", re.MULTILINE | re.IGNORECASE)


def routing_format(path: str | Path, head: str) -> str | None:
    """The routing format of a file, or ``None`` when it is not a routing instance file.

    ``.vrp``, ``.tsp`` and ``.atsp`` go by extension; ``.json`` files need the
    ``vrpsolve-routing`` tag in ``head`` (the file's first bytes as text). Other text files go
    by content: a ``VEHICLE`` and a ``CUSTOMER`` block make a Solomon file;
    ``EDGE_WEIGHT_SECTION`` together with ``TIME_WINDOW_SECTION`` an ORTEC file; a ``TYPE`` of
    ``TSP``/``ATSP`` a TSPLIB file; any other ``*_SECTION`` a VRPLIB file. Never raises.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _BY_EXTENSION:
        return _BY_EXTENSION[suffix]
    if suffix == ".json" or head.lstrip().startswith("{"):
        return "json" if f'"{INSTANCE_TAG}"' in head.replace(" ", "") else None
    if "\x00" in head or "\ufffd" in head or head.startswith("?SNDlib"):
        return None
    try:
        text = read_text(path)
    except InputError:
        return None
    words = {line.strip().upper() for line in text.splitlines()[:40]}
    if "VEHICLE" in words and "CUSTOMER" in words:
        return "solomon"
    if "EDGE_WEIGHT_SECTION" in text and "TIME_WINDOW_SECTION" in text:
        return "ortec"
    declared = _TYPE.search(text)
    if declared is not None and declared.group(1).upper() in ("TSP", "ATSP"):
        return "tsplib" if declared.group(1).upper() == "TSP" else "atsp"
    if "_SECTION" in text:
        return "vrplib"
    return None


def detect_format(path: str | Path) -> str:
    """The routing format of an instance file: one of :data:`FORMATS` (see
    :func:`routing_format`; any ``.json`` file is read as routing JSON, whose reader names a
    missing or wrong ``format`` tag).

    Raises
    ------
    InputError
        If the file is missing or empty, or is no routing instance file.
    """
    path = Path(path)
    text = read_text(path)
    found = "json" if path.suffix.lower() == ".json" else routing_format(path, text[:65536])
    if found is None:
        raise InputError(
            "cannot recognise the routing instance format (pass format=, one of "
            + ", ".join(FORMATS)
            + ")",
            path,
        )
    return found
