"""Graph-search instance and solution files, and the atomic writes of vrpsolve.core.files."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vrpsolve.core.errors import InputError
from vrpsolve.graphs.search.algorithms import SimilarityGraph, search_queries
from vrpsolve.graphs.search.files import (
    SEARCH_INSTANCE_TAG,
    SEARCH_SOLUTION_TAG,
    SearchFile,
    is_search_file,
    load_search_file,
    read_search_instance,
    read_search_solution,
    save_search_file,
    write_search_instance,
    write_search_solution,
)
from vrpsolve.graphs.search.model import GraphSearchInstance, SearchSolution, evaluate_search

OLD_FILE = Path(__file__).resolve().parents[2] / "data" / "regression" / "search.npz"
"""A graph-search file written before the ``format`` tag existed."""

# Five points on a line, linked as a path both ways; vertex v sits at x = v.
LINE = GraphSearchInstance(
    name="line",
    base=np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [4.0, 0.0]]),
    queries=np.array([[3.9, 0.0], [0.2, 0.0], [2.1, 0.0]]),
    neighbours=np.array([[4, 3], [0, 1], [2, 3]]),
    indptr=np.array([0, 1, 3, 5, 7, 8]),
    indices=np.array([1, 0, 2, 1, 3, 2, 4, 3]),
    entry=0,
    budget=4,
)
ANSWER = SearchSolution(np.array([[4, 3], [0, -1], [1, 2]]), np.array([4.0, 2.0, 3.0]))


def _arrays(path: Path) -> dict[str, Any]:
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _rewrite(path: Path, **changes: Any) -> Path:
    """Write a copy of an ``.npz`` file with fields changed (``None`` drops one)."""
    arrays = _arrays(path) | changes
    out = path.with_name(f"changed-{path.name}")
    np.savez(out, **{key: value for key, value in arrays.items() if value is not None})
    return out


# -- instance files ------------------------------------------------------------------------------
def test_instance_round_trip_keeps_arrays_training_queries_and_metadata(tmp_path: Path) -> None:
    """Saving then loading gives equal arrays, the tag, training queries and metadata."""
    path = tmp_path / "line.npz"
    train_q = np.array([[1.1, 0.0]], dtype=np.float32)
    train_n = np.array([[1, 2]])
    save_search_file(path, SearchFile(LINE, train_q, train_n, {"seed": 3}))
    raw = _arrays(path)
    assert str(raw["format"]) == SEARCH_INSTANCE_TAG and int(raw["version"]) == 1
    back = load_search_file(path)
    for key in ("base", "queries", "neighbours", "indptr", "indices"):
        assert np.array_equal(getattr(back.instance, key), getattr(LINE, key)), key
    assert (back.instance.name, back.instance.entry, back.instance.budget) == ("line", 0, 4)
    assert back.train_queries is not None and back.train_neighbours is not None
    assert np.array_equal(back.train_queries, train_q)
    assert np.array_equal(back.train_neighbours, train_n)
    assert back.metadata == {"seed": 3}
    again = read_search_instance(path)
    assert evaluate_search(again, ANSWER).recall_at_k == evaluate_search(LINE, ANSWER).recall_at_k


def test_file_from_before_the_tag_still_loads_and_evaluates() -> None:
    """The untagged regression file loads, counts as a search file and beam search scores on it."""
    assert "format" not in _arrays(OLD_FILE)
    assert is_search_file(OLD_FILE)
    instance = read_search_instance(OLD_FILE)
    assert (instance.num_vectors, instance.num_queries) == (600, 40)
    graph = SimilarityGraph(instance.indptr, instance.indices, instance.entry)
    answer = search_queries(
        graph, instance.base, instance.queries, ef=16, budget=instance.budget, k=instance.k
    )
    evaluation = evaluate_search(instance, answer)
    assert evaluation.feasible and evaluation.recall_at_1 > 0.5


def test_is_search_file_tells_files_apart(tmp_path: Path) -> None:
    """True for tagged and untagged instance files, False for others, never an exception."""
    tagged = tmp_path / "line.npz"
    write_search_instance(LINE, tagged)
    write_search_solution(ANSWER, tmp_path / "answer.npz")
    (tmp_path / "text.npz").write_text("not an archive")
    np.save(tmp_path / "single.npy", np.arange(3))
    assert is_search_file(tagged)
    assert is_search_file(_rewrite(tagged, format=None, version=None))
    assert not is_search_file(_rewrite(tagged, format=np.str_("vrpsolve-path-query")))
    assert not is_search_file(_rewrite(tagged, format=None, version=None, budget=None))
    for other in ("answer.npz", "text.npz", "single.npy", "missing.npz"):
        assert not is_search_file(tmp_path / other), other
    assert not is_search_file(tmp_path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"budget": None}, "missing field(s) budget"),
        ({"format": np.str_("vrpsolve-path-query")}, "field 'format' must be"),
        ({"version": np.int64(2)}, "field 'version' must be 1"),
        ({"format": None}, "missing field 'format'"),
        ({"entry": np.array([0, 1])}, "field 'entry' must be a scalar"),
        ({"name": np.int64(3)}, "field 'name' must be a string"),
        ({"indices": np.array([1, 0, 2, 1, 3, 2, 4, 9])}, "bad instance field: indices"),
        ({"metadata": np.str_("{oops")}, "field 'metadata' is not JSON"),
        ({"base": np.array([object()], dtype=object)}, "field 'base' cannot be read: it holds"),
    ],
)
def test_bad_instance_file_raises_one_line_naming_the_field(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    """A missing field, a wrong tag or version, a bad scalar or array: one line naming it."""
    path = tmp_path / "line.npz"
    write_search_instance(LINE, path)
    bad = _rewrite(path, **changes)
    with pytest.raises(InputError) as caught:
        load_search_file(bad)
    text = str(caught.value)
    assert message in text and str(bad) in text and "\n" not in text


def test_truncated_or_foreign_instance_file_raises(tmp_path: Path) -> None:
    """A truncated archive, a zip of non-arrays, a text file, a single array and a missing file
    are one-line InputErrors."""
    path = tmp_path / "line.npz"
    write_search_instance(LINE, path)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    text = tmp_path / "text.npz"
    text.write_text("hello")
    single = tmp_path / "single.npy"
    np.save(single, np.arange(3))
    foreign_zip = tmp_path / "foreign.npz"
    with zipfile.ZipFile(foreign_zip, "w") as archive:
        archive.writestr("notes.txt", "not an array")
    for bad, message in [
        (foreign_zip, "field 'notes.txt' is not a NumPy array"),
        (truncated, "not a NumPy .npz archive"),
        (text, "not a NumPy .npz archive"),
        (single, "a single NumPy array"),
        (tmp_path / "missing.npz", "no such graph-search file"),
    ]:
        with pytest.raises(InputError, match=message) as caught:
            read_search_instance(bad)
        assert "\n" not in str(caught.value)


# -- solution files ------------------------------------------------------------------------------
def test_solution_round_trip_gives_the_same_evaluation(tmp_path: Path) -> None:
    """Writing then reading an answer gives equal arrays and the same recall and DCS."""
    path = tmp_path / "answer.npz"
    write_search_solution(ANSWER, path)
    assert str(_arrays(path)["format"]) == SEARCH_SOLUTION_TAG
    back = read_search_solution(path, LINE)
    assert np.array_equal(back.ids, ANSWER.ids) and np.array_equal(back.dcs, ANSWER.dcs)
    before, after = evaluate_search(LINE, ANSWER), evaluate_search(LINE, back)
    assert (after.recall_at_1, after.recall_at_k, after.mean_dcs) == (
        before.recall_at_1,
        before.recall_at_k,
        before.mean_dcs,
    )
    assert after.recall_at_1 == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ids": np.array([[4, 3], [0, -1]])}, "field 'ids' has 2 rows for 3 queries"),
        ({"ids": np.array([4, 0, 1])}, "field 'ids' must be a 2-d integer array"),
        ({"ids": np.array([[4.0], [0.0], [1.0]])}, "field 'ids' must be a 2-d integer array"),
        ({"ids": np.array([[4], [0], [5]])}, "field 'ids': 5 is not a base vertex"),
        ({"ids": np.array([[4], [-2], [1]])}, "field 'ids': -2 is not a base vertex"),
        ({"dcs": np.array([1.0, 2.0])}, "field 'dcs' must be 3 numbers"),
        ({"dcs": None}, "missing field(s) dcs"),
        ({"format": np.str_(SEARCH_INSTANCE_TAG)}, "field 'format' must be"),
    ],
)
def test_bad_solution_file_raises_naming_the_field(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    """A solution of the wrong shape, with unknown ids, missing dcs or the wrong tag."""
    path = tmp_path / "answer.npz"
    write_search_solution(ANSWER, path)
    with pytest.raises(InputError) as caught:
        read_search_solution(_rewrite(path, **changes), LINE)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_instance_file_is_not_a_solution_file(tmp_path: Path) -> None:
    """Reading an instance file as a solution names the expected tag."""
    path = tmp_path / "line.npz"
    write_search_instance(LINE, path)
    with pytest.raises(InputError, match="vrpsolve-search-solution"):
        read_search_solution(path, LINE)
