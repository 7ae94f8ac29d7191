"""The environment speed benchmark script runs end to end on a tiny batch."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "env_speed.py"

pytest.importorskip("rl4co")


def _load_script():
    # By path: a bare `pytest` does not put the repository root on sys.path, and another
    # installed package may own the name `benchmarks`.
    spec = importlib.util.spec_from_file_location("env_speed_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_main_writes_both_envs(tmp_path: Path):
    """main() on batch 8, n 10, one repeat writes a CSV row with positive steps/s per env."""
    script = _load_script()
    out = tmp_path / "speed.csv"
    argv = ["--batch", "8", "--customers", "10", "--repeats", "1", "--csv", str(out)]
    assert script.main([*argv, "--check-batch", "8", "--check-customers", "10"]) == 0
    with open(out, newline="") as handle:
        rows = {row["env"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"vrpsolve", "rl4co"}
    assert all(float(row["steps_per_s_median"]) > 0 for row in rows.values())
    assert "| vrpsolve | 8 | 10 |" in out.with_suffix(".md").read_text()
