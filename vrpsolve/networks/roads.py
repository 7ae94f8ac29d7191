"""Drivable road graphs from OpenStreetMap extracts, and travel matrices between their nodes.

A road graph is an OSMnx-style :class:`networkx.MultiDiGraph`: nodes carry ``x`` (longitude) and
``y`` (latitude), edges carry ``length`` (metres), ``speed_kph`` and ``travel_time`` (seconds).
One-way streets have an edge in one direction only, so the matrices computed on the graph are
asymmetric wherever the streets are. Only the largest strongly connected component is kept, so every
node reaches every other one.

``osmnx``, ``pyrosm``, ``networkx`` and ``scipy`` are imported when first needed, not with this
module.
"""

from __future__ import annotations

import gzip
import importlib
import tempfile
import warnings
from collections.abc import Collection, Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from xml.etree import ElementTree

import numpy as np

from vrpsolve.core.errors import InputError

if TYPE_CHECKING:
    import networkx as nx

DRIVABLE_HIGHWAYS = frozenset(
    {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "motorway_link",
        "trunk_link",
        "primary_link",
        "secondary_link",
        "tertiary_link",
    }
)
"""OSM ``highway`` values kept in a road graph built from OSM XML."""

HIGHWAY_SPEEDS_KPH: dict[str, float] = {
    "motorway": 110.0,
    "trunk": 80.0,
    "primary": 60.0,
    "secondary": 50.0,
    "tertiary": 40.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 10.0,
    "service": 15.0,
    "motorway_link": 60.0,
    "trunk_link": 50.0,
    "primary_link": 40.0,
    "secondary_link": 40.0,
    "tertiary_link": 30.0,
}
"""Speed (km/h) of an edge whose ``maxspeed`` tag is missing or unreadable, by highway type."""

FALLBACK_SPEED_KPH = 30.0
"""Speed (km/h) of an edge whose highway type is not in :data:`HIGHWAY_SPEEDS_KPH`."""

MAX_SPEED_KPH = 140.0
"""Parsed ``maxspeed`` values above this (or at or below 1 km/h) are treated as unreadable."""

_EXCLUDED_TAGS = {
    "access": {"no", "private"},
    "motor_vehicle": {"no", "private"},
    "motorcar": {"no", "private"},
    "area": {"yes"},
    "service": {"emergency_access"},
}
_EXTRA_WAY_TAGS = ("motor_vehicle", "motorcar")

Distribution = Literal["uniform", "clustered"]

_EARTH_RADIUS_M = 6_371_008.8


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as error:  # pragma: no cover - depends on the environment
        msg = (
            f"road networks need the optional package {module!r}; "
            "install osmnx, pyrosm, networkx and scipy"
        )
        raise ImportError(msg) from error


def load_road_graph(path: str | Path, *, simplify: bool = False) -> nx.MultiDiGraph:
    """Read an OSM extract into a drivable, strongly connected road graph.

    Parameters
    ----------
    path
        An OSM XML file (``.osm``, or gzipped ``.osm.gz``), read with OSMnx, or an OSM PBF file
        (``.osm.pbf``), read with pyrosm's driving network.
    simplify
        Merge the chains of nodes between intersections into single edges (OSMnx's
        simplification). By default every OSM node along a road stays a node, so the graph offers
        locations along streets as well as at intersections; distances are the same either way.

    Returns
    -------
    networkx.MultiDiGraph
        The largest strongly connected component of the drivable roads, with ``length``,
        ``speed_kph`` and ``travel_time`` on every edge and ``x``/``y`` (longitude/latitude) on
        every node.

    Raises
    ------
    InputError
        If the file is missing, cannot be parsed, or holds no drivable roads.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such OSM file", path)
    name = path.name.lower()
    if name.endswith(".osm.pbf"):
        graph = _read_pbf(path, simplify)
    elif name.endswith((".osm.gz", ".osm")):
        graph = _read_xml(path, simplify)
    else:
        raise InputError("unknown OSM format; expected .osm, .osm.gz or .osm.pbf", path)
    if graph.number_of_edges() == 0:
        raise InputError("no drivable roads in this OSM file", path)

    ox = _require("osmnx")
    graph = ox.truncate.largest_component(graph, strongly=True)
    if graph.number_of_nodes() < 2:
        raise InputError("the drivable roads have no strongly connected part of 2 nodes", path)
    return _add_travel_times(graph)


def _read_xml(path: Path, simplify: bool) -> nx.MultiDiGraph:
    ox = _require("osmnx")
    nx = _require("networkx")
    saved_tags = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = saved_tags + [t for t in _EXTRA_WAY_TAGS if t not in saved_tags]
    try:
        with tempfile.TemporaryDirectory() as folder:
            xml = Path(folder) / "extract.osm"
            opener = gzip.open if path.name.lower().endswith(".gz") else open
            with opener(path, "rb") as source:
                tree = ElementTree.parse(source)
            _split_clipped_ways(tree.getroot())
            tree.write(xml, encoding="utf-8", xml_declaration=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                raw = ox.graph_from_xml(xml, simplify=False, retain_all=True)
    except (OSError, EOFError, ValueError, KeyError, ElementTree.ParseError) as error:
        raise InputError(f"cannot read OSM XML: {error}", path) from error
    finally:
        ox.settings.useful_tags_way = saved_tags

    drivable = [(u, v, k) for u, v, k, data in raw.edges(keys=True, data=True) if _drivable(data)]
    graph = raw.edge_subgraph(drivable).copy()
    graph.remove_nodes_from(list(nx.isolates(graph)))
    if simplify and graph.number_of_edges() > 0:
        graph = ox.simplify_graph(graph)
    return graph


def _split_clipped_ways(root: ElementTree.Element) -> None:
    """Cut each way at the nodes the extract lacks (clipped at its border), keeping its tags.

    OSMnx refuses a file whose ways reference missing nodes; the pieces between them are kept as
    ways of their own, with new negative ids.
    """
    present = {element.get("id") for element in root.iter("node")}
    new_id = -1
    for way in list(root.iter("way")):
        refs = way.findall("nd")
        if all(ref.get("ref") in present for ref in refs):
            continue
        tags = way.findall("tag")
        root.remove(way)
        pieces: list[list[ElementTree.Element]] = [[]]
        for ref in refs:
            if ref.get("ref") in present:
                pieces[-1].append(ref)
            elif pieces[-1]:
                pieces.append([])
        for piece in pieces:
            if len(piece) < 2:
                continue
            part = ElementTree.SubElement(root, "way", {"id": str(new_id)})
            new_id -= 1
            part.extend(piece + tags)


def _drivable(data: dict[str, Any]) -> bool:
    if data.get("highway") not in DRIVABLE_HIGHWAYS:
        return False
    return not any(data.get(tag) in values for tag, values in _EXCLUDED_TAGS.items())


def _read_pbf(path: Path, simplify: bool) -> nx.MultiDiGraph:
    pyrosm = _require("pyrosm")
    try:
        osm = pyrosm.OSM(str(path))
        nodes, edges = osm.get_network(network_type="driving", nodes=True)
    except Exception as error:  # pyrosm raises bare exceptions from its parser
        raise InputError(f"cannot read OSM PBF: {error}", path) from error
    if edges is None or len(edges) == 0:
        raise InputError("no drivable roads in this OSM file", path)
    graph: nx.MultiDiGraph = osm.to_graph(
        nodes,
        edges,
        graph_type="networkx",
        network_type="driving",
        simplify=simplify,
        progress=False,
    )
    return graph


def _add_travel_times(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    ox = _require("osmnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = ox.add_edge_speeds(
            graph, hwy_speeds=HIGHWAY_SPEEDS_KPH, fallback=FALLBACK_SPEED_KPH
        )
    for *_, data in graph.edges(data=True):
        speed = float(data.get("speed_kph", np.nan))
        if not 1.0 < speed <= MAX_SPEED_KPH:
            highway = data.get("highway")
            if isinstance(highway, list):
                highway = highway[0]
            data["speed_kph"] = HIGHWAY_SPEEDS_KPH.get(str(highway), FALLBACK_SPEED_KPH)
        data["length"] = max(float(data["length"]), 0.0)
    return ox.add_edge_travel_times(graph)


def node_lonlat(graph: nx.MultiDiGraph, nodes: Sequence[Hashable]) -> np.ndarray:
    """Longitude and latitude of some nodes, as a ``(len(nodes), 2)`` float array."""
    return np.array([[graph.nodes[n]["x"], graph.nodes[n]["y"]] for n in nodes], dtype=float)


def project_local(lonlat: np.ndarray, origin: np.ndarray | None = None) -> np.ndarray:
    """Project longitude/latitude to metres on a plane tangent at ``origin``.

    An equirectangular projection around ``origin`` (by default the centre of the points' bounding
    box); its error is well under 0.1 % over a city's extent.

    Parameters
    ----------
    lonlat
        ``(P, 2)`` array of longitude and latitude in degrees.
    origin
        Longitude and latitude of the point mapped to ``(0, 0)``.

    Returns
    -------
    numpy.ndarray
        ``(P, 2)`` array of east and north offsets in metres.
    """
    lonlat = np.asarray(lonlat, dtype=float)
    if origin is None:
        origin = (lonlat.min(axis=0) + lonlat.max(axis=0)) / 2
    radians = np.radians(lonlat - origin)
    east = radians[:, 0] * np.cos(np.radians(origin[1])) * _EARTH_RADIUS_M
    north = radians[:, 1] * _EARTH_RADIUS_M
    return np.column_stack([east, north])


def sample_points(
    graph: nx.MultiDiGraph,
    count: int,
    rng: np.random.Generator,
    distribution: Distribution = "uniform",
    *,
    exclude: Collection[Hashable] = (),
    num_centres: int | None = None,
    spread: float = 0.08,
) -> list[Hashable]:
    """Draw distinct graph nodes as customer or depot locations.

    Parameters
    ----------
    graph
        A road graph from :func:`load_road_graph`.
    count
        How many nodes to draw.
    rng
        Source of randomness.
    distribution
        ``"uniform"``: every node equally likely. ``"clustered"``: a few centres are drawn
        uniformly, then nodes with weights ``sum_c exp(-d_c^2 / (2 sigma^2))`` on their projected
        distance ``d_c`` to each centre, where ``sigma = spread *`` the diagonal of the graph's
        bounding box.
    exclude
        Nodes that may not be drawn.
    num_centres
        Number of centres of the clustered distribution; by default 3 to 5, drawn.
    spread
        Cluster width as a share of the bounding-box diagonal.

    Returns
    -------
    list
        ``count`` distinct node ids.

    Raises
    ------
    ValueError
        If fewer than ``count`` nodes can be drawn, or the distribution is unknown.
    """
    excluded = set(exclude)
    candidates = [n for n in graph.nodes if n not in excluded]
    if count < 0 or count > len(candidates):
        msg = f"cannot draw {count} distinct nodes from {len(candidates)} available"
        raise ValueError(msg)
    if distribution == "uniform":
        chosen = rng.choice(len(candidates), size=count, replace=False)
    elif distribution == "clustered":
        xy = project_local(node_lonlat(graph, candidates))
        centres = num_centres if num_centres is not None else int(rng.integers(3, 6))
        centre_xy = xy[rng.choice(len(candidates), size=min(centres, len(candidates)))]
        sigma = max(spread * float(np.linalg.norm(np.ptp(xy, axis=0))), 1.0)
        squared = ((xy[:, None, :] - centre_xy[None, :, :]) ** 2).sum(axis=2)
        weights = np.exp(-squared / (2 * sigma**2)).sum(axis=1)
        # A floor keeps every node drawable, so a large count never runs out of weight.
        weights = np.maximum(weights, 1e-12 * weights.max())
        chosen = rng.choice(len(candidates), size=count, replace=False, p=weights / weights.sum())
    else:
        msg = f"unknown distribution {distribution!r}; expected 'uniform' or 'clustered'"
        raise ValueError(msg)
    return [candidates[i] for i in chosen]


def travel_matrices(
    graph: nx.MultiDiGraph, nodes: Sequence[Hashable]
) -> tuple[np.ndarray, np.ndarray]:
    """Shortest travel distances and durations between some nodes of a road graph.

    Each matrix is an independent one-to-all Dijkstra search (``scipy.sparse.csgraph``) on the
    directed graph, parallel edges counting with their smallest weight: the distance is the length
    of the shortest route, the duration the travel time of the fastest one (the two routes may
    differ).

    Parameters
    ----------
    graph
        A road graph with ``length`` and ``travel_time`` on every edge.
    nodes
        The node ids, in matrix order.

    Returns
    -------
    distance_m, duration_s
        ``(P, P)`` float64 arrays; entry ``[i, j]`` is from ``nodes[i]`` to ``nodes[j]``.

    Raises
    ------
    ValueError
        If a node is not in the graph, or some node cannot reach another.
    """
    csgraph = _require("scipy.sparse.csgraph")
    index = {node: i for i, node in enumerate(graph.nodes)}
    missing = [n for n in nodes if n not in index]
    if missing:
        msg = f"{len(missing)} nodes are not in the graph, e.g. {missing[0]!r}"
        raise ValueError(msg)
    sources = np.array([index[n] for n in nodes], dtype=np.int64)
    matrices = []
    for weight in ("length", "travel_time"):
        adjacency = _adjacency(graph, index, weight)
        full = csgraph.dijkstra(adjacency, directed=True, indices=sources)
        matrix = np.ascontiguousarray(full[:, sources], dtype=np.float64)
        np.fill_diagonal(matrix, 0.0)
        if not np.isfinite(matrix).all():
            msg = f"some nodes cannot reach others by {weight}; use a strongly connected graph"
            raise ValueError(msg)
        matrices.append(matrix)
    return matrices[0], matrices[1]


def _adjacency(graph: nx.MultiDiGraph, index: dict[Hashable, int], weight: str) -> Any:
    sparse = _require("scipy.sparse")
    edges = [(index[u], index[v], float(w)) for u, v, w in graph.edges(data=weight) if u != v]
    if not edges:
        return sparse.csr_array((len(index), len(index)))
    table = np.array(edges)
    rows, cols, weights = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2]
    # Keep the lightest of parallel edges: sort by (row, col, weight), take each pair's first.
    order = np.lexsort((weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    # csgraph drops explicit zeros; a tiny positive weight keeps zero-length edges as edges.
    weights = np.maximum(weights[first], 1e-9)
    return sparse.csr_array((weights, (rows[first], cols[first])), shape=(len(index), len(index)))
