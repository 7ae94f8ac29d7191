"""TNTP traffic-assignment networks (Transportation Networks for Research): the raw contents of a
``<name>_net.tntp`` link table, with its ``_node.tntp`` coordinates and ``_trips.tntp`` OD matrix.

:func:`read_tntp_network` reads them as they are; flow admission turns them into a topology with
the trips as flows (:func:`vrpsolve.flows.topology.read_tntp`), path queries into a road network
(:func:`vrpsolve.graphs.paths.routers.tntp_network`). Every problem is an
:class:`~vrpsolve.core.errors.InputError` naming the file and line. See ``docs/formats.md``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import read_text, to_int, to_number

MAX_NODES = 100_000
"""The most nodes a TNTP network may declare (``<NUMBER OF NODES>``), checked before anything
per node is built; flow admission allows as many. The largest bundled network (Anaheim) has
416."""

_TNTP_LINK_COLUMNS = ("init node", "term node", "capacity", "length", "free-flow time")
"""The leading columns every TNTP link line must have (``b``, ``power``, speed, toll and link
type may follow)."""


@dataclass(frozen=True, eq=False)
class TntpNetwork:
    """The contents of a TNTP network: the ``_net.tntp`` link table and its metadata, with the
    matching ``_node.tntp`` coordinates and ``_trips.tntp`` OD matrix when they exist.

    Nodes are numbered ``1..num_nodes`` as in the files. Arrays are per link, in file order.
    """

    name: str
    """The file stem without ``_net`` (``SiouxFalls``)."""
    num_nodes: int
    num_zones: int
    first_thru_node: int
    """Nodes below it are zones (centroids): TNTP lets trips start and end there but not pass
    through."""
    tails: NDArray[np.int64]
    heads: NDArray[np.int64]
    capacity: NDArray[np.float64]
    length: NDArray[np.float64]
    free_flow_time: NDArray[np.float64]
    b: NDArray[np.float64]
    """BPR ``B`` per link (``nan`` when the file has no such column)."""
    power: NDArray[np.float64]
    """BPR power per link (``nan`` when the file has no such column)."""
    coordinates: tuple[tuple[float, float] | None, ...] = ()
    """Per node ``(X, Y)`` from the node file (``None`` for a node it lacks); empty without one."""
    node_file: Path | None = None
    trips: tuple[tuple[int, int, float], ...] | None = None
    """``(origin, destination, trips)`` with positive trips, from the trips file (``None``
    without one)."""
    trips_file: Path | None = None
    notes: tuple[str, ...] = ()

    @property
    def num_links(self) -> int:
        """Number of links in the link table."""
        return int(self.tails.size)


def _tntp_companion(path: Path, kind: str) -> Path | None:
    """The ``<name>_<kind>.tntp`` file next to a ``<name>_net.tntp`` file, if it exists."""
    stem = path.name.removesuffix(".tntp")
    if not stem.endswith("_net"):
        return None
    other = path.with_name(f"{stem.removesuffix('_net')}_{kind}.tntp")
    return other if other.is_file() else None


def _tntp_text(path: Path) -> tuple[dict[str, tuple[int, str]], list[tuple[int, str]]]:
    """The ``<KEY> value`` metadata of a TNTP file (line and value by upper-case key) and the
    body lines after ``<END OF METADATA>`` (``~`` comments and blank lines dropped)."""
    metadata: dict[str, tuple[int, str]] = {}
    body: list[tuple[int, str]] = []
    in_header = True
    for number, raw in enumerate(read_text(path).splitlines(), 1):
        line = raw.split("~", 1)[0].strip()
        if not line:
            continue
        if not in_header:
            body.append((number, line))
            continue
        match = re.fullmatch(r"<([^>]+)>\s*(.*)", line)
        if match is None:
            raise InputError(
                f"expected a '<KEY> value' metadata line or <END OF METADATA>, got {line!r}",
                path,
                number,
            )
        key = match.group(1).strip().upper()
        if key == "END OF METADATA":
            in_header = False
        else:
            metadata[key] = (number, match.group(2).strip())
    if in_header:
        raise InputError("missing <END OF METADATA>", path)
    return metadata, body


def _tntp_count(
    metadata: dict[str, tuple[int, str]], key: str, path: Path, default: int | None = None
) -> int:
    if key not in metadata:
        if default is not None:
            return default
        raise InputError(f"missing metadata <{key}>", path)
    line, value = metadata[key]
    count = to_int(value, path, line, f"<{key}>")
    if count < 0:
        raise InputError(f"<{key}> must not be negative, got {value}", path, line)
    return count


def _tntp_node(token: str, n: int, path: Path, line: int, what: str) -> int:
    node = to_int(token, path, line, what)
    if not 1 <= node <= n:
        raise InputError(f"{what} {node} is not a node in 1..{n}", path, line)
    return node


def _tntp_coordinates(
    path: Path, n: int, notes: list[str]
) -> tuple[tuple[float, float] | None, ...]:
    """Per node ``(X, Y)`` from a ``_node.tntp`` file (a header line, then ``id X Y ;``)."""
    points: dict[int, tuple[float, float]] = {}
    for number, raw in enumerate(read_text(path).splitlines(), 1):
        tokens = raw.split("~", 1)[0].replace(";", " ").split()
        if not tokens or (not points and not tokens[0].lstrip("+-").isdigit()):
            continue  # blank lines and the column header
        if len(tokens) < 3:
            raise InputError("a node line must read '<node> <X> <Y> ;'", path, number)
        node = _tntp_node(tokens[0], n, path, number, "node")
        if node in points:
            raise InputError(f"node {node} appears twice", path, number)
        points[node] = (
            to_number(tokens[1], path, number, "the node's X"),
            to_number(tokens[2], path, number, "the node's Y"),
        )
    if not points:
        raise InputError("no node lines", path)
    if len(points) < n:
        notes.append(f"{n - len(points)} node(s) have no coordinates in {path.name}")
    return tuple(points.get(node) for node in range(1, n + 1))


def _tntp_trips(path: Path, zones: int, notes: list[str]) -> tuple[tuple[int, int, float], ...]:
    """Positive OD entries of a ``_trips.tntp`` file (``Origin o`` then ``d : trips;`` pairs)."""
    metadata, body = _tntp_text(path)
    declared = _tntp_count(metadata, "NUMBER OF ZONES", path, default=zones)
    if declared != zones:
        raise InputError(f"<NUMBER OF ZONES> is {declared}, the network has {zones}", path)
    trips: dict[tuple[int, int], float] = {}
    origin: int | None = None
    diagonal = 0.0
    for number, line in body:
        match = re.fullmatch(r"Origin\s+(\S+)", line, flags=re.IGNORECASE)
        if match:
            origin = _tntp_node(match.group(1), zones, path, number, "origin zone")
            continue
        if origin is None:
            raise InputError(f"OD entries before the first 'Origin' line: {line!r}", path, number)
        for part in line.split(";"):
            if not part.strip():
                continue
            pieces = part.split(":")
            if len(pieces) != 2:
                raise InputError(
                    f"an OD entry must read '<destination> : <trips>;', got {part.strip()!r}",
                    path,
                    number,
                )
            target = _tntp_node(pieces[0].strip(), zones, path, number, "destination zone")
            value = to_number(pieces[1].strip(), path, number, "the trips")
            if not (math.isfinite(value) and value >= 0):
                raise InputError(
                    f"trips must be finite and non-negative, got {value}", path, number
                )
            if (origin, target) in trips:
                raise InputError(f"OD pair {origin} -> {target} appears twice", path, number)
            trips[(origin, target)] = value
            if origin == target:
                diagonal += value
    try:
        total = math.fsum(trips.values())
    except OverflowError:  # finite trips whose sum is not
        total = math.inf
    if "TOTAL OD FLOW" in metadata:
        where, text = metadata["TOTAL OD FLOW"]
        stated = to_number(text, path, where, "<TOTAL OD FLOW>")
        if not math.isclose(total, stated, rel_tol=1e-6, abs_tol=1e-6):
            notes.append(f"the trips add up to {total:g}, <TOTAL OD FLOW> says {stated:g}")
    if diagonal:
        notes.append(f"{diagonal:g} intra-zonal trips (origin = destination) left out")
    return tuple((o, d, value) for (o, d), value in trips.items() if o != d and value > 0)


def read_tntp_network(path: str | Path, *, trips: bool = True) -> TntpNetwork:
    """Read a TNTP ``_net.tntp`` file, its ``_node.tntp`` coordinates and (unless ``trips`` is
    false) its ``_trips.tntp`` OD matrix, each when present next to it.

    The link table follows the metadata header (``<NUMBER OF NODES>``, ``<NUMBER OF LINKS>``,
    ``<FIRST THRU NODE>``, ``<NUMBER OF ZONES>``, ``<END OF METADATA>``); each link line lists
    at least init node, term node, capacity, length and free-flow time, then usually ``b``,
    ``power``, speed, toll and link type, ending with ``;``; ``~`` starts a comment. Nodes are
    1-based. :class:`InputError` (file and line) for a missing header field, a link count that
    disagrees with ``<NUMBER OF LINKS>`` (a truncated file), an unknown node, a self-loop, a
    non-positive capacity or a negative length or free-flow time.
    """
    path = Path(path)
    metadata, body = _tntp_text(path)
    n = _tntp_count(metadata, "NUMBER OF NODES", path)
    m = _tntp_count(metadata, "NUMBER OF LINKS", path)
    zones = _tntp_count(metadata, "NUMBER OF ZONES", path, default=0)
    first_thru = _tntp_count(metadata, "FIRST THRU NODE", path, default=1)
    if not 2 <= n <= MAX_NODES:
        raise InputError(f"<NUMBER OF NODES> must be in 2..{MAX_NODES}, got {n}", path)
    if zones > n:
        raise InputError(f"<NUMBER OF ZONES> {zones} exceeds <NUMBER OF NODES> {n}", path)
    rows: list[tuple[float, ...]] = []
    for number, line in body:
        tokens = line.rstrip(";").split()
        if len(tokens) < len(_TNTP_LINK_COLUMNS):
            raise InputError(
                f"a link line needs {', '.join(_TNTP_LINK_COLUMNS)} (got {len(tokens)} values)",
                path,
                number,
            )
        tail = _tntp_node(tokens[0], n, path, number, "init node")
        head = _tntp_node(tokens[1], n, path, number, "term node")
        if tail == head:
            raise InputError(f"link {tail} -> {head} is a self-loop", path, number)
        values = [
            to_number(token, path, number, f"the {what}")
            for token, what in zip(
                tokens[2:7], (*_TNTP_LINK_COLUMNS[2:], "b", "power"), strict=False
            )
        ]
        if not values[0] > 0 or not math.isfinite(values[0]):
            raise InputError(f"capacity must be positive and finite, got {tokens[2]}", path, number)
        for value, what in zip(values[1:3], ("length", "free-flow time"), strict=True):
            if not (math.isfinite(value) and value >= 0):
                raise InputError(f"{what} must be finite and non-negative", path, number)
        values += [math.nan] * (5 - len(values))
        rows.append((tail, head, *values))
    if len(rows) != m:
        raise InputError(f"the file has {len(rows)} link line(s), <NUMBER OF LINKS> says {m}", path)
    table = np.array(rows, dtype=np.float64).reshape(-1, 7)
    notes: list[str] = []
    node_file = _tntp_companion(path, "node")
    coordinates = () if node_file is None else _tntp_coordinates(node_file, n, notes)
    trips_file = _tntp_companion(path, "trips") if trips else None
    od = None
    if trips_file is not None:
        if zones < 1:
            raise InputError("a trips file needs <NUMBER OF ZONES> in the network file", path)
        od = _tntp_trips(trips_file, zones, notes)

    def column(k: int, dtype: type) -> NDArray:
        array: NDArray = np.ascontiguousarray(table[:, k], dtype=dtype)
        array.setflags(write=False)
        return array

    return TntpNetwork(
        name=path.name.removesuffix(".tntp").removesuffix("_net"),
        num_nodes=n,
        num_zones=zones,
        first_thru_node=first_thru,
        tails=column(0, np.int64),
        heads=column(1, np.int64),
        capacity=column(2, np.float64),
        length=column(3, np.float64),
        free_flow_time=column(4, np.float64),
        b=column(5, np.float64),
        power=column(6, np.float64),
        coordinates=coordinates,
        node_file=node_file,
        trips=od,
        trips_file=trips_file,
        notes=tuple(notes),
    )
