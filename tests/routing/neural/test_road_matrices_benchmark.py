"""The road-matrix comparison runs end to end on city test sets and on a TSPLIB ATSP."""

from __future__ import annotations

import csv
import importlib
import math
from pathlib import Path

import pytest
import torch

from vrpsolve.routing.datasets import build_fixed_sets, fixed_sets
from vrpsolve.routing.neural.checkpoints import Checkpoint, save_checkpoint
from vrpsolve.routing.neural.model import ModelConfig, RoutingPolicy
from vrpsolve.routing.neural.rrnco import RRNCOConfig, RRNCOPolicy

ROOT = Path(__file__).resolve().parents[3]


def _import(name: str):
    """A module of the repository's ``benchmarks`` package, which a bare `pytest` cannot see."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(ROOT))
        return importlib.import_module(name)


script = _import("benchmarks.road_matrices")
matnet = _import("benchmarks.matnet")


@pytest.fixture(scope="module")
def policies(tmp_path_factory):
    """Untrained tiny RRNCO, RouteFinder and MatNet checkpoints."""
    where = tmp_path_factory.mktemp("policies")
    torch.manual_seed(0)
    small = {"embed_dim": 16, "num_layers": 1, "num_heads": 2, "ff_hidden": 16}
    save_checkpoint(Checkpoint(RRNCOPolicy(RRNCOConfig(**small)), {}, {}), where / "rrnco.pt")
    save_checkpoint(Checkpoint(RoutingPolicy(ModelConfig(**small)), {}, {}), where / "rf.pt")
    settings = matnet.MatNetSettings(customers=5, embed_dim=16, num_layers=1, num_heads=2)
    matnet.save_matnet(where / "matnet.pt", matnet.make_policy(settings), settings, {})
    return where


def _read(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_city_table_has_every_method_and_group(tmp_path, policies, capsys):
    """Both city groups and problems get rows; ATSP-only methods only on ATSP; LKH is optimal."""
    wanted = {("city:monaco", "ATSP"), ("city:monaco", "ACVRP"), ("city:krems", "ATSP")}
    sets = [s for s in fixed_sets(("cities",), (5,), count=2) if (s.source, s.variant) in wanted]
    manifest = build_fixed_sets(tmp_path / "sets", sets)
    args = ["--manifest", str(manifest), "--sizes", "5", "--cities", "monaco,krems"]
    args += ["--instances", "2", "--reference-time", "0.05", "--ls-time", "0.2"]
    args += ["--rrnco", str(policies / "rrnco.pt"), "--routefinder", str(policies / "rf.pt")]
    args += ["--matnet", str(policies / "matnet.pt"), "--strategy", "multistart"]
    args += ["--reference-cache", str(tmp_path / "ref.csv"), "--out", str(tmp_path / "t")]
    assert script.main(args) == 0
    assert "PyVRP on 6 instance(s)" in capsys.readouterr().err
    rows = _read(tmp_path / "t.csv")
    methods: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        methods.setdefault((row["city"], row["problem"]), set()).add(row["method"])
    every = {"rrnco", "rrnco+ls", "routefinder", "matnet", "lkh"}
    assert methods == {
        ("monaco", "ATSP"): every,
        ("krems", "ATSP"): every,
        ("monaco", "ACVRP"): every - {"matnet", "lkh"},
    }
    assert all(math.isfinite(float(r["cost"])) for r in rows)
    for row in rows:
        if row["method"] in ("lkh", "rrnco+ls"):  # 5 customers: both find the optimum
            assert abs(float(row["gap"])) < 0.01
    table = (tmp_path / "t.md").read_text()
    assert "| held-out | ATSP | 2 |" in table and "| in-dist | ACVRP | 2 | " in table
    assert script.main(args) == 0  # the references now come from the cache
    assert "PyVRP on" not in capsys.readouterr().err


def test_tsplib_gaps_are_to_the_optimum(tmp_path, policies):
    """On br17 (optimum 39) LKH's gap is 0, and no method beats the optimum."""
    args = ["--tsplib", "--names", "br17", "--rrnco", str(policies / "rrnco.pt")]
    args += ["--reference-time", "0.1", "--ls-time", "0.2", "--strategy", "greedy"]
    args += ["--reference-cache", str(tmp_path / "ref.csv"), "--out", str(tmp_path / "b")]
    assert script.main(args) == 0
    rows = {r["method"]: r for r in _read(tmp_path / "b.csv")}
    assert set(rows) == {"rrnco", "rrnco+ls", "lkh", "pyvrp"}
    assert float(rows["lkh"]["cost"]) == 39.0 and float(rows["lkh"]["gap"]) == 0.0
    assert all(float(r["cost"]) >= 39.0 and r["reference"] == "39.0" for r in rows.values())
    assert "| mean |" in (tmp_path / "b.md").read_text()


def test_lkh_scales_a_float_matrix_and_returns_every_node():
    """A non-integral matrix is rounded at LKH_RESOLUTION; the tour is a permutation."""
    from vrpsolve.routing.convert import to_routing_instance
    from vrpsolve.routing.generators import RoutingGenerator, make_source

    td = RoutingGenerator(7, ["ATSP"], source=make_source("city:krems"))(1, seed=1)
    instance = to_routing_instance(td, 0)
    assert sorted(script.lkh_tour(instance, runs=1)) == list(range(8))
