"""Tests for ``vrpsolve generate graph-search|path-query`` and ``vrpsolve graph`` (query, paths),
and their bad-input errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vrpsolve.graphs.search.files import load_search_file
from vrpsolve_cli.main import main


@pytest.fixture(scope="module")
def instance_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small clustered-Gaussian instance file built by the command."""
    path = tmp_path_factory.mktemp("graph") / "small.npz"
    argv = [
        "generate", "graph-search", "--num-base", "400", "--num-queries", "30", "--num-train", "40",
        "--dim", "8", "--m", "6", "--budget", "64", "--out", str(path),
    ]  # fmt: skip
    assert main(argv) == 0
    return str(path)


def test_build_writes_an_instance_with_training_queries(instance_file):
    """The file holds the instance, its training queries and how it was built."""
    contents = load_search_file(instance_file)
    assert contents.instance.num_vectors == 400 and contents.instance.budget == 64
    assert contents.train_queries is not None and contents.train_queries.shape == (40, 8)
    assert contents.metadata["graph"] == "nsw"


def test_generate_path_query_writes_a_file_that_solve_reads(tmp_path, capsys):
    """`generate path-query` writes a path-query file; `info` and `solve` read it."""
    path = tmp_path / "rgg.npz"
    argv = ["generate", "path-query", "--nodes", "60", "--queries", "20", "--seed", "4"]
    assert main([*argv, "--out", str(path)]) == 0
    assert "20 queries" in capsys.readouterr().out
    assert main(["solve", str(path), "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["solver"] == "path-greedy" and record["queries"] == 20


def test_query_prints_the_evaluators_recall_and_dcs(instance_file, capsys):
    """graph-beam answers are judged: Recall@1 and mean DCS within the budget."""
    assert main(["graph", "query", instance_file, "--ef", "8", "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["solver"] == "graph-beam" and record["feasible"]
    assert 0 < record["recall_at_1"] <= 1 and record["mean_dcs"] <= 64


def test_query_budget_replaces_the_files_budget(instance_file, capsys):
    """`--budget` is the instance's budget: the record shows it and the evaluator judges by it."""
    argv = ["graph", "query", instance_file, "--ef", "16", "--budget", "24", "--format", "json"]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["budget"] == 24 and record["stats"]["budget"] == 24
    assert record["feasible"] and record["max_dcs"] <= 24


def test_train_then_query_with_the_learned_policy(instance_file, tmp_path, capsys):
    """A checkpoint trained by the command routes the file's queries within the budget."""
    policy = tmp_path / "p.pt"
    argv = ["train", "graph-learned", instance_file, "--steps", "2", "--out-dim", "4"]
    assert main([*argv, "--out", str(policy)]) == 0
    assert "validation Recall@1" in capsys.readouterr().out
    argv = ["graph", "query", instance_file, "--solver", "graph-learned", "--policy", str(policy)]
    assert main([*argv, "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["solver"] == "graph-learned" and record["max_dcs"] <= 64


def test_paths_trains_and_compares_both_routers(tmp_path, capsys):
    """Path routing: a policy trained on one random geometric graph, both solvers on another."""
    policy = tmp_path / "rgg.pt"
    argv = ["train", "path-learned", "rgg", "--nodes", "60", "--queries", "40", "--steps", "2"]
    assert main([*argv, "--out", str(policy)]) == 0
    capsys.readouterr()
    argv = ["graph", "paths", "--nodes", "80", "--queries", "30", "--seed", "5"]
    assert main([*argv, "--policy", str(policy), "--format", "json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["solver"] for r in records] == ["path-greedy", "path-learned"]
    assert all(r["feasible"] and r["queries"] == 30 for r in records)
    assert np.isfinite(records[0]["success_rate"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["graph", "query", "missing.npz"], "missing.npz: no such graph-search file"),
        (["graph", "query", "BAD"], "BAD: not a NumPy .npz archive"),
        (["generate", "graph-search", "--num-base", "1", "--out", "x.npz"], "--num-base must be"),
        (["generate", "graph-search", "--out", "no/such/dir/x.npz"], "folder of --out"),
        (["generate", "path-query", "--out", "no/such/dir/x.npz"], "folder of --out"),
        (["generate", "path-query", "--network", "atlantis", "--out", "x.npz"], "atlantis"),
        (["graph", "paths", "--nodes", "1"], "--nodes must be at least 2"),
        (["graph", "paths", "--network", "atlantis"], "atlantis: no shipped OSM extract"),
        (["graph", "paths", "--solvers", "path-foo"], "unknown ['path-foo']"),
        (["graph", "paths", "--policy", "nope"], "no path-routing checkpoint here"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(argv, message, tmp_path, monkeypatch, capsys):
    """Each error names the file or option, exits with 2 and prints no traceback."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "BAD").write_text("not an archive")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_file_missing_a_field_is_named(tmp_path, capsys):
    """An archive without the graph arrays: the error names the file and the fields."""
    path = tmp_path / "partial.npz"
    np.savez(path, base=np.zeros((3, 2)))
    assert main(["graph", "query", str(path)]) == 2
    err = capsys.readouterr().err
    assert "partial.npz: missing field(s) queries" in err
