"""Tests for the benchmark summaries, the CSV and markdown tables, and the written files."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from vrpsolve.bench import FIELDS, per_instance, summarise, write_outputs
from vrpsolve.bench.plots import gap_vs_time_png
from vrpsolve.bench.tables import runs_csv, summary_markdown, with_gaps

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def row(instance: str, solver: str, seed: int, gap: float | None, **fields: Any) -> dict[str, Any]:
    """A hand-made routing result row: feasible with cost 100 + gap when a gap is given."""
    record = {
        "instance": instance,
        "set": "S",
        "family": "routing",
        "n": 10,
        "solver": solver,
        "time_limit": 1.0,
        "seed": seed,
        "status": "feasible" if gap is not None else "infeasible",
        "feasible": gap is not None,
        "objective": 100.0 + gap if gap is not None else 150.0,
        "bks": 100.0,
        "gap": gap,
        "gap_to": "bks" if gap is not None else None,
        "runtime": 1.0,
        "error": "",
    }
    record.update(fields)
    return record


@pytest.fixture
def rows() -> list[dict[str, Any]]:
    """Two instances for solver a (one infeasible run), one error for solver b."""
    return [
        row("I1", "a", 1, 1.0, runtime=1.0),
        row("I1", "a", 2, 3.0, runtime=2.0),
        row("I2", "a", 1, 4.0, runtime=3.0),
        row("I2", "a", 2, None, runtime=4.0),
        row("I1", "b", 1, None, status="error", objective=None, runtime=None, error="Boom: x"),
    ]


def test_per_instance_averages_feasible_seeds(rows):
    """Per instance: mean gap over feasible seeds, best feasible objective, feasible count."""
    records = {(r["instance"], r["solver"]): r for r in per_instance(rows)}
    assert records["I1", "a"]["mean_gap"] == 2.0 and records["I1", "a"]["best"] == 101.0
    assert records["I2", "a"]["mean_gap"] == 4.0 and records["I2", "a"]["feasible"] == "1/2"
    assert records["I2", "a"]["mean_runtime"] == 3.5
    assert records["I1", "b"]["mean_gap"] is None and records["I1", "b"]["best"] is None


def test_summarise_means_over_instances_not_runs(rows):
    """Per set, solver and limit: mean of per-instance gaps, feasible runs/runs, mean runtime."""
    a, b = summarise(rows)
    assert (a["set"], a["solver"], a["time_limit"], a["instances"]) == ("S", "a", 1.0, 2)
    assert a["mean_gap"] == 3.0  # mean(2.0, 4.0), not the run mean 8/3
    assert a["feasible"] == "3/4" and a["mean_runtime"] == 2.5
    assert b["solver"] == "b" and b["mean_gap"] is None and b["feasible"] == "0/1"
    assert b["mean_runtime"] is None


def test_runs_csv_has_one_row_per_run(rows):
    """runs.csv has the documented header, one line per run, and blanks for missing values."""
    parsed = list(csv.DictReader(io.StringIO(runs_csv(rows))))
    assert tuple(parsed[0]) == FIELDS
    assert len(parsed) == len(rows)
    assert parsed[3]["gap"] == "" and parsed[4]["status"] == "error"
    assert parsed[4]["error"] == "Boom: x" and parsed[0]["gap"] == "1.0"


def test_summary_markdown_has_both_tables_and_errors(rows):
    """summary.md holds the summary table, the per-instance table and the errors."""
    text = summary_markdown(rows)
    assert "| set | solver | time limit (s) | instances | mean gap % |" in text
    assert "| S | a | 1 | 2 | 3.00 | 3/4 | 2.50 |" in text
    assert "| S | I2 | 10 | a | 1 | 100 | 104 | 4.00 | 1/2 | 3.50 |" in text
    assert "## Errors" in text and "- I1 b 1 s seed 1: Boom: x" in text


def test_write_outputs_writes_three_files(rows, tmp_path):
    """runs.csv, summary.md and a PNG are written into a new directory, no temporaries left."""
    out = tmp_path / "bench" / "run1"
    paths = write_outputs(rows, out)
    assert [p.name for p in paths] == ["runs.csv", "summary.md", "gap_vs_time.png"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)
    assert (out / "gap_vs_time.png").read_bytes().startswith(PNG_MAGIC)
    assert (out / "runs.csv").read_text() == runs_csv(rows)


def test_plot_without_any_gap_is_still_a_png():
    """A summary with no gaps (nothing feasible or no BKS) still renders."""
    summary = [{"set": "S", "solver": "a", "time_limit": 1.0, "mean_gap": None}]
    assert gap_vs_time_png(summary).startswith(PNG_MAGIC)


def flow_row(
    instance: str, solver: str, objective: float, bks: float | None = None
) -> dict[str, Any]:
    """A hand-made feasible flow-admission row (a family that maximises), gap not yet filled."""
    record = row(instance, solver, 1, 0.0, family="flow_admission", objective=objective, bks=bks)
    return record | {"gap": None, "gap_to": None}


def test_gaps_respect_the_direction_and_fall_back_to_the_best_run():
    """A maximising family's gap is to the highest objective of the run when no BKS is known;
    the best row reads 0 and worse rows a positive gap; a BKS takes precedence."""
    rows = with_gaps([flow_row("F", "x", 80.0), flow_row("F", "y", 100.0)])
    assert [r["gap"] for r in rows] == [20.0, 0.0]
    assert {r["gap_to"] for r in rows} == {"best in run"}
    records = {r["solver"]: r for r in per_instance(rows)}
    assert records["x"]["best"] == 80.0 and records["y"]["best"] == 100.0
    known = with_gaps([flow_row("F", "x", 80.0, bks=160.0)])
    assert known[0]["gap"] == 50.0 and known[0]["gap_to"] == "bks"
