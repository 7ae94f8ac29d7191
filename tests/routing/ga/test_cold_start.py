"""The GA compiles before the clock and caches its kernels without a home directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from vrpsolve.catalog import instances_dir

CACHE_SCRIPT = """
import json, os
from vrpsolve.routing.ga.kernel import solution_excess
print(json.dumps({
    "cache": os.environ["NUMBA_CACHE_DIR"],
    "kernel_cache": solution_excess._cache._cache_path,
}))
"""

PREPARE_SCRIPT = """
import json, sys
import numba
import vrpsolve
from vrpsolve.routing.ga import kernel, population, search, split
from vrpsolve.routing.ga.solver import GeneticSolver

def compiled():
    return {
        f"{module.__name__}.{name}": len(item.signatures)
        for module in (kernel, population, search, split)
        for name, item in vars(module).items()
        if isinstance(item, numba.core.registry.CPUDispatcher)
    }

solver = GeneticSolver()
solver.prepare()
before = compiled()
instance = vrpsolve.read_instance(sys.argv[1])
output = solver.run(instance, time_limit=0.5, seed=1)
print(json.dumps({"before": before, "after": compiled(), "solved": output.solution is not None}))
"""


def test_numba_cache_goes_to_the_temporary_folder_without_home(tmp_path: Path) -> None:
    """No HOME, no XDG_CACHE_HOME, no NUMBA_CACHE_DIR: the kernels' cache is a folder of the
    temporary directory, never next to the package's sources."""
    hidden = ("HOME", "XDG_CACHE_HOME", "NUMBA_CACHE_DIR")
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", CACHE_SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    cache = Path(report["cache"])
    assert cache.is_relative_to(tmp_path)
    assert Path(report["kernel_cache"]).is_relative_to(cache)


def test_prepare_compiles_every_kernel_so_the_timed_run_compiles_none() -> None:
    """In a fresh process, after `prepare` the run adds no compiled signature to any GA kernel
    (compiling, or loading from the disk cache, happens before the clock)."""
    path = str(instances_dir() / "cvrp" / "E-n13-k4.vrp")
    done = subprocess.run(
        [sys.executable, "-c", PREPARE_SCRIPT, path], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["solved"] and any(report["before"].values())
    assert report["after"] == report["before"]
