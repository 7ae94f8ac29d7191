"""Signals to `vrpsolve solve` and `vrpsolve bench`: the best so far is reported and written,
workers do not outlive the command; outputs are checked before any work."""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import vrpsolve
from vrpsolve.catalog import instances_dir
from vrpsolve_cli.main import main

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

CVRP = instances_dir() / "cvrp"
X101 = CVRP / "X-n101-k25.vrp"
COMMAND = [sys.executable, "-c", "import sys; from vrpsolve_cli.main import main; sys.exit(main())"]


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _handles_sigterm(pid: int) -> bool:
    """Whether the process catches SIGTERM (Python does not by default; the command's stop
    handlers do)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = int(status.split("SigCgt:")[1].split()[0], 16)
    return bool(caught >> (signal.SIGTERM - 1) & 1)


def _start(argv: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *argv], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_until_busy(processes: list[subprocess.Popen[str]], cpu: float) -> None:
    """Wait until each command handles signals and has then used ``cpu`` more CPU seconds
    (imports done, the solver searching), whatever the machine's load."""
    deadline = time.monotonic() + 60
    started: dict[int, float] = {}
    while len(started) < len(processes) or any(
        _cpu_seconds(p.pid) - started[p.pid] < cpu for p in processes
    ):
        for process in processes:
            assert process.poll() is None and time.monotonic() < deadline
            if process.pid not in started and _handles_sigterm(process.pid):
                started[process.pid] = _cpu_seconds(process.pid)
        time.sleep(0.02)


def _stop_all(processes: list[subprocess.Popen[str]], signum: int) -> list[float]:
    """Send ``signum`` to every process; the seconds each took to end."""
    sent = time.monotonic()
    for process in processes:
        process.send_signal(signum)
    ended: dict[int, float] = {}
    while len(ended) < len(processes) and time.monotonic() - sent < 30:
        for process in processes:
            if process.pid not in ended and process.poll() is not None:
                ended[process.pid] = time.monotonic() - sent
        time.sleep(0.01)
    return [ended.get(process.pid, math.inf) for process in processes]


def _finish(process: subprocess.Popen[str], signum: int) -> tuple[float, str, str]:
    """Send ``signum``; seconds until the process ended, its stdout and stderr."""
    sent = time.monotonic()
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    return time.monotonic() - sent, out, err


def _gone(pid: int) -> bool:
    """Whether the process has ended (a zombie awaiting its reaper counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_sigint_to_solve_reports_and_writes_the_best_so_far(tmp_path):
    """PyVRP, OR-Tools, the GA and the ILP on X-n101-k25 with 30 s: SIGINT once each is
    searching; each exits with 130 within seconds, printing status `interrupted` and writing
    its best solution, which the evaluator accepts at the printed cost."""
    instance = vrpsolve.read_instance(X101)
    runs = {
        solver: _start(
            ["solve", str(X101), "--solver", solver, "--time-limit", "30", "--format", "json",
             "--out", f"{solver}.sol"],
            tmp_path,
        )
        for solver in ("pyvrp", "ortools", "ga", "ilp")
    }  # fmt: skip
    _wait_until_busy(list(runs.values()), cpu=3.5)
    stopped = _stop_all(list(runs.values()), signal.SIGINT)
    for (solver, process), waited in zip(runs.items(), stopped, strict=True):
        out, err = process.communicate()
        assert process.returncode == 130, err
        assert waited < 4.0, f"{solver} took {waited:.1f} s to stop"
        assert "interrupted by SIGINT" in err
        record = json.loads(out)
        assert record["status"] == "interrupted" and record["feasible"], (solver, record)
        assert record["runtime"] < 25
        solution = vrpsolve.read_solution(tmp_path / f"{solver}.sol", instance)
        assert vrpsolve.evaluate(instance, solution).cost == record["cost"]


SLOW_TO_STOP = """
import time
from vrpsolve.core.stop import stop_on_signals
from vrpsolve_cli.main import _quit_at_once
with stop_on_signals(on_repeat=_quit_at_once):
    print("ready", flush=True)
    time.sleep(30)
"""


def test_a_second_signal_quits_at_once(tmp_path):
    """The command's handlers: a second signal ends a run that has not stopped yet, with 130."""
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_TO_STOP], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    process.send_signal(signal.SIGINT)
    time.sleep(0.2)
    assert process.poll() is None
    waited, _, err = _finish(process, signal.SIGINT)
    assert process.returncode == 130 and waited < 1.0 and "quitting" in err


def test_sigterm_to_bench_keeps_finished_rows_and_leaves_no_worker(tmp_path):
    """`bench --jobs 2`: runs.csv holds each finished job's row while the benchmark runs; on
    SIGTERM the running jobs stop, no worker outlives the command, the rows of the finished
    jobs stay and the summary is written from them."""
    out = tmp_path / "bench"
    process = _start(
        ["bench", "--solvers", "savings,pyvrp", "--instances", str(X101),
         str(CVRP / "P-n16-k8.vrp"), str(CVRP / "E-n13-k4.vrp"), "--time-limits", "30",
         "--jobs", "2", "--out-dir", str(out), "--quiet"],
        tmp_path,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    rows: list[dict[str, str]] = []
    while len(rows) < 2:  # savings on X-n101-k25, then on P-n16-k8, while PyVRP runs beside
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
        if (out / "runs.csv").exists():
            rows = list(csv.DictReader((out / "runs.csv").open()))
    workers = _children(process.pid)
    waited, _, err = _finish(process, signal.SIGTERM)
    assert process.returncode == 143 and "2 of 6 jobs done" in err, err
    assert waited < 10.0
    assert workers and all(_gone(pid) for pid in workers)
    with open(out / "runs.csv", newline="") as handle:
        final = list(csv.DictReader(handle))
    assert [(r["instance"], r["solver"], r["status"]) for r in final] == [
        ("X-n101-k25", "savings", "feasible"),
        ("P-n16-k8", "savings", "feasible"),
    ]
    assert final[0]["gap"] != ""
    assert "| CVRP-X | savings | 30 | 1 |" in (out / "summary.md").read_text()


UNWRITABLE = {
    "solve --out": ["solve", str(X101), "--out", "/proc/x.sol"],
    "solve --sol-dir": ["solve", str(X101), "--sol-dir", "/proc"],
    "solve --plot-dir": ["solve", str(X101), "--plot-dir", "/proc"],
    "bench --out-dir": ["bench", "--solvers", "pyvrp", "--instances", str(X101),
                        "--time-limits", "1", "--out-dir", "/proc/x"],
    "generate --out-dir": ["generate", "routing", "--out-dir", "/proc/x"],
    "generate --out": ["generate", "packets", "--topology", "grid", "--out", "/proc/x.json"],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(UNWRITABLE))
def test_unwritable_outputs_are_refused_before_any_work(case, capsys, monkeypatch):
    """An output path where nothing can be written (here in /proc, which even root cannot
    write) exits 2 with one line before anything is solved or generated."""

    def no_work(*args, **kwargs):
        raise AssertionError("work started")

    monkeypatch.setattr(vrpsolve, "solve", no_work)
    monkeypatch.setattr("vrpsolve.bench.runner.iter_parallel", no_work)
    code = main(UNWRITABLE[case])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.count("\n") == 1 and "cannot be written" in captured.err


def test_generate_checks_every_variant_against_the_format_first(tmp_path, capsys):
    """VRPLIB has one matrix, so an asymmetric VRPTW cannot be written: nothing is."""
    out = tmp_path / "gen"
    argv = [
        "generate", "routing", "--variants", "CVRP,VRPTW,ACVRP", "--format", "vrplib",
        "--source", "asymmetric", "--count", "6", "--customers", "8", "--out-dir", str(out),
    ]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "cannot hold VRPTW" in err and "one matrix" in err
    assert not out.exists()
    assert main([*argv[:3], "CVRP,ACVRP", *argv[4:]]) == 0
    assert len(list(out.iterdir())) == 6
