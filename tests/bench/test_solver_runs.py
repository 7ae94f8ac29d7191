"""The shared pieces of the benchmark scripts: the solver-run driver and the CSV writer."""

from __future__ import annotations

import csv


def _fake_run(path: str, solver: str, time_limit: float, seed: int) -> dict[str, object]:
    cost = float(len(path)) * time_limit + seed
    return {
        "instance": path,
        "solver": solver,
        "status": "ok",
        "cost": cost,
        "gap": 0.5,
        "runtime": time_limit,
    }


def test_rows_come_back_in_task_order_with_one_summary_line_each(
    tmp_path, capsys, benchmark_module
):
    """Every task runs once with the shared budget and seed; the CSV holds the rows as given."""
    solver_runs = benchmark_module("solver_runs")
    tasks = [("a", "ga"), ("bbb", "pyvrp"), ("cc", "ga")]
    rows = solver_runs.run_tasks(_fake_run, tasks, time_limit=2.0, seed=1, jobs=2)
    assert [(r["instance"], r["solver"]) for r in rows] == tasks
    assert [r["cost"] for r in rows] == [3.0, 7.0, 5.0]
    summary = [line for line in capsys.readouterr().err.splitlines() if ": ok cost" in line]
    assert summary == [
        "a ga: ok cost 3 gap 0.50% (2.0 s)",
        "bbb pyvrp: ok cost 7 gap 0.50% (2.0 s)",
        "cc ga: ok cost 5 gap 0.50% (2.0 s)",
    ]
    out = tmp_path / "new" / "runs.csv"
    fields = ["instance", "solver", "status", "cost", "gap", "runtime"]
    benchmark_module("output").write_csv(out, rows, fields)
    with out.open() as handle:
        written = list(csv.DictReader(handle))
    assert written == [{key: str(row[key]) for key in fields} for row in rows]
