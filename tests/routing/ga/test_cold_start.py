"""The GA keeps its time limit from a cold numba cache, and caches without a home directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from vrpsolve.catalog import instances_dir

OVERHEAD = 0.5
"""Seconds beyond the limit allowed for the last offspring and a loaded machine (measured:
under 0.05 s on E-n13-k4)."""

SCRIPT = """
import json, os, sys
import vrpsolve
from vrpsolve.routing.ga.kernel import solution_excess
result = vrpsolve.solve(vrpsolve.read_instance(sys.argv[1]), "ga", time_limit=1.0, seed=1)
print(json.dumps({
    "runtime": result.runtime,
    "compile_time": result.stats["compile_time"],
    "feasible": result.feasible,
    "cache": os.environ["NUMBA_CACHE_DIR"],
    "kernel_cache": solution_excess._cache._cache_path,
}))
"""


def test_ga_keeps_its_limit_from_a_cold_cache_without_home(tmp_path: Path) -> None:
    """No HOME, no XDG_CACHE_HOME, an empty temporary folder: the kernels compile (before the
    clock) into a cache there, never next to the package's sources."""
    hidden = ("HOME", "XDG_CACHE_HOME", "NUMBA_CACHE_DIR")
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(instances_dir() / "cvrp" / "E-n13-k4.vrp")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    cache = Path(report["cache"])
    assert cache.is_relative_to(tmp_path)
    assert Path(report["kernel_cache"]).is_relative_to(cache)
    assert list(cache.rglob("*.nbi"))
    assert report["compile_time"] > 1.0 + OVERHEAD  # it did compile: the old run overran
    assert report["feasible"]
    assert report["runtime"] <= 1.0 + OVERHEAD
