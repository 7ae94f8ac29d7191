"""`bench --resume` and runs.csv read back: finished jobs are not run again."""

from __future__ import annotations

import csv

from vrpsolve.bench import expand_jobs, run_job, select_instances
from vrpsolve.bench.output import RunsLog, read_runs
from vrpsolve.bench.tables import read_runs_csv, runs_csv
from vrpsolve.catalog import instances_dir
from vrpsolve_cli.main import main

E13 = str(instances_dir() / "cvrp" / "E-n13-k4.vrp")
P16 = str(instances_dir() / "cvrp" / "P-n16-k8.vrp")


def test_runs_read_back_with_their_types_and_without_a_torn_line(tmp_path):
    """What `RunsLog` appends reads back equal, types included; a torn last line is dropped."""
    (job,) = expand_jobs(select_instances([E13]), ["savings"], [0.5], [3])
    row = run_job(job)
    with RunsLog(tmp_path) as log:
        log.append(row)
    text = (tmp_path / "runs.csv").read_text()
    assert text == runs_csv([row])
    assert read_runs(tmp_path) == [row]
    assert read_runs_csv(text + "E-n13-k4,CVRP-classic,rou") == [row]
    assert read_runs(tmp_path / "nothing") == []


def test_resume_runs_only_the_jobs_missing_from_runs_csv(tmp_path, capsys):
    """A job whose row is in runs.csv (same instance, solver, time limit and seed) is kept as
    it is; the others run, and the outputs cover both."""
    jobs = expand_jobs(select_instances([E13, P16]), ["savings"], [0.5], [1])
    earlier = run_job(jobs[0])
    earlier["runtime"] = 123.0  # recognisable: a rerun would measure its own
    with RunsLog(tmp_path) as log:
        log.append(earlier)
    argv = [
        "bench", "--solvers", "savings", "--instances", E13, P16, "--time-limits", "0.5",
        "--out-dir", str(tmp_path), "--resume",
    ]  # fmt: skip
    assert main(argv) == 0
    assert "1 of 2 jobs already in" in capsys.readouterr().err
    with open(tmp_path / "runs.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert (rows[0]["instance"], rows[0]["runtime"]) == ("E-n13-k4", "123.0")
    assert rows[1]["instance"] == "P-n16-k8" and rows[1]["status"] == "feasible"
    assert "P-n16-k8" in (tmp_path / "summary.md").read_text()
