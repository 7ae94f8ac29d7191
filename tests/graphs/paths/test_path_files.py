"""Path-query instance and solution files, the shipped files, and TNTP networks for path queries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vrpsolve.core.errors import InputError
from vrpsolve.graphs.paths.files import (
    PATH_INSTANCE_TAG,
    PATH_SOLUTION_TAG,
    build_path_file,
    is_path_file,
    read_path_instance,
    read_path_metadata,
    read_path_solution,
    write_path_instance,
    write_path_solution,
)
from vrpsolve.graphs.paths.model import PathQueryInstance, PathSolution, evaluate_paths
from vrpsolve.graphs.paths.routers import geographic_paths, tntp_network
from vrpsolve.graphs.search.files import write_search_instance
from vrpsolve.graphs.search.model import GraphSearchInstance

ROOT = Path(__file__).resolve().parents[3] / "instances"
SHIPPED = {
    "rgg-200-s1.npz": ("rgg", 100, 1, {"nodes": 200}),
    "monaco-q100-s1.npz": ("monaco", 100, 1, {}),
}
"""The shipped files and the build_path_file arguments they were made with."""
FIELDS = ("indptr", "indices", "lengths", "coordinates", "queries", "hop_limits")

# A square 0-1-2-3 with a one-way diagonal 0 -> 2 of length 1.5 (the sides are 1).
SQUARE = PathQueryInstance(
    name="square",
    indptr=np.array([0, 3, 5, 7, 9]),
    indices=np.array([1, 2, 3, 0, 2, 1, 3, 0, 2]),
    lengths=np.array([1.0, 1.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    coordinates=np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]),
    queries=np.array([[0, 2], [2, 0], [1, 3]]),
    hop_limits=np.array([3, 3, 3]),
)
ANSWER = PathSolution.of([[0, 1, 2], None, [1, 0, 3]])


def _arrays(path: Path) -> dict[str, Any]:
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _rewrite(path: Path, **changes: Any) -> Path:
    """A copy of an ``.npz`` file with fields changed (``None`` drops one)."""
    arrays = _arrays(path) | changes
    out = path.with_name(f"changed-{path.name}")
    np.savez(out, **{key: value for key, value in arrays.items() if value is not None})
    return out


def _same(a: PathQueryInstance, b: PathQueryInstance) -> bool:
    return a.name == b.name and all(np.array_equal(getattr(a, k), getattr(b, k)) for k in FIELDS)


# -- instance files ------------------------------------------------------------------------------
def test_instance_round_trip_keeps_arrays_metadata_and_evaluation(tmp_path: Path) -> None:
    """Writing then reading gives equal arrays, the tag, the metadata and the same evaluation."""
    path = tmp_path / "square.npz"
    write_path_instance(SQUARE, path, {"how": "by hand"})
    raw = _arrays(path)
    assert str(raw["format"]) == PATH_INSTANCE_TAG and int(raw["version"]) == 1
    back = read_path_instance(path)
    assert _same(back, SQUARE)
    assert read_path_metadata(path) == {"how": "by hand"}
    before, after = evaluate_paths(SQUARE, ANSWER), evaluate_paths(back, ANSWER)
    assert (after.success_rate, after.mean_stretch) == (before.success_rate, before.mean_stretch)
    assert after.success_rate == pytest.approx(2 / 3)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_file_loads_and_evaluates(name: str) -> None:
    """Each shipped file is a tagged path file of 100 queries that greedy routing partly solves."""
    path = ROOT / "paths" / name
    assert is_path_file(path) and path.stat().st_size < 1_000_000
    instance = read_path_instance(path)
    assert instance.num_queries == 100 and instance.num_nodes >= 150
    evaluation = evaluate_paths(instance, geographic_paths(instance))
    assert evaluation.feasible and 0 < evaluation.success_rate <= 1
    source, queries, seed, _ = SHIPPED[name]
    assert read_path_metadata(path)["call"] == {
        "source": source,
        "queries": queries,
        "seed": seed,
        **({"nodes": 200, "radius": None} if source == "rgg" else {}),
    }


def test_shipped_random_geometric_file_is_rebuilt_exactly(tmp_path: Path) -> None:
    """build_path_file with the README's arguments gives the shipped rgg file's arrays again."""
    source, queries, seed, options = SHIPPED["rgg-200-s1.npz"]
    built = build_path_file(source, queries, seed, tmp_path / "rgg.npz", **options)
    assert _same(built, read_path_instance(ROOT / "paths" / "rgg-200-s1.npz"))
    assert _same(built, read_path_instance(tmp_path / "rgg.npz"))


def test_is_path_file_tells_files_apart(tmp_path: Path) -> None:
    """True only for a path-query archive: not a search file, a solution, text or nothing."""
    write_path_instance(SQUARE, tmp_path / "square.npz")
    search = GraphSearchInstance("s", [[0.0], [1.0]], [[0.2]], [[0]], [0, 1, 2], [1, 0], 0, 2)
    write_search_instance(search, tmp_path / "search.npz")
    write_path_solution(ANSWER, tmp_path / "answer.json")
    (tmp_path / "text.npz").write_text("hello")
    assert is_path_file(tmp_path / "square.npz")
    for other in ("search.npz", "answer.json", "text.npz", "missing.npz"):
        assert not is_path_file(tmp_path / other), other


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hop_limits": None}, "missing field(s) hop_limits"),
        ({"format": np.str_("vrpsolve-graph-search")}, "field 'format' must be"),
        ({"format": None}, "missing field 'format'"),
        ({"version": np.int64(7)}, "field 'version' must be 1"),
        ({"queries": np.array([[0.0, 2.0], [2.0, 0.0], [1.0, 3.0]])}, "field 'queries' must be"),
        ({"lengths": np.array(["a"] * 9)}, "field 'lengths' must be a numeric array"),
        ({"name": np.array(["a", "b"])}, "field 'name' must be a scalar"),
        ({"queries": np.array([[0, 2], [2, 0], [1, 9]])}, "bad instance field: queries"),
        ({"lengths": np.zeros(9)}, "bad instance field: lengths must be finite and positive"),
        ({"coordinates": np.zeros((3, 2))}, "bad instance field: coordinates"),
        ({"metadata": np.str_("[1, 2]")}, "field 'metadata' must be a JSON object"),
    ],
)
def test_bad_instance_file_raises_one_line_naming_the_field(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    """A missing field, a wrong tag or version, a mistyped or invalid array: one line naming it."""
    path = tmp_path / "square.npz"
    write_path_instance(SQUARE, path)
    bad = _rewrite(path, **changes)
    with pytest.raises(InputError) as caught:
        read_path_instance(bad)
    text = str(caught.value)
    assert message in text and str(bad) in text and "\n" not in text


def test_truncated_or_missing_instance_file_raises(tmp_path: Path) -> None:
    """A truncated archive and a missing file are one-line InputErrors."""
    path = tmp_path / "square.npz"
    write_path_instance(SQUARE, path)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(InputError, match=r"not a NumPy \.npz archive"):
        read_path_instance(truncated)
    with pytest.raises(InputError, match="no such path-query file"):
        read_path_instance(tmp_path / "missing.npz")


# -- solution files ------------------------------------------------------------------------------
def test_solution_round_trip_gives_the_same_evaluation(tmp_path: Path) -> None:
    """Writing then reading keeps every path and null, and the evaluation is unchanged."""
    path = tmp_path / "answer.json"
    write_path_solution(ANSWER, path)
    data = json.loads(path.read_text())
    assert (data["format"], data["version"]) == (PATH_SOLUTION_TAG, 1)
    assert data["paths"] == [[0, 1, 2], None, [1, 0, 3]]
    back = read_path_solution(path, SQUARE)
    assert back.paths == ANSWER.paths
    before, after = evaluate_paths(SQUARE, ANSWER), evaluate_paths(SQUARE, back)
    assert (after.success_rate, after.mean_stretch) == (before.success_rate, before.mean_stretch)


def test_solution_round_trip_on_a_shipped_file(tmp_path: Path) -> None:
    """Greedy routing's answer on the shipped rgg file survives a write and read unchanged."""
    instance = read_path_instance(ROOT / "paths" / "rgg-200-s1.npz")
    answer = geographic_paths(instance)
    write_path_solution(answer, tmp_path / "answer.json")
    back = read_path_solution(tmp_path / "answer.json", instance)
    assert back.paths == answer.paths
    assert (
        evaluate_paths(instance, back).success_rate == evaluate_paths(instance, answer).success_rate
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"paths": [[0, 2], None]}, "field 'paths' has 2 entries for 3 queries"),
        ({"paths": [[0, 2], None, [1, 7]]}, "field 'paths', query 2: node 7 not in [0, 4)"),
        ({"paths": [[0, 2], None, [1, -1]]}, "query 2: node -1 not in [0, 4)"),
        ({"paths": [[0, 2], "x", None]}, "field 'paths', query 1: not null or a list"),
        ({"paths": [[0, 2.0], None, None]}, "field 'paths', query 0: not null or a list"),
        ({"paths": [[0, True], None, None]}, "field 'paths', query 0: not null or a list"),
        ({"paths": {"0": [0, 2]}}, "field 'paths' must be a list"),
        ({}, "missing field 'paths'"),
        ({"paths": [None] * 3, "cost": 1}, "unknown field(s) 'cost'"),
        ({"format": "vrpsolve-solution"}, "field 'format' must be 'vrpsolve-path-solution'"),
        ({"version": 2}, "field 'version' must be 1"),
    ],
)
def test_bad_solution_file_raises_naming_the_field(
    tmp_path: Path, data: dict[str, Any], message: str
) -> None:
    """Wrong count, unknown nodes, non-integer entries, unknown fields or a wrong tag."""
    path = tmp_path / "answer.json"
    path.write_text(json.dumps({"format": PATH_SOLUTION_TAG, "version": 1} | data))
    with pytest.raises(InputError) as caught:
        read_path_solution(path, SQUARE)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_truncated_solution_file_raises(tmp_path: Path) -> None:
    """A solution file cut short is invalid JSON, reported with its line."""
    path = tmp_path / "answer.json"
    write_path_solution(ANSWER, path)
    path.write_text(path.read_text()[:-10])
    with pytest.raises(InputError, match="invalid JSON") as caught:
        read_path_solution(path, SQUARE)
    assert caught.value.line is not None


# -- building and TNTP ---------------------------------------------------------------------------
def test_tntp_network_reads_siouxfalls_with_free_flow_times_or_lengths() -> None:
    """SiouxFalls: 24 nodes, 76 edges, free-flow times (or lengths), coordinates in metres."""
    path = ROOT / "network" / "tntp" / "SiouxFalls_net.tntp"
    network = tntp_network(path)
    assert (network.name, network.num_nodes, network.num_edges) == ("SiouxFalls", 24, 76)
    assert network.num_queries == 0 and not network.directed
    assert network.out_neighbours(0).tolist() == [1, 2]  # file links 1 -> 2 and 1 -> 3
    assert network.lengths[:2].tolist() == [6.0, 4.0]
    assert tntp_network(path, weight="length").lengths[:2].tolist() == [6.0, 4.0]
    span = network.coordinates.max(axis=0) - network.coordinates.min(axis=0)
    assert span.min() > 5_000 and span.max() < 20_000  # a city some 10 km across, in metres


def test_tntp_network_without_node_file_raises() -> None:
    """Anaheim ships no node file, so it has no coordinates for path queries."""
    with pytest.raises(InputError, match="no node file"):
        tntp_network(ROOT / "network" / "tntp" / "Anaheim_net.tntp")


def test_build_path_file_from_a_tntp_network(tmp_path: Path) -> None:
    """A shipped TNTP name builds a file whose metadata names the network and its checksum."""
    built = build_path_file("SiouxFalls", 20, 3, tmp_path / "sf.npz")
    assert _same(built, read_path_instance(tmp_path / "sf.npz"))
    metadata = read_path_metadata(tmp_path / "sf.npz")
    assert metadata["network"] == "tntp_network"
    assert metadata["source_file"] == "SiouxFalls_net.tntp"
    assert built.num_queries == 20 and evaluate_paths(built, geographic_paths(built)).feasible


def test_build_path_file_rejects_bad_arguments(tmp_path: Path) -> None:
    """rgg needs nodes, other sources take none, and an unknown city is an InputError."""
    with pytest.raises(ValueError, match="needs nodes"):
        build_path_file("rgg", 10, 0, tmp_path / "a.npz")
    with pytest.raises(ValueError, match="only"):
        build_path_file("SiouxFalls", 10, 0, tmp_path / "b.npz", nodes=50)
    with pytest.raises(InputError, match="no shipped OSM extract"):
        build_path_file("atlantis", 10, 0, tmp_path / "c.npz")
    assert not list(tmp_path.iterdir())
