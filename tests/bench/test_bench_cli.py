"""Tests for the `vrpsolve bench` command: outputs, printed summary and bad input."""

from __future__ import annotations

import csv

import pytest

from vrpsolve.catalog import instances_dir
from vrpsolve_cli.main import main

E13 = str(instances_dir() / "cvrp" / "E-n13-k4.vrp")


def test_bench_writes_outputs_and_prints_summary(tmp_path, capsys):
    """`bench` runs every job, writes runs.csv, summary.md and the PNG, and prints the table."""
    out = tmp_path / "bench-tiny"
    argv = [
        "bench", "--solvers", "pyvrp", "--instances", E13, "--time-limits", "0.2",
        "--seeds", "1,2", "--jobs", "2", "--out-dir", str(out),
    ]  # fmt: skip
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0
    assert "| CVRP-classic | pyvrp | 0.2 | 1 |" in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["gap_vs_time.png", "runs.csv", "summary.md"]
    with open(out / "runs.csv", newline="") as handle:
        runs = list(csv.DictReader(handle))
    assert [(r["instance"], r["seed"], r["feasible"]) for r in runs] == [
        ("E-n13-k4", "1", "True"),
        ("E-n13-k4", "2", "True"),
    ]


BAD_ARGS = {
    "unknown solver": (["--solvers", "nope"], "unknown solver"),
    "missing file": (["--instances", "nothere.vrp"], "nothere.vrp"),
    "empty glob": (["--instances", "nothere/*.vrp"], "matches no file"),
    "unknown set": (["--instances", "CVRP-Nope"], "CVRP-Nope"),
    "zero time limit": (["--time-limits", "0"], "positive"),
    "bad time limit": (["--time-limits", "1,x"], "'x'"),
    "bad seed": (["--seeds", "1.5"], "'1.5'"),
    "no workers": (["--jobs", "0"], "--jobs"),
    "address without ray": (["--address", "auto"], "--backend ray"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARGS))
def test_bench_bad_input_exits_2_writing_nothing(case, tmp_path, capsys):
    """Bad solvers, instances, limits, seeds or options exit 2 with one line, writing nothing."""
    override, message = BAD_ARGS[case]
    options = {
        "--solvers": "pyvrp", "--instances": E13, "--time-limits": "0.2", "--seeds": "1",
        "--out-dir": str(tmp_path / "out"),
    }  # fmt: skip
    options.update(zip(override[::2], override[1::2], strict=True))
    argv = ["bench", *(item for pair in options.items() for item in pair)]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and message in captured.err
    assert not (tmp_path / "out").exists()


def test_bench_bad_file_among_several_exits_2(tmp_path, capsys):
    """An unreadable instance file among good ones is reported before any solver runs."""
    bad = tmp_path / "bad.vrp"
    bad.write_text("NAME : bad\nTYPE : CVRP\n")
    argv = [
        "bench", "--solvers", "pyvrp", "--instances", E13, str(bad), "--time-limits", "0.2",
        "--out-dir", str(tmp_path / "out"),
    ]  # fmt: skip
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and str(bad) in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_bench_out_dir_that_is_a_file_exits_2(tmp_path, capsys):
    """An --out-dir that names an existing file exits 2 before any job runs."""
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    argv = [
        "bench", "--solvers", "pyvrp", "--instances", E13, "--time-limits", "0.2",
        "--out-dir", str(taken),
    ]  # fmt: skip
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and "--out-dir" in err and taken.read_text() == "keep me"


def test_bench_offers_every_backend():
    """`--backend` (named in the command without importing the runner) offers the runner's."""
    from vrpsolve.bench.runner import BACKENDS
    from vrpsolve_cli.main import build_parser

    bench = build_parser()._subparsers._group_actions[0].choices["bench"]
    (backend,) = [action for action in bench._actions if action.dest == "backend"]
    assert tuple(backend.choices) == BACKENDS
