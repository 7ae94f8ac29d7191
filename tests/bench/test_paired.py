"""The paired comparison of two per-instance result files."""

from __future__ import annotations

import csv
import math

import pytest

FIELDS = ("set", "variant", "customers", "instance", "gap")


def _write(path, gaps: dict[tuple[str, int], float]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for (variant, k), gap in gaps.items():
            writer.writerow([f"{variant}.npz", variant, 50, k, gap])


def test_differences_are_summarised_per_variant_and_overall(tmp_path, benchmark_module):
    """Mean, standard error and lower/higher counts of second - first; infinities apart."""
    paired = benchmark_module("paired")
    _write(tmp_path / "a.csv", {("CVRP", 0): 4.0, ("CVRP", 1): 6.0, ("VRPB", 0): 3.0})
    _write(tmp_path / "b.csv", {("CVRP", 0): 3.0, ("CVRP", 1): 3.0, ("VRPB", 0): math.inf})
    rows = paired.compare(tmp_path / "a.csv", tmp_path / "b.csv")
    cvrp, vrpb, every = rows
    assert cvrp["variant"] == "CVRP" and cvrp["pairs"] == 2
    assert cvrp["difference"] == pytest.approx(-2.0)
    assert cvrp["standard error"] == pytest.approx(1.0)  # stdev of (-1, -3) over sqrt(2)
    assert (cvrp["second lower"], cvrp["second higher"], cvrp["not finite"]) == (2, 0, 0)
    assert vrpb["pairs"] == 0 and vrpb["not finite"] == 1
    assert every["variant"] == "all" and every["pairs"] == 2 and every["not finite"] == 1


def test_instances_must_match_unless_common_is_asked(tmp_path, benchmark_module, capsys):
    """Different instance sets are an error (exit 2) naming the file; --common compares the rest."""
    paired = benchmark_module("paired")
    _write(tmp_path / "a.csv", {("CVRP", 0): 4.0})
    _write(tmp_path / "b.csv", {("CVRP", 0): 5.0, ("CVRP", 1): 1.0})
    args = [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]
    assert paired.main(args) == 2
    assert "1 only in" in capsys.readouterr().err
    assert paired.main([*args, "--common", "--out", str(tmp_path / "p.csv")]) == 0
    assert "| all | 1 | 4.000 | 5.000 | 1.000 |" in capsys.readouterr().out
    with (tmp_path / "p.csv").open() as handle:
        assert [r["variant"] for r in csv.DictReader(handle)] == ["CVRP", "all"]


def test_a_value_that_is_not_a_number_names_the_file_and_line(tmp_path, benchmark_module):
    """A malformed cell is reported with its file and line."""
    paired = benchmark_module("paired")
    (tmp_path / "a.csv").write_text("set,variant,instance,gap\ns,CVRP,0,4.0\ns,CVRP,1,oops\n")
    with pytest.raises(ValueError, match=r"a\.csv, line 3: gap 'oops'"):
        paired.read_values(tmp_path / "a.csv", "gap")
