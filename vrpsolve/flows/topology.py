"""Network topologies for flow admission: Topology Zoo GML/GraphML, SNDlib native ``.txt`` and
TNTP traffic-assignment networks (``_net.tntp``).

Every reader returns a :class:`Topology` (node names, directed links with capacities and delays,
and, for SNDlib and TNTP, the demands as flows) whose :attr:`Topology.notes` say every default it
applied. Undirected links become two directed links of the same capacity (full duplex); parallel
links are merged into one whose capacity is the sum. Every problem with a file is an
:class:`vrpsolve.core.errors.InputError` naming the file (and, for SNDlib and TNTP, the line).
See ``docs/pfar.md`` and, for TNTP, ``docs/formats.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import check_finite, read_text, to_int, to_number
from vrpsolve.flows.model import (
    AdmissionMode,
    Flow,
    FlowAdmissionInstance,
    Link,
    Node,
)
from vrpsolve.networks.tntp import read_tntp_network

DEFAULT_CAPACITY = 10_000.0
"""Capacity (Mbit/s, i.e. 10 Gbit/s) given to a Topology Zoo link whose speed the file omits."""

FIBRE_KM_PER_MS = 200.0
"""Signal speed in fibre (about two thirds of c), used to turn great-circle length into delay."""

CapacityRule = Literal["auto", "preinstalled", "module", "preinstalled+module"]


@dataclass(frozen=True)
class Topology:
    """A network read from a file, with the flows it defines (SNDlib demands) if any.

    Parameters
    ----------
    name
        Network name (the file stem, or the name the file gives).
    nodes
        Node names.
    links
        Directed links, no two with the same source and target.
    flows
        Demands read from the file (empty for Topology Zoo files).
    coordinates
        Per node: ``(longitude, latitude)`` from a file, a position in the unit square for a
        generated network, or ``None`` where there is none.
    notes
        One line per default or simplification the reader applied (default capacities, merged
        parallel links, links without a delay, ignored sections).
    defaulted_links
        Number of directed links that received the default capacity.
    """

    name: str
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    flows: tuple[Flow, ...] = ()
    coordinates: tuple[tuple[float, float] | None, ...] = ()
    notes: tuple[str, ...] = ()
    defaulted_links: int = 0

    def to_instance(
        self,
        flows: Iterable[Flow] | None = None,
        *,
        mode: AdmissionMode | str = AdmissionMode.WEIGHTED,
        name: str | None = None,
    ) -> FlowAdmissionInstance:
        """A PFAR instance on this network, with the given flows or else the file's own."""
        return FlowAdmissionInstance(
            self.name if name is None else name,
            self.nodes,
            self.links,
            self.flows if flows is None else tuple(flows),
            mode,
        )


# -- shared helpers ------------------------------------------------------------------------------
def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two ``(longitude, latitude)`` points in degrees."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _is_geographic(point: tuple[float, float] | None) -> bool:
    return point is not None and abs(point[0]) <= 180 and abs(point[1]) <= 90


def _delay(points: Mapping[Node, tuple[float, float] | None], u: Node, v: Node) -> float | None:
    """Propagation delay in ms from coordinates, or ``None`` when either end has none."""
    a, b = points.get(u), points.get(v)
    if a is None or b is None or not (_is_geographic(a) and _is_geographic(b)):
        return None
    return round(great_circle_km(a, b) / FIBRE_KM_PER_MS, 3)


def _build_links(
    edges: Iterable[tuple[Node, Node, float]],
    points: Mapping[Node, tuple[float, float] | None],
    *,
    directed: bool,
    delays: bool,
    notes: list[str],
) -> tuple[Link, ...]:
    """Directed links from ``(u, v, capacity)`` edges: both ways unless directed, merged, timed."""
    capacity: dict[tuple[Node, Node], float] = {}
    merged = 0
    for u, v, cap in edges:
        for pair in [(u, v)] if directed else [(u, v), (v, u)]:
            if pair in capacity:
                merged += 1
                capacity[pair] += cap
            else:
                capacity[pair] = cap
    if merged:
        notes.append(f"{merged} parallel directed link(s) merged into one (capacities summed)")
    links, untimed = [], 0
    for (u, v), cap in capacity.items():
        delay = _delay(points, u, v) if delays else 0.0
        if delay is None:
            untimed += 1
        links.append(Link(u, v, cap, delay or 0.0))
    if delays:
        timed = len(links) - untimed
        notes.append(
            f"delays: great-circle length / {FIBRE_KM_PER_MS:g} km per ms on {timed} link(s)"
            + (f", 0 on {untimed} link(s) lacking coordinates" if untimed else "")
        )
    return tuple(links)


# -- Topology Zoo (GML and GraphML) --------------------------------------------------------------
_UNIT = {"": 1e-6, "k": 1e-3, "m": 1.0, "g": 1e3, "t": 1e6}
"""Multiplier from a speed in (k, M, G, T)bit/s to Mbit/s."""

_LINE_RATES = {"oc": 51.84, "stm": 155.52}
"""Mbit/s per unit of an ``OC-n`` or ``STM-n`` label."""

_NAMED_RATES = {"t1": 1.544, "e1": 2.048, "t3": 44.736, "ds3": 44.736, "e3": 34.368}
"""Mbit/s of named carrier labels."""


def _label_speed(label: str) -> float | None:
    """Mbit/s read from a link label such as ``10 Gbps``, ``OC-192c`` or ``T1``; else ``None``."""
    text = label.strip().lower()
    match = re.search(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(?:bit/s|bps|b/s|bit|b)\b", text)
    if match:
        return float(match.group(1)) * _UNIT[match.group(2)]
    match = re.search(r"\b(oc|stm)-?(\d+)", text)
    if match:
        return int(match.group(2)) * _LINE_RATES[match.group(1)]
    for name, rate in _NAMED_RATES.items():
        if re.search(rf"\b{name}\b", text):
            return rate
    return None


def zoo_link_speed(data: Mapping[str, Any]) -> float | None:
    """Speed in Mbit/s of a Topology Zoo edge, or ``None`` when the attributes give none.

    Looks, in order, at ``LinkSpeedRaw`` (bit/s), ``LinkSpeed`` with ``LinkSpeedUnits``
    (``K``/``M``/``G``/``T``), and the text of ``LinkLabel`` and ``LinkType`` (``10 Gbps``,
    ``OC-192c``, ``STM-16``, ``T1``, ...); a speed that is not positive and finite gives none.
    """
    raw = data.get("LinkSpeedRaw")
    try:
        if raw is not None and 0 < float(raw) < math.inf:
            return float(raw) * 1e-6
    except (TypeError, ValueError, OverflowError):
        pass
    speed, units = data.get("LinkSpeed"), str(data.get("LinkSpeedUnits", "")).strip().lower()
    try:
        if speed is not None and 0 < float(speed) < math.inf and units in _UNIT:
            return float(speed) * _UNIT[units]
    except (TypeError, ValueError, OverflowError):
        pass
    for key in ("LinkLabel", "LinkType"):
        if isinstance(data.get(key), str):
            found = _label_speed(data[key])
            if found:
                return found
    return None


def _zoo_topology(graph: Any, path: Path, default_capacity: float, delays: bool) -> Topology:
    """A topology from a networkx graph read from a Topology Zoo file."""
    if not default_capacity > 0:
        raise ValueError(f"default_capacity must be positive, got {default_capacity!r}")
    if graph.number_of_nodes() == 0:
        raise InputError("the graph has no nodes", path)
    labels = {u: str(d.get("label", u)) for u, d in graph.nodes(data=True)}
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    names: dict[Any, Node] = {}
    for u, label in labels.items():
        names[u] = label if counts[label] == 1 else f"{label}#{u}"
    notes: list[str] = []
    if len(set(names.values())) != len(names):
        names = {u: str(u) for u in graph.nodes}
        notes.append("node labels are ambiguous: nodes are named by their ids")
    elif any(c > 1 for c in counts.values()):
        notes.append("duplicate node labels made unique with '#<id>'")
    points: dict[Node, tuple[float, float] | None] = {}
    for u, d in graph.nodes(data=True):
        try:
            point = (float(d["Longitude"]), float(d["Latitude"]))
        except (KeyError, TypeError, ValueError):
            points[names[u]] = None
            continue
        except OverflowError:  # an integer too large for a float
            point = (math.inf, math.inf)
        check_finite(point, f"node {names[u]!r}: Longitude/Latitude", path)
        points[names[u]] = point
    edges, defaulted, loops = [], 0, 0
    for u, v, d in graph.edges(data=True):
        if u == v:
            loops += 1
            continue
        speed = zoo_link_speed(d)
        if speed is None:
            defaulted += 1
            speed = default_capacity
        edges.append((names[u], names[v], speed))
    directed = bool(graph.is_directed())
    if loops:
        notes.append(f"{loops} self-loop edge(s) ignored")
    if defaulted:
        notes.append(
            f"{defaulted} of {len(edges)} edge(s) have no speed: default capacity "
            f"{default_capacity:g} Mbit/s"
        )
    notes.append("capacities in Mbit/s" + ("" if directed else "; edges become links both ways"))
    links = _build_links(edges, points, directed=directed, delays=delays, notes=notes)
    name = graph.graph.get("Network") or graph.graph.get("label") or path.stem
    return Topology(
        name=str(name),
        nodes=tuple(names[u] for u in graph.nodes),
        links=links,
        coordinates=tuple(points[names[u]] for u in graph.nodes),
        notes=tuple(notes),
        defaulted_links=defaulted * (1 if directed else 2),
    )


def read_gml(
    path: str | Path, *, default_capacity: float = DEFAULT_CAPACITY, delays: bool = True
) -> Topology:
    """Read a Topology Zoo (or any) GML network.

    Parameters
    ----------
    path
        The ``.gml`` file.
    default_capacity
        Capacity in Mbit/s for an edge whose speed the file omits (see :func:`zoo_link_speed`);
        the count appears in :attr:`Topology.notes` and :attr:`Topology.defaulted_links`.
    delays
        Derive link delays (ms) from node ``Longitude``/``Latitude``; otherwise all delays are 0.

    Returns
    -------
    Topology
        Nodes named by their labels, links both ways for an undirected graph, no flows.
    """
    import networkx as nx

    path = Path(path)
    text = read_text(path)
    try:
        graph = nx.parse_gml(text, label="id")
    except Exception as exc:  # networkx raises several types for malformed files
        raise InputError(f"invalid GML: {exc}", path) from None
    return _zoo_topology(graph, path, default_capacity, delays)


def read_graphml(
    path: str | Path, *, default_capacity: float = DEFAULT_CAPACITY, delays: bool = True
) -> Topology:
    """Read a Topology Zoo (or any) GraphML network; options as for :func:`read_gml`."""
    import networkx as nx

    path = Path(path)
    read_text(path)  # missing, unreadable or empty file
    try:
        graph = nx.read_graphml(path)
    except Exception as exc:  # networkx and ElementTree raise several types
        raise InputError(f"invalid GraphML: {exc}", path) from None
    return _zoo_topology(graph, path, default_capacity, delays)


# -- SNDlib native format ------------------------------------------------------------------------
def _sections(text: str, path: Path) -> dict[str, tuple[int, list[tuple[int, list[str]]]]]:
    """``NAME ( ... )`` sections: header line and the tokenised lines inside, by section name."""
    sections: dict[str, tuple[int, list[tuple[int, list[str]]]]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", "?")):
            continue
        if current is None:
            match = re.fullmatch(r"([A-Za-z_]+)\s*\(", line)
            if not match:
                raise InputError(
                    f"expected a section header like 'NODES (', got {line!r}", path, number
                )
            current = match.group(1).upper()
            if current in sections:
                raise InputError(f"section {current} appears twice", path, number)
            sections[current] = (number, [])
        elif line == ")":
            current = None
        else:
            tokens = line.replace("(", " ( ").replace(")", " ) ").split()
            sections[current][1].append((number, tokens))
    if current is not None:
        raise InputError(f"section {current} is not closed by ')'", path, sections[current][0])
    return sections


def _endpoints(tokens: list[str], what: str, path: Path, line: int) -> tuple[str, str, list[str]]:
    """``ID ( SOURCE TARGET ) REST...`` split into its two endpoints and the remaining tokens."""
    if len(tokens) < 5 or tokens[1] != "(" or tokens[4] != ")":
        raise InputError(f"{what} must read '<id> ( <source> <target> ) ...'", path, line)
    return tokens[2], tokens[3], tokens[5:]


def _sndlib_link(
    tokens: list[str], path: Path, line: int, rule: CapacityRule
) -> tuple[str, str, float]:
    source, target, rest = _endpoints(tokens, "a link", path, line)
    if len(rest) < 6 or rest[4] != "(" or rest[-1] != ")":
        raise InputError(
            "a link must read '<id> ( <source> <target> ) <capacity> <capacity cost> "
            "<routing cost> <setup cost> ( {<module capacity> <module cost>}* )'",
            path,
            line,
        )
    preinstalled = to_number(rest[0], path, line, "the link's pre-installed capacity")
    modules = rest[5:-1]
    if len(modules) % 2:
        raise InputError("link modules must come in <capacity> <cost> pairs", path, line)
    module = max((to_number(t, path, line, "a module capacity") for t in modules[::2]), default=0.0)
    if preinstalled < 0 or module < 0:
        raise InputError("link capacities must be non-negative", path, line)
    if rule == "auto":
        capacity = preinstalled if preinstalled > 0 else module
    elif rule == "preinstalled":
        capacity = preinstalled
    elif rule == "module":
        capacity = module
    else:
        capacity = preinstalled + module
    return source, target, capacity


def _sndlib_demand(
    tokens: list[str], path: Path, line: int, priority: float, nodes: Mapping[Node, object]
) -> Flow:
    source, target, rest = _endpoints(tokens, "a demand", path, line)
    if len(rest) != 3:
        raise InputError(
            "a demand must read '<id> ( <source> <target> ) <routing unit> <value> "
            "<max path length>'",
            path,
            line,
        )
    for node in (source, target):
        if node not in nodes:
            raise InputError(f"demand {tokens[0]!r}: unknown node {node!r}", path, line)
    if source == target:
        raise InputError(f"demand {tokens[0]!r} starts and ends at {source!r}", path, line)
    value = to_number(rest[1], path, line, "the demand value")
    if not (math.isfinite(value) and value >= 0):
        raise InputError(f"demand value must be finite and non-negative, got {rest[1]}", path, line)
    hops = None
    if rest[2].upper() != "UNLIMITED":
        hops = to_int(rest[2], path, line, "the demand's max path length")
        if hops < 1:
            raise InputError(f"max path length must be positive, got {rest[2]}", path, line)
    return Flow(source, target, value, priority, max_hops=hops)


def read_sndlib(
    path: str | Path,
    *,
    capacity: CapacityRule = "auto",
    directed: bool = False,
    delays: bool = True,
    priority: float = 1.0,
) -> Topology:
    """Read an SNDlib network in the native text format (``NODES``, ``LINKS``, ``DEMANDS``).

    Parameters
    ----------
    path
        The SNDlib ``.txt`` file.
    capacity
        How a link's capacity is set: ``"auto"`` (the pre-installed capacity when positive, else
        one module of the largest capacity offered), ``"preinstalled"`` (links without
        pre-installed capacity are left out), ``"module"`` (the largest module) or
        ``"preinstalled+module"``.
    directed
        Read each link as one directed link; by default (SNDlib's undirected networks) it becomes
        two links of the same capacity.
    delays
        Derive link delays (ms) from geographic node coordinates; otherwise all delays are 0.
    priority
        Priority given to every demand.

    Returns
    -------
    Topology
        The network and its demands as flows (demand value, ``max_hops`` from the maximum path
        length unless ``UNLIMITED``).
    """
    if capacity not in ("auto", "preinstalled", "module", "preinstalled+module"):
        raise ValueError(f"unknown capacity rule {capacity!r}")
    path = Path(path)
    text = read_text(path)
    sections = _sections(text, path)
    for required in ("NODES", "LINKS"):
        if required not in sections:
            raise InputError(f"missing section {required}", path)
    points: dict[Node, tuple[float, float] | None] = {}
    for line, tokens in sections["NODES"][1]:
        if tokens[0] in points:
            raise InputError(f"duplicate node {tokens[0]!r}", path, line)
        if len(tokens) == 1:
            points[tokens[0]] = None
        elif len(tokens) == 5 and tokens[1] == "(" and tokens[4] == ")":
            x = to_number(tokens[2], path, line, "the node's longitude")
            y = to_number(tokens[3], path, line, "the node's latitude")
            points[tokens[0]] = (x, y)
        else:
            raise InputError("a node must read '<id> [( <longitude> <latitude> )]'", path, line)
    if not points:
        raise InputError("section NODES is empty", path, sections["NODES"][0])
    notes: list[str] = []
    edges, seen, dropped = [], set(), 0
    for line, tokens in sections["LINKS"][1]:
        if tokens[0] in seen:
            raise InputError(f"duplicate link id {tokens[0]!r}", path, line)
        seen.add(tokens[0])
        source, target, cap = _sndlib_link(tokens, path, line, capacity)
        for node in (source, target):
            if node not in points:
                raise InputError(f"link {tokens[0]!r}: unknown node {node!r}", path, line)
        if source == target:
            raise InputError(f"link {tokens[0]!r} is a self-loop at {source!r}", path, line)
        if cap > 0:
            edges.append((source, target, cap))
        elif capacity == "preinstalled":
            dropped += 1
        else:
            raise InputError(
                f"link {tokens[0]!r} has no capacity under rule {capacity!r}", path, line
            )
    notes.append(f"capacities by rule {capacity!r}, in the file's unit")
    if dropped:
        notes.append(f"{dropped} link(s) without pre-installed capacity left out")
    if not directed:
        notes.append("links become directed links both ways")
    if any(p is not None and not _is_geographic(p) for p in points.values()) and delays:
        notes.append("coordinates are not longitude/latitude: no delays derived")
        delays = False
    links = _build_links(edges, points, directed=directed, delays=delays, notes=notes)
    flows = tuple(
        _sndlib_demand(tokens, path, line, priority, points)
        for line, tokens in sections.get("DEMANDS", (0, []))[1]
    )
    if "DEMANDS" not in sections:
        notes.append("no DEMANDS section: no flows")
    if sections.get("ADMISSIBLE_PATHS", (0, []))[1]:
        notes.append("ADMISSIBLE_PATHS ignored")
    header = re.search(r"^#\s*network\s+(\S+)", text, flags=re.MULTILINE)
    return Topology(
        name=header.group(1) if header else path.stem,
        nodes=tuple(points),
        links=links,
        flows=flows,
        coordinates=tuple(points.values()),
        notes=tuple(notes),
    )


# -- TNTP (Transportation Networks for Research) -------------------------------------------------
def read_tntp(path: str | Path, *, trips: bool = True, priority: float = 1.0) -> Topology:
    """Read a TNTP traffic-assignment network (``<name>_net.tntp``) as a flow-admission topology.

    Nodes are the file's node numbers ``1..n`` (integers). Each link becomes a directed link
    whose capacity is the TNTP capacity (vehicles per hour in the shipped networks) and whose
    delay is the free-flow time in the file's time unit (minutes for Anaheim; not milliseconds
    as for the other readers). Parallel links are merged (capacities summed, smaller free-flow
    time kept). Coordinates come from the matching ``<name>_node.tntp`` file when there is one.
    The flows are the positive OD entries of the matching ``<name>_trips.tntp`` file (unless
    ``trips`` is false), each a flow between zones with the trips as its demand and
    ``priority``; without a trips file the topology has no flows, and
    :meth:`Topology.to_instance` needs them given.

    What carries over, and what does not: flow admission routes each OD pair on one path under
    hard link capacities, and admits or rejects it whole. Traffic assignment, the problem TNTP
    networks are made for, splits each OD demand over many paths and has no hard capacity: the
    BPR travel time ``t0 (1 + b (flow / capacity)^power)`` grows past capacity (the best-known
    equilibrium of SiouxFalls loads some links to more than twice their capacity). So the flow
    admission instance is a different problem on the same network and demands (it asks which OD
    pairs fit unsplit); its optimum says nothing about the equilibrium, and ``b``, ``power``,
    length, speed, toll and link type are not used. TNTP also bars paths through zone nodes
    (below ``<FIRST THRU NODE>``); flow admission has no such rule, so a path may pass through a
    zone (noted when the network has such zones).
    """
    if not (math.isfinite(priority) and priority >= 0):
        raise ValueError(f"priority must be finite and non-negative, got {priority!r}")
    network = read_tntp_network(path, trips=trips)
    notes = list(network.notes)
    merged: dict[tuple[int, int], tuple[float, float]] = {}
    for tail, head, capacity, time in zip(
        network.tails.tolist(),
        network.heads.tolist(),
        network.capacity.tolist(),
        network.free_flow_time.tolist(),
        strict=True,
    ):
        if (tail, head) in merged:
            before = merged[(tail, head)]
            merged[(tail, head)] = (before[0] + capacity, min(before[1], time))
        else:
            merged[(tail, head)] = (capacity, time)
    if len(merged) < network.num_links:
        notes.append(
            f"{network.num_links - len(merged)} parallel link(s) merged "
            "(capacities summed, smaller free-flow time kept)"
        )
    notes.append("capacities in the file's unit (vehicles per hour)")
    notes.append("delays are free-flow times in the file's time unit, not milliseconds")
    notes.append("BPR b and power, length, speed, toll and link type are not used")
    if network.first_thru_node > 1:
        notes.append(
            f"nodes 1..{network.first_thru_node - 1} are zones, which TNTP bars through "
            "traffic from; flow admission paths may still pass through them"
        )
    flows: tuple[Flow, ...] = ()
    if network.trips is None or network.trips_file is None:
        notes.append("no trips file: no flows (give them to Topology.to_instance)")
    else:
        flows = tuple(Flow(o, d, value, priority) for o, d, value in network.trips)
        notes.append(f"{len(flows)} flow(s): the positive OD trips of {network.trips_file.name}")
    if network.coordinates and not all(_is_geographic(p) for p in network.coordinates):
        notes.append("node coordinates are not longitude/latitude")
    return Topology(
        name=network.name,
        nodes=tuple(range(1, network.num_nodes + 1)),
        links=tuple(Link(u, v, cap, time) for (u, v), (cap, time) in merged.items()),
        flows=flows,
        coordinates=network.coordinates,
        notes=tuple(notes),
    )


TOPOLOGY_FORMATS = ("gml", "graphml", "sndlib", "tntp")
"""Format names :func:`read_topology` accepts."""


def read_topology(path: str | Path, format: str | None = None, **options: Any) -> Topology:
    """Read a network, choosing the reader by ``format`` or else by the file suffix.

    ``.gml`` is GML, ``.graphml`` GraphML, ``.txt`` SNDlib native and ``.tntp`` a TNTP
    ``_net.tntp`` file; ``options`` go to the reader (:func:`read_gml`, :func:`read_graphml`,
    :func:`read_sndlib`, :func:`read_tntp`).
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    chosen = format or {"gml": "gml", "graphml": "graphml", "txt": "sndlib", "tntp": "tntp"}.get(
        suffix
    )
    if chosen == "gml":
        return read_gml(path, **options)
    if chosen == "graphml":
        return read_graphml(path, **options)
    if chosen == "sndlib":
        return read_sndlib(path, **options)
    if chosen == "tntp":
        return read_tntp(path, **options)
    raise InputError(
        f"unknown network format {format or suffix!r} (known: {', '.join(TOPOLOGY_FORMATS)})", path
    )
