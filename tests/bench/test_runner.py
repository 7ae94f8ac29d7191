"""Tests for vrpsolve.bench: instance selection, job expansion and the pool backends."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from vrpsolve.bench import (
    BenchInputError,
    BenchJob,
    expand_jobs,
    run_benchmark,
    run_parallel,
    select_instances,
)
from vrpsolve.catalog import instances_dir

E13 = str(instances_dir() / "cvrp" / "E-n13-k4.vrp")
P16 = str(instances_dir() / "cvrp" / "P-n16-k8.vrp")
ROW_KEYS = {
    "instance", "set", "family", "n", "solver", "time_limit", "seed", "status", "feasible",
    "objective", "bks", "gap", "gap_to", "runtime", "error",
}  # fmt: skip


@pytest.fixture(scope="module")
def tiny_jobs() -> list[BenchJob]:
    """PyVRP for 0.5 s on the two smallest bundled CVRP instances."""
    return expand_jobs(select_instances([E13, P16]), ["pyvrp"], [0.5], [1])


@pytest.fixture(scope="module")
def process_rows(tiny_jobs: list[BenchJob]) -> list[dict[str, Any]]:
    """The tiny jobs run by the process backend with two workers."""
    return run_benchmark(tiny_jobs, backend="process", workers=2)


def test_select_instances_takes_files_globs_and_sets(tmp_path):
    """Files, glob patterns and set names resolve to each file once, with its set."""
    chosen = select_instances([E13, "CVRP-classic", str(Path(P16).parent / "[EP]-n1*.vrp")])
    assert [i.name for i in chosen][:2] == ["E-n13-k4", "A-n32-k5"]
    assert len(chosen) == 6 and {i.set for i in chosen} == {"CVRP-classic"}
    assert chosen[0].n == 13
    copy = tmp_path / "mine.vrp"
    shutil.copy(E13, copy)
    (custom,) = select_instances([str(copy)])
    assert custom.set == "custom" and custom.name == "E-n13-k4"


@pytest.mark.parametrize("spec", ["nothere.vrp", "nothere/*.vrp", "CVRP-Nope"])
def test_select_instances_rejects_specs_naming_nothing(spec):
    """A missing file, an empty glob or an unknown set is a BenchInputError naming the spec."""
    with pytest.raises(BenchInputError, match=r"nothere|CVRP-Nope"):
        select_instances([spec])


def test_expand_jobs_is_the_full_product():
    """Jobs are instances x solvers x time limits x seeds, nested in that order, duplicates once."""
    instances = select_instances([E13, P16])
    jobs = expand_jobs(instances, ["pyvrp", "ortools"], [1, 10, 1], [1, 2])
    assert len(jobs) == 2 * 2 * 2 * 2
    assert (jobs[0].name, jobs[0].solver, jobs[0].time_limit, jobs[0].seed) == (
        "E-n13-k4", "pyvrp", 1.0, 1
    )  # fmt: skip
    assert [j.seed for j in jobs[:4]] == [1, 2, 1, 2]
    assert [j.time_limit for j in jobs[:4]] == [1.0, 1.0, 10.0, 10.0]
    assert [j.solver for j in jobs[:8]] == ["pyvrp"] * 4 + ["ortools"] * 4
    assert {j.name for j in jobs[8:]} == {"P-n16-k8"}
    assert all(j.set == "CVRP-classic" for j in jobs)


@pytest.mark.parametrize(
    ("solvers", "limits", "seeds", "message"),
    [
        (["nope"], [1.0], [1], "unknown solver"),
        (["pyvrp"], [0.0], [1], "positive"),
        (["pyvrp"], [math.inf], [1], "positive"),
        (["pyvrp"], [1.0], [], "no seeds"),
        ([], [1.0], [1], "no solvers"),
    ],
)
def test_expand_jobs_rejects_bad_axes(solvers, limits, seeds, message):
    """An unknown solver, a bad time limit or an empty axis is a BenchInputError."""
    with pytest.raises(BenchInputError, match=message):
        expand_jobs(select_instances([E13]), solvers, limits, seeds)


def test_process_backend_solves_tiny_instances(process_rows):
    """The process backend returns one evaluator-checked row per job, in job order."""
    assert [r["instance"] for r in process_rows] == ["E-n13-k4", "P-n16-k8"]
    for row in process_rows:
        assert row.keys() == ROW_KEYS
        assert row["feasible"] and row["status"] in ("feasible", "optimal")
        assert row["objective"] >= row["bks"] and row["gap"] >= 0 and row["gap_to"] == "bks"
        assert row["family"] == "routing"
        assert row["error"] == "" and row["runtime"] > 0
        assert (row["set"], row["solver"], row["time_limit"], row["seed"]) == (
            "CVRP-classic", "pyvrp", 0.5, 1
        )  # fmt: skip


def test_worker_error_is_recorded_not_raised(tmp_path):
    """A job that raises in its worker becomes a row with status "error" and the message."""
    jobs = [
        BenchJob(E13, "nope", 0.5, 1),
        BenchJob(str(tmp_path / "gone.vrp"), "pyvrp", 0.5, 1),
    ]
    rows = run_benchmark(jobs, backend="process", workers=2)
    assert [r["status"] for r in rows] == ["error", "error"]
    assert "unknown solver 'nope'" in rows[0]["error"] and rows[0]["instance"] == "E-n13-k4"
    assert "gone.vrp" in rows[1]["error"] and rows[1]["instance"] == "gone"
    assert not any(r["feasible"] for r in rows) and rows[0]["objective"] is None


def test_run_parallel_keeps_order_and_reraises():
    """`run_parallel` returns results in item order and re-raises a worker's exception."""
    assert run_parallel(math.sqrt, [16.0, 1.0, 9.0, 4.0], workers=2) == [4.0, 1.0, 3.0, 2.0]
    assert run_parallel(os.getenv, ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"]) == ["1", "1"]
    with pytest.raises(ValueError, match="math domain error"):
        run_parallel(math.sqrt, [1.0, -1.0], workers=2)
    with pytest.raises(BenchInputError, match="backend"):
        run_parallel(math.sqrt, [1.0], backend="threads")


def test_ray_backend_matches_process_backend(tiny_jobs, process_rows):
    """Ray tasks on a local 2-CPU instance give rows equal in shape and feasibility."""
    ray = pytest.importorskip("ray", reason="the ray extra is not installed")
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        rows = run_benchmark(tiny_jobs, backend="ray", workers=2)
        assert run_parallel(os.getenv, ["OMP_NUM_THREADS"], backend="ray") == ["1"]
    finally:
        ray.shutdown()
    assert len(rows) == len(process_rows)
    for ray_row, process_row in zip(rows, process_rows, strict=True):
        assert ray_row.keys() == process_row.keys()
        same = ("instance", "set", "n", "solver", "time_limit", "seed", "feasible", "bks")
        assert {k: ray_row[k] for k in same} == {k: process_row[k] for k in same}
        assert ray_row["status"] in ("feasible", "optimal") and ray_row["gap"] >= 0


POOL_OF_SLEEPERS = """
import time
from vrpsolve.bench.runner import run_parallel
run_parallel(time.sleep, [60.0, 60.0], workers=2)
"""


def _ready_workers(parent: int) -> list[int]:
    """Pool workers of ``parent`` that are set up (they catch SIGTERM, as their initializer
    has them do) and have not ended."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            caught = int((entry / "status").read_text().split("SigCgt:")[1].split()[0], 16)
            if int(fields[1]) == parent and fields[0] != "Z" and caught >> (signal.SIGTERM - 1) & 1:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_their_parent():
    """Workers of a parent killed outright (SIGKILL: no handler runs) do not outlive it."""
    parent = subprocess.Popen([sys.executable, "-c", POOL_OF_SLEEPERS])
    deadline = time.monotonic() + 30
    while len(workers := _ready_workers(parent.pid)) < 2:
        assert parent.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    parent.kill()
    parent.wait()
    time.sleep(0.5)
    assert not [pid for pid in workers if _live_pid(pid)]


def _live_pid(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has)."""
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except FileNotFoundError:
        return False
