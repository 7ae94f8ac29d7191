"""The policy evaluation script runs end to end and reuses its PyVRP reference cache."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import torch

from vrpsolve.routing.datasets import build_fixed_sets, fixed_sets
from vrpsolve.routing.neural.checkpoints import Checkpoint, save_checkpoint
from vrpsolve.routing.neural.model import ModelConfig, RoutingPolicy

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "routefinder.py"


def _load_script():
    # By path: the repository root is not necessarily on sys.path.
    spec = importlib.util.spec_from_file_location("routefinder_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_evaluation_writes_gaps_and_caches_references(tmp_path, capsys):
    """Gaps per variant are written; a second run takes PyVRP costs from the cache."""
    wanted = ("CVRP", "VRPTW")
    sets = [s for s in fixed_sets(("routefinder",), (5,), count=3) if s.variant in wanted]
    manifest = build_fixed_sets(tmp_path / "sets", sets)
    torch.manual_seed(0)
    policy = RoutingPolicy(ModelConfig(embed_dim=8, num_layers=1, num_heads=2, ff_hidden=8))
    save_checkpoint(Checkpoint(policy, {}, {}), tmp_path / "p.pt")
    args = ["--policy", str(tmp_path / "p.pt"), "--manifest", str(manifest), "--sizes", "5"]
    args += ["--variants", "CVRP,VRPTW", "--reference-time", "0.05", "--out", str(tmp_path / "r")]
    args += ["--reference-cache", str(tmp_path / "ref.csv")]
    script = _load_script()
    assert script.main(args) == 0
    assert "PyVRP on 3 instance(s)" in capsys.readouterr().err
    with (tmp_path / "r.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and {r["variant"] for r in rows} == {"CVRP", "VRPTW"}
    assert script.main(args) == 0
    assert "PyVRP on" not in capsys.readouterr().err
    assert "| mean | 5 | 6 | 6 |" in (tmp_path / "r.md").read_text()


def test_search_comparison_reports_seeded_and_plain_pyvrp_gaps(tmp_path):
    """With --ls-time, routefinder+ls and PyVRP alone are reported; +ls is no worse than built."""
    sets = [s for s in fixed_sets(("routefinder",), (6,), count=2) if s.variant == "CVRP"]
    manifest = build_fixed_sets(tmp_path / "sets", sets)
    torch.manual_seed(0)
    policy = RoutingPolicy(ModelConfig(embed_dim=8, num_layers=1, num_heads=2, ff_hidden=8))
    save_checkpoint(Checkpoint(policy, {}, {}), tmp_path / "p.pt")
    args = ["--policy", str(tmp_path / "p.pt"), "--manifest", str(manifest), "--sizes", "6"]
    args += ["--variants", "CVRP", "--reference-time", "0.2", "--ls-time", "0.1"]
    args += ["--reference-cache", str(tmp_path / "ref.csv"), "--out", str(tmp_path / "r")]
    assert _load_script().main(args) == 0
    with (tmp_path / "r.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2
    assert all(float(r["ls_gap"]) <= float(r["gap"]) + 1e-9 for r in rows)
    assert "+ls gap %" in (tmp_path / "r.md").read_text()
