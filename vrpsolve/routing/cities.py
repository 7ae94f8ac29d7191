"""Real-city travel matrices: sampled road locations with asymmetric distances and durations.

Each city dataset holds ``P`` locations drawn from the drivable road graph of an OpenStreetMap
extract, with the shortest travel distance (metres) and the fastest travel time (seconds) between
every ordered pair, as in the 100-city dataset of RRNCO (Son et al., 2025). ATSP, ACVRP and ACVRPTW
instances are sampled from these points: pick a subset, take the sub-matrices.

The bundled datasets live in ``instances/cities/`` (one ``<name>.npz`` each, built from
``instances/osm/``); see the README there for how they were made. Two cities are held out of
training (:data:`HELD_OUT_CITIES`) to test generalisation to an unseen road network.

This module needs only NumPy; building a dataset from OSM imports
:mod:`vrpsolve.networks.roads` (OSMnx, pyrosm, SciPy) when called.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vrpsolve.catalog import instances_dir
from vrpsolve.core.errors import InputError

CITIES_DIR = instances_dir() / "cities"
"""The bundled city datasets: ``instances/cities/`` (or under ``$VRPSOLVE_INSTANCES``)."""

HELD_OUT_CITIES: tuple[str, ...] = ("krems", "moscow")
"""Cities kept out of training: two mid-sized towns (about 2,100 and 1,300 road nodes) in
countries no training city is in, so a model is tested on an unseen street layout."""

TRAIN_CITIES: tuple[str, ...] = ("andorra", "campo-grande", "helsinki", "monaco", "north-bayreuth")
"""Cities for training and validation."""

MIN_GRAPH_NODES = 300
""":func:`build_all` skips an extract whose strongly connected road graph has fewer nodes."""

OSM_SUFFIXES = (".osm.gz", ".osm.pbf", ".osm")
"""File endings :func:`build_all` reads as OSM extracts."""

_ARRAYS = ("lonlat", "xy", "distance", "duration")


@dataclass(frozen=True, eq=False)
class CityDataset:
    """Points on a city's roads with travel distance and duration matrices.

    Entry ``[i, j]`` of a matrix is for travel from point ``i`` to point ``j``; the matrices are
    asymmetric where one-way streets make them so. Arrays are read-only float64.

    Parameters
    ----------
    name
        City name, e.g. ``"monaco"``.
    lonlat
        ``(P, 2)`` longitude and latitude of each point, in degrees.
    xy
        ``(P, 2)`` east and north offsets in metres, in a local projection around the city.
    distance
        ``(P, P)`` shortest road distance in metres.
    duration
        ``(P, P)`` fastest travel time in seconds.
    source
        Where the data come from and how they were sampled.

    Raises
    ------
    ValueError
        If the shapes disagree, or a matrix has a negative or non-finite entry or a non-zero
        diagonal.
    """

    name: str
    lonlat: np.ndarray
    xy: np.ndarray
    distance: np.ndarray
    duration: np.ndarray
    source: str

    def __post_init__(self) -> None:
        for field in _ARRAYS:
            array = np.array(getattr(self, field), dtype=np.float64)
            array.setflags(write=False)
            object.__setattr__(self, field, array)
        size = len(self.lonlat)
        for field, shape in (
            ("lonlat", (size, 2)),
            ("xy", (size, 2)),
            ("distance", (size, size)),
            ("duration", (size, size)),
        ):
            array = getattr(self, field)
            if array.shape != shape:
                raise ValueError(f"{field} has shape {array.shape}, expected {shape}")
            if not np.isfinite(array).all():
                raise ValueError(f"{field} has non-finite entries")
        for field in ("distance", "duration"):
            matrix = getattr(self, field)
            if (matrix < 0).any():
                raise ValueError(f"{field} has negative entries")
            if np.diagonal(matrix).any():
                raise ValueError(f"{field} has a non-zero diagonal")

    @property
    def num_points(self) -> int:
        """Number of points ``P``."""
        return len(self.lonlat)

    def asymmetric_share(self, tolerance: float = 1.0) -> float:
        """Share of pairs ``i < j`` whose distances differ by more than ``tolerance`` metres."""
        upper = np.triu_indices(self.num_points, k=1)
        if not len(upper[0]):
            return 0.0
        gaps = np.abs(self.distance - self.distance.T)[upper]
        return float(np.mean(gaps > tolerance))

    def save(self, path: str | Path) -> None:
        """Write the dataset as a compressed ``.npz`` (matrices as float32)."""
        np.savez_compressed(
            path,
            name=np.array(self.name),
            lonlat=self.lonlat,
            xy=self.xy.astype(np.float32),
            distance=self.distance.astype(np.float32),
            duration=self.duration.astype(np.float32),
            source=np.array(self.source),
        )

    @classmethod
    def load(cls, path: str | Path) -> CityDataset:
        """Read a dataset written by :meth:`save`.

        Raises
        ------
        InputError
            If the file is missing, unreadable, lacks an array, or fails validation.
        """
        path = Path(path)
        if not path.is_file():
            raise InputError("no such city dataset file", path)
        try:
            with np.load(path, allow_pickle=False) as data:
                stored = {key: data[key] for key in data.files}
        except (OSError, ValueError, zipfile.BadZipFile) as error:
            raise InputError(f"cannot read city dataset: {error}", path) from error
        missing = [key for key in ("name", *_ARRAYS, "source") if key not in stored]
        if missing:
            raise InputError(f"missing arrays {', '.join(missing)}", path)
        fields: dict[str, Any] = {key: stored[key] for key in _ARRAYS}
        name, source = str(stored["name"]), str(stored["source"])
        try:
            return cls(name=name, source=source, **fields)
        except ValueError as error:
            raise InputError(str(error), path) from error


@dataclass(frozen=True)
class CityBuild:
    """What :func:`build_all` did with one OSM extract."""

    name: str
    osm_file: str
    graph_nodes: int
    """Nodes of the strongly connected drivable road graph."""
    graph_edges: int
    points: int
    """Points written (0 when skipped)."""
    asymmetric_share: float
    path: Path | None
    """The dataset written, or ``None`` when the extract was skipped."""


def build_city_dataset(
    osm_path: str | Path,
    name: str,
    num_points: int = 500,
    seed: int = 0,
    clustered_share: float = 0.5,
) -> CityDataset:
    """Sample points on a city's drivable roads and compute their travel matrices.

    Parameters
    ----------
    osm_path
        An OSM extract (``.osm``, ``.osm.gz`` or ``.osm.pbf``), read by
        :func:`vrpsolve.networks.roads.load_road_graph`.
    name
        Name of the city.
    num_points
        Number of distinct road-graph nodes to draw.
    seed
        Seed of the sampling.
    clustered_share
        Share of the points drawn around a few random centres; the rest are uniform over the
        graph's nodes. The points are shuffled, so every prefix mixes both kinds.

    Returns
    -------
    CityDataset

    Raises
    ------
    InputError
        If the extract cannot be read or has no drivable roads.
    ValueError
        If the road graph has fewer than ``num_points`` nodes.
    """
    from vrpsolve.networks import roads as road_networks

    graph = road_networks.load_road_graph(osm_path)
    return _sample_dataset(graph, Path(osm_path).name, name, num_points, seed, clustered_share)


def _sample_dataset(
    graph: Any, osm_file: str, name: str, num_points: int, seed: int, clustered_share: float
) -> CityDataset:
    from vrpsolve.networks import roads as road_networks

    if not 0 <= clustered_share <= 1:
        raise ValueError(f"clustered_share must lie in [0, 1], got {clustered_share}")
    if num_points > graph.number_of_nodes():
        msg = f"{osm_file}: {num_points} points asked, the road graph has {len(graph)} nodes"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    clustered = round(num_points * clustered_share)
    uniform = road_networks.sample_points(graph, num_points - clustered, rng, "uniform")
    around = road_networks.sample_points(graph, clustered, rng, "clustered", exclude=uniform)
    nodes = [*uniform, *around]
    nodes = [nodes[i] for i in rng.permutation(len(nodes))]
    distance, duration = road_networks.travel_matrices(graph, nodes)
    lonlat = road_networks.node_lonlat(graph, nodes)
    all_lonlat = road_networks.node_lonlat(graph, list(graph.nodes))
    origin = (all_lonlat.min(axis=0) + all_lonlat.max(axis=0)) / 2
    source = (
        f"{osm_file}: drivable roads from OpenStreetMap (c) OpenStreetMap contributors, ODbL 1.0; "
        f"strongly connected graph of {graph.number_of_nodes()} nodes and "
        f"{graph.number_of_edges()} edges; {len(uniform)} uniform and {len(around)} clustered "
        f"points, seed {seed}"
    )
    return CityDataset(
        name=name,
        lonlat=lonlat,
        xy=road_networks.project_local(lonlat, origin),
        distance=distance,
        duration=duration,
        source=source,
    )


def city_name(osm_path: str | Path) -> str:
    """The city name of an OSM extract: its file name without the OSM suffix, lower case."""
    file_name = Path(osm_path).name.lower()
    for suffix in OSM_SUFFIXES:
        if file_name.endswith(suffix):
            return file_name[: -len(suffix)]
    return file_name


def build_all(
    osm_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    num_points: int = 500,
    seed: int = 0,
    min_nodes: int = MIN_GRAPH_NODES,
) -> list[CityBuild]:
    """Build ``<out_dir>/<city>.npz`` from every OSM extract in ``osm_dir``.

    Parameters
    ----------
    osm_dir
        Folder of OSM extracts (by default ``instances/osm/``); each file ending in one of
        :data:`OSM_SUFFIXES` is a city named by :func:`city_name`.
    out_dir
        Folder the datasets are written to (created if needed; by default :data:`CITIES_DIR`).
    num_points
        Points per city (fewer when the road graph is smaller).
    seed
        Seed of the sampling, the same for every city.
    min_nodes
        Extracts whose strongly connected road graph has fewer nodes are skipped.

    Returns
    -------
    list of CityBuild
        One entry per extract, in file-name order, skipped ones included.
    """
    from vrpsolve.networks import roads as road_networks

    source_dir = Path(osm_dir) if osm_dir is not None else instances_dir() / "osm"
    out = Path(out_dir) if out_dir is not None else CITIES_DIR
    out.mkdir(parents=True, exist_ok=True)
    builds = []
    files = sorted(p for p in source_dir.iterdir() if p.name.lower().endswith(OSM_SUFFIXES))
    for osm_path in files:
        name = city_name(osm_path)
        graph = road_networks.load_road_graph(osm_path)
        nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
        if nodes < min_nodes:
            builds.append(CityBuild(name, osm_path.name, nodes, edges, 0, 0.0, None))
            continue
        points = min(num_points, nodes)
        dataset = _sample_dataset(graph, osm_path.name, name, points, seed, 0.5)
        path = out / f"{name}.npz"
        dataset.save(path)
        share = dataset.asymmetric_share()
        builds.append(CityBuild(name, osm_path.name, nodes, edges, points, share, path))
    return builds


def list_cities() -> list[str]:
    """Names of the bundled city datasets, sorted."""
    if not CITIES_DIR.is_dir():
        return []
    return sorted(path.stem for path in CITIES_DIR.glob("*.npz"))


def load_city(name: str) -> CityDataset:
    """Load a bundled city dataset by name.

    Raises
    ------
    KeyError
        If no dataset of that name is bundled; the message lists the available ones.
    """
    path = CITIES_DIR / f"{name}.npz"
    if not path.is_file():
        available = ", ".join(list_cities()) or "none"
        raise KeyError(f"no city dataset {name!r} in {CITIES_DIR}; available: {available}")
    return CityDataset.load(path)
