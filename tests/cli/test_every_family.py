"""Every verb on every family's file: info, solve --out, eval of the written file, and bench."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import pytest

from vrpsolve.core.registry import family_named
from vrpsolve_cli.main import main

CASES = [
    ("routing", "instances/cvrp/E-n13-k4.vrp", ("savings", "nearest-neighbour"), "cost"),
    ("flow_admission", "tests/data/regression/flows.json", ("pfar-greedy", "pfar-ga"), "objective"),
    (
        "packet_routing",
        "tests/data/regression/packets.json",
        ("packet-shortest-hops", "q-routing"),
        "mean_delivery_time",
    ),
    (
        "graph_search",
        "tests/data/regression/search.npz",
        ("graph-greedy", "graph-beam"),
        "recall_at_1",
    ),
    (
        "path_query",
        "instances/paths/rgg-200-s1.npz",
        ("path-greedy", "path-learned"),
        "success_rate",
    ),
]
IDS = [case[0] for case in CASES]


SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs/result.schema.json").read_text())


def _json_lines(text: str) -> list[dict]:
    """The JSON records printed, each checked against the published schema (strict JSON)."""
    records = [json.loads(line, parse_constant=_refuse) for line in text.splitlines()]
    for record in records:
        jsonschema.validate(record, SCHEMA)
    return records


def _refuse(constant: str) -> None:
    raise AssertionError(f"{constant} is not JSON")


@pytest.mark.parametrize(("family", "path", "solvers", "objective"), CASES, ids=IDS)
def test_info_names_the_family(family, path, solvers, objective, capsys):
    """`vrpsolve info` recognises the file and describes it with its family's title."""
    assert main(["info", path]) == 0
    assert f"problem: {family_named(family).title}" in capsys.readouterr().out


@pytest.mark.parametrize(("family", "path", "solvers", "objective"), CASES, ids=IDS)
def test_solve_writes_a_solution_that_eval_rejudges(
    family, path, solvers, objective, tmp_path, capsys
):
    """`solve --out` writes the family's solution file; `eval` reads it back and the family's
    evaluator gives the same objective and feasibility as the solve's record."""
    out = tmp_path / f"answer{family_named(family).solution_suffixes[0]}"
    args = ["solve", path, "--solver", solvers[0], "--out", str(out), "--seed", "3"]
    assert main([*args, "--time-limit", "5", "--format", "json"]) == 0
    (solved,) = _json_lines(capsys.readouterr().out)
    assert solved["family"] == family and solved["feasible"] and out.is_file()
    assert main(["eval", path, str(out), "--seed", "3", "--format", "json"]) == 0
    (judged,) = _json_lines(capsys.readouterr().out)
    assert judged["feasible"] and judged[objective] == solved[objective] is not None


@pytest.mark.parametrize(("family", "path", "solvers", "objective"), CASES, ids=IDS)
def test_bench_runs_two_solvers_and_ranks_by_the_family_direction(
    family, path, solvers, objective, tmp_path, capsys
):
    """`bench` with two solvers writes one row per run with the family's objective; the gap
    (to the best-known value, else to the best run) is zero for the best run and positive for
    worse ones, whatever the family's direction."""
    out = tmp_path / "bench"
    args = ["bench", "--solvers", ",".join(solvers), "--instances", path]
    assert main([*args, "--time-limits", "2", "--out-dir", str(out), "--quiet"]) == 0
    with (out / "runs.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["solver"] for r in rows] == list(solvers)
    assert {r["family"] for r in rows} == {family} and all(r["status"] != "error" for r in rows)
    values = [float(r["objective"]) for r in rows]
    gaps = [float(r["gap"]) for r in rows if r["gap"]]
    assert len(gaps) == 2 and min(gaps) >= 0
    if rows[0]["gap_to"] == "best in run":
        best = min(values) if family_named(family).minimise else max(values)
        assert [g == 0 for g in gaps] == [v == best for v in values]
    assert (out / "summary.md").is_file() and (out / "gap_vs_time.png").is_file()


def test_out_with_another_family_suffix_is_refused(tmp_path, capsys):
    """`solve --out` names a file its family cannot write (a policy is no JSON file): exit 2,
    one line, nothing written."""
    out = tmp_path / "policy.json"
    args = ["solve", "tests/data/regression/packets.json", "--solver", "packet-shortest-hops"]
    assert main([*args, "--out", str(out)]) == 2
    assert "ends with .npz" in capsys.readouterr().err and not out.exists()
