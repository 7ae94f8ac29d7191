"""Guess an instance file's format from its extension and, where that is ambiguous, its content."""

from __future__ import annotations

import re
from pathlib import Path

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import read_text

FORMATS = ("vrplib", "solomon", "tsplib", "atsp", "ortec", "json", "gml", "graphml", "sndlib")
"""Instance format names accepted by :func:`vrpsolve.routing.io.read_instance` (the last three are
network topologies, read as flow-admission instances)."""

_BY_EXTENSION = {
    ".vrp": "vrplib",
    ".tsp": "tsplib",
    ".atsp": "atsp",
    ".json": "json",
    ".gml": "gml",
    ".graphml": "graphml",
}
_TYPE = re.compile(r"^\s*TYPE\s*:\s*(\w+)", re.MULTILINE | re.IGNORECASE)


def detect_format(path: str | Path) -> str:
    """The format of an instance file: one of :data:`FORMATS`.

    ``.vrp``, ``.tsp``, ``.atsp`` and ``.json`` go by extension. Other files go by content: a
    ``VEHICLE`` and a ``CUSTOMER`` block make a Solomon file; ``EDGE_WEIGHT_SECTION`` together
    with ``TIME_WINDOW_SECTION`` an ORTEC file; a ``TYPE`` of ``TSP``/``ATSP`` a TSPLIB file; any
    other ``*_SECTION`` a VRPLIB file; a leading ``{`` a JSON file; the SNDlib header an SNDlib
    native network; ``.gml`` and ``.graphml`` go by extension.

    Raises
    ------
    InputError
        If the file is missing or empty, or its format cannot be recognised.
    """
    path = Path(path)
    text = read_text(path)
    by_extension = _BY_EXTENSION.get(path.suffix.lower())
    if by_extension is not None:
        return by_extension
    if text.startswith("?SNDlib native format"):
        return "sndlib"
    words = {line.strip().upper() for line in text.splitlines()[:40]}
    if "VEHICLE" in words and "CUSTOMER" in words:
        return "solomon"
    if text.lstrip().startswith("{"):
        return "json"
    if "EDGE_WEIGHT_SECTION" in text and "TIME_WINDOW_SECTION" in text:
        return "ortec"
    declared = _TYPE.search(text)
    if declared is not None and declared.group(1).upper() in ("TSP", "ATSP"):
        return "tsplib" if declared.group(1).upper() == "TSP" else "atsp"
    if "_SECTION" in text:
        return "vrplib"
    raise InputError(
        "cannot recognise the instance format (pass format=, one of " + ", ".join(FORMATS) + ")",
        path,
    )
