"""Tests for ``vrpsolve generate``: files, test sets, bad options."""

from __future__ import annotations

import json

import pytest

from vrpsolve.routing.io import read_instance
from vrpsolve_cli.main import main


def test_generate_routing_writes_seeded_json_files(tmp_path, capsys):
    """Two runs with one seed write identical files; the variant is the one asked for."""
    for out in ("a", "b"):
        args = ["generate", "routing", "--variants", "VRPBLTW", "--customers", "8"]
        args += ["--count", "3", "--seed", "4", "--out-dir", str(tmp_path / out)]
        assert main(args) == 0
    files = sorted((tmp_path / "a").iterdir())
    assert len(files) == 3
    for path in files:
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()
    assert read_instance(files[0]).variant in ("VRPBLTW", "VRPLTW")  # B needs a pickup customer
    assert "wrote 3 instance(s)" in capsys.readouterr().out


def test_generate_city_atsp_as_vrplib(tmp_path):
    """ATSP instances sampled from a city are written as explicit-matrix VRPLIB files."""
    args = ["generate", "routing", "--variants", "ATSP", "--source", "city:krems"]
    args += ["--customers", "12", "--count", "2", "--format", "vrplib", "--out-dir", str(tmp_path)]
    assert main(args) == 0
    instance = read_instance(sorted(tmp_path.glob("*.vrp"))[0])
    assert instance.variant == "ATSP" and instance.num_nodes == 13


def test_generate_refuses_bad_options_without_writing(tmp_path, capsys):
    """A bad variant, source or format choice exits with 2, one line, and writes nothing."""
    cases = [
        ["--variants", "VRPX"],
        ["--source", "city:atlantis"],
        ["--variants", "VRPTW", "--source", "asymmetric", "--format", "vrplib"],
        ["--count", "0"],
    ]
    for extra in cases:
        out = tmp_path / "out"
        assert main(["generate", "routing", "--out-dir", str(out), *extra]) == 2
        error = capsys.readouterr().err.strip()
        assert error.startswith("vrpsolve: error:") and "\n" not in error
        assert not out.exists() or not any(out.iterdir())


def test_generate_test_sets_writes_a_manifest(tmp_path):
    """The test-set command writes every set of a suite and a manifest naming them."""
    args = ["generate", "test-sets", "--out-dir", str(tmp_path), "--suites", "cities"]
    assert main([*args, "--sizes", "6", "--count", "2", "--quiet"]) == 0
    entries = json.loads((tmp_path / "manifest.json").read_text())["sets"]
    assert len(entries) == 21 and all((tmp_path / e["path"]).exists() for e in entries)


def test_generate_pfar_writes_solvable_seeded_instances(tmp_path, capsys):
    """`generate pfar` writes seeded PFAR JSON files that `solve` reads and solves."""
    for out in ("a", "b"):
        args = ["generate", "pfar", "--topology", "barabasi_albert", "--nodes", "8"]
        assert main([*args, "--flows", "20", "--count", "2", "--out-dir", str(tmp_path / out)]) == 0
    files = sorted((tmp_path / "a").glob("*.json"))
    assert len(files) == 2
    assert files[0].read_bytes() == (tmp_path / "b" / files[0].name).read_bytes()
    assert main(["solve", str(files[0]), "--solver", "pfar-greedy"]) == 0
    assert "pfar-greedy" in capsys.readouterr().out


@pytest.mark.parametrize("topology", ["rgg", "grid", "Abilene"])
def test_generate_packets_writes_a_network_that_simulate_reads(topology, tmp_path, capsys):
    """`generate packets` writes a packet network (random, the grid or a Topology Zoo one) that
    `info` recognises and `simulate` routes."""
    out = tmp_path / "net.json"
    args = ["generate", "packets", "--topology", topology, "--nodes", "12", "--seed", "2"]
    assert (
        main([*args, "--load", "0.5", "--duration", "300", "--warmup", "0", "--out", str(out)]) == 0
    )
    assert main(["info", str(out)]) == 0
    assert "problem: packet routing" in capsys.readouterr().out
    assert main(["simulate", str(out), "--policy", "packet-shortest-hops", "--format", "json"]) == 0
    assert '"delivered"' in capsys.readouterr().out


def test_generate_packets_refuses_bad_numbers(tmp_path, capsys):
    """A negative load or too few nodes is one line with exit code 2, and no file."""
    out = tmp_path / "net.json"
    assert main(["generate", "packets", "--load", "-1", "--out", str(out)]) == 2
    assert main(["generate", "packets", "--nodes", "1", "--out", str(out)]) == 2
    assert not out.exists() and "Traceback" not in capsys.readouterr().err
