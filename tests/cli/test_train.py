"""Tests for ``vrpsolve train SOLVER``: each learned solver trains a tiny run whose checkpoint
its solver then uses, with a learning curve; resume or refusal of an existing --out; --seed
determinism; one-line errors that leave nothing behind; and ``export-policy``."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from vrpsolve_cli.main import main

ROUTING = ["--customers", "5", "--batch-size", "2", "--validation-size", "2"]
ROUTING += ["--reference-time", "0.05", "--embed-dim", "8", "--num-layers", "1"]
ROUTING += ["--num-heads", "2", "--ff-hidden", "8", "--quiet"]
"""A routing model and training run of a fraction of a second."""


def _curve(path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _weights(path) -> dict[str, torch.Tensor]:
    payload = torch.load(path, weights_only=True)
    return payload["weights"] if "weights" in payload else payload["state_dict"]


def _same_weights(a, b) -> bool:
    first, second = _weights(a), _weights(b)
    return first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Small instance files of the learned solvers' families, written by `generate`."""
    folder = tmp_path_factory.mktemp("train")
    made = {
        "cvrp": ["routing", "--customers", "5", "--count", "1", "--out-dir", str(folder)],
        "packets": ["packets", "--nodes", "8", "--duration", "200", "--load", "1"],
        "search": ["graph-search", "--num-base", "300", "--num-queries", "20", "--num-train"],
        "paths": ["path-query", "--nodes", "50", "--queries", "24"],
    }
    made["search"] += ["40", "--dim", "8", "--m", "6", "--budget", "64"]
    paths = {"packets": "net.json", "search": "search.npz", "paths": "paths.npz"}
    for key, argv in made.items():
        out = [] if key == "cvrp" else ["--out", str(folder / paths[key])]
        assert main(["generate", *argv, *out]) == 0
    found = {key: str(folder / name) for key, name in paths.items()}
    found["cvrp"] = str(next(folder.glob("*.json")))
    return found


# -- routing -------------------------------------------------------------------------------------
def test_routefinder_trains_resumes_and_its_policy_solves(files, tmp_path, capsys):
    """A run writes the checkpoint and its curve; a second run resumes it and appends; the
    solver routes with it; the same seed gives the same weights."""
    out, twin = tmp_path / "rf.pt", tmp_path / "twin.pt"
    assert main(["train", "routefinder", "--out", str(out), "--steps", "2", *ROUTING]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith(f"wrote {out}") and "step 2, validation gap" in last
    header, rows = _curve(tmp_path / "rf.curve.csv")
    assert header == ["step", "seconds", "loss", "mean_cost", "validation_gap"] and len(rows) == 1
    assert main(["train", "routefinder", "--out", str(twin), "--steps", "2", *ROUTING]) == 0
    assert _same_weights(out, twin)
    assert main(["train", "routefinder", "--out", str(out), "--steps", "3", *ROUTING]) == 0
    assert [row["step"] for row in _curve(tmp_path / "rf.curve.csv")[1]] == ["2", "3"]
    argv = ["solve", files["cvrp"], "--solver", "routefinder", "--option", f"policy={out}"]
    capsys.readouterr()
    assert main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["feasible"]
    exported = tmp_path / "policy.pt"
    assert main(["export-policy", str(out), str(exported)]) == 0
    assert exported.stat().st_size < out.stat().st_size


def test_routefinder_refuses_bad_settings_and_writes_nothing(tmp_path, capsys):
    """A misspelt config key, another model's config, a bad bonus or device: exit 2, one line."""
    out = tmp_path / "d.pt"
    args = ["train", "routefinder", "--out", str(out), "--steps", "1", *ROUTING]
    config = tmp_path / "c.json"
    bad = {
        "batch_sise": ['{"batch_sise": 4}', "--config"],
        "'rrnco' config": ['{"model": "rrnco"}', "--config"],
    }
    for message, (text, option) in bad.items():
        config.write_text(text)
        assert main([*args, option, str(config)]) == 2
        assert message in capsys.readouterr().err
    unusable = ["gpu0", "cuda:99"] if torch.cuda.is_available() else ["gpu0", "cuda"]
    bad_options = [("--leader-bonus", bonus, "--leader-bonus") for bonus in ("-1", "inf")]
    bad_options += [("--device", device, f"device {device!r}") for device in unusable]
    for option, value, message in bad_options:
        assert main([*args, option, value]) == 2
        assert message in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "d.curve.csv").exists()


def test_rrnco_trains_on_city_matrices(tmp_path, capsys):
    """`train rrnco` trains the road-matrix policy; its checkpoint holds an RRNCO policy; a
    config without "model" is a routefinder one, refused."""
    from vrpsolve.routing.neural.checkpoints import load_checkpoint
    from vrpsolve.routing.neural.rrnco import RRNCOPolicy

    out = tmp_path / "r.pt"
    args = ["train", "rrnco", "--out", str(out), "--steps", "1", "--variants", "TSP,CVRP"]
    assert main([*args, "--source", "cities:train", *ROUTING]) == 0
    assert isinstance(load_checkpoint(out).policy, RRNCOPolicy)
    config = tmp_path / "c.json"
    config.write_text('{"customers": 5}')  # no "model": a routefinder config
    assert main([*args, "--restart", "--config", str(config)]) == 2
    assert "a 'routefinder' config" in capsys.readouterr().err


def test_train_fine_tunes_with_and_without_adapter_attributes(tmp_path, capsys):
    """--init alone fine-tunes a policy; with --add-attributes it extends it for a new variant."""
    from vrpsolve.routing.neural.checkpoints import load_checkpoint

    base, plain, tuned = tmp_path / "base.pt", tmp_path / "plain.pt", tmp_path / "tuned.pt"
    assert main(["train", "routefinder", "--out", str(base), "--steps", "1", *ROUTING]) == 0
    init = ["--init", str(base), "--steps", "1", *ROUTING]
    assert main(["train", "routefinder", "--out", str(plain), *init]) == 0
    assert load_checkpoint(plain).policy.attributes == load_checkpoint(base).policy.attributes
    args = ["train", "routefinder", "--out", str(tuned), "--variants", "VRPMB", *init]
    assert main([*args, "--add-attributes", "mixed_backhaul"]) == 0
    assert load_checkpoint(tuned).policy.attributes[-1] == "mixed_backhaul"
    assert main([*args, "--restart", "--add-attributes", "warp_drive"]) == 2
    assert "warp_drive" in capsys.readouterr().err


# -- packets -------------------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["q-routing", "olpomdp"])
def test_packet_policies_train_resume_and_route(solver, files, tmp_path, capsys):
    """A run saves the policy and one curve row per window; a longer --duration continues it;
    `solve --option policy=` routes with it untrained; the same seed gives the same tables."""
    from vrpsolve.packets.learning import read_policy_file

    out = tmp_path / f"{solver}.npz"
    args = ["train", solver, files["packets"], "--out", str(out), "--quiet"]
    assert main([*args, "--duration", "100", "--window", "25"]) == 0
    assert "100 time units trained" in capsys.readouterr().out
    header, rows = _curve(tmp_path / f"{solver}.curve.csv")
    assert header == ["time", "seconds", "mean_delivery_time", "delivered", "dropped"]
    assert [row["time"] for row in rows] == ["25", "50", "75", "100"]
    assert main([*args, "--duration", "150", "--window", "25"]) == 0
    assert _curve(tmp_path / f"{solver}.curve.csv")[1][-1]["time"] == "150"
    argv = ["solve", files["packets"], "--solver", solver, "--option", f"policy={out}"]
    capsys.readouterr()
    assert main([*argv, "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["stats"]["policy"] == str(out) and record["delivered"] > 0
    twin = tmp_path / "twin.npz"
    assert main(["train", solver, files["packets"], "--out", str(twin), "--quiet"]) == 0
    again = tmp_path / "again.npz"
    assert main(["train", solver, files["packets"], "--out", str(again), "--quiet"]) == 0
    (_, first), (_, second) = read_policy_file(twin), read_policy_file(again)
    assert all(np.array_equal(first[k], second[k]) for k in first)


def test_packet_resume_refuses_another_kind_or_parameters(files, tmp_path, capsys):
    """An --out of the other policy kind, or other parameters than it was saved with: exit 2."""
    out = tmp_path / "q.npz"
    argv = ["train", "q-routing", files["packets"], "--out", str(out), "--quiet"]
    assert main([*argv, "--duration", "20"]) == 0
    assert main(["train", "olpomdp", files["packets"], "--out", str(out)]) == 2
    assert "a 'q-routing' policy, not 'olpomdp'" in capsys.readouterr().err
    assert main([*argv, "--learning-rate", "0.9"]) == 2
    assert "--restart" in capsys.readouterr().err
    assert main([*argv, "--learning-rate", "0.9", "--restart"]) == 0


# -- graphs --------------------------------------------------------------------------------------
def test_graph_learned_trains_refuses_to_overwrite_and_routes(files, tmp_path, capsys):
    """The checkpoint routes the file's queries; an existing --out needs --restart; the same
    seed gives the same weights."""
    out = tmp_path / "g.pt"
    args = ["train", "graph-learned", files["search"], "--steps", "2", "--out-dim", "4"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    assert "validation Recall@1" in capsys.readouterr().out
    header, rows = _curve(tmp_path / "g.curve.csv")
    assert header == ["step", "seconds", "loss", "validation_recall_at_1"]
    assert [row["step"] for row in rows] == ["0", "2"]
    before = out.read_bytes()
    assert main([*args, "--out", str(out)]) == 2
    assert "--restart" in capsys.readouterr().err and out.read_bytes() == before
    assert main([*args, "--out", str(out), "--restart", "--quiet"]) == 0
    assert len(_curve(tmp_path / "g.curve.csv")[1]) == 2  # a new curve, not appended
    twin = tmp_path / "twin.pt"
    assert main([*args, "--out", str(twin), "--quiet"]) == 0
    assert _same_weights(out, twin)
    argv = ["solve", files["search"], "--solver", "graph-learned", "--option", f"policy={out}"]
    capsys.readouterr()
    assert main([*argv, "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["solver"] == "graph-learned" and record["max_dcs"] <= 64


@pytest.mark.parametrize("source", ["rgg", "paths"])
def test_path_learned_trains_on_a_network_or_a_file_and_routes(source, files, tmp_path, capsys):
    """From a random geometric graph or a path-query file; the policy routes the file's
    queries; the same seed gives the same weights."""
    sized = ["rgg", "--nodes", "50", "--queries", "24"] if source == "rgg" else [files["paths"]]
    args = ["train", "path-learned", *sized, "--steps", "2", "--quiet"]
    out, twin = tmp_path / "p.pt", tmp_path / "twin.pt"
    assert main([*args, "--out", str(out)]) == 0 and main([*args, "--out", str(twin)]) == 0
    assert _same_weights(out, twin)
    header, rows = _curve(tmp_path / "p.curve.csv")
    assert header[:4] == ["step", "seconds", "loss", "validation_success_rate"] and rows
    argv = ["solve", files["paths"], "--solver", "path-learned", "--option", f"policy={out}"]
    capsys.readouterr()
    assert main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["queries"] == 24


# -- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["routefinder", "--steps", "-1"], "--steps must be positive"),
        (["routefinder", "--minutes", "0"], "--minutes must be positive"),
        (["routefinder", "--config", "missing.json"], "missing.json: cannot read"),
        (["routefinder", "--init", "{search}"], "not a vrpsolve"),
        (["rrnco", "--init", "missing.pt"], "missing.pt: not a vrpsolve"),
        (["q-routing", "missing.json"], "missing.json"),
        (["q-routing", "{cvrp}"], "not a packet network"),
        (["olpomdp", "{packets}", "--duration", "-5"], "--duration must be a positive number"),
        (["olpomdp", "{packets}", "--step-size", "0"], "step_size must be positive"),
        (["graph-learned", "missing.npz"], "missing.npz"),
        (["graph-learned", "{paths}"], "must be 'vrpsolve-graph-search'"),
        (["graph-learned", "{search}", "--steps", "-3"], "--steps must be at least 1"),
        (["path-learned", "{search}"], "must be 'vrpsolve-path-query'"),
        (["path-learned", "atlantis"], "atlantis: no shipped OSM extract"),
        (["path-learned", "rgg", "--nodes", "1"], "--nodes must be at least 2"),
        (["path-learned", "{paths}", "--queries", "9"], "brings its network and queries"),
        (["path-learned", "rgg", "--out", "no/such/dir/x.pt"], "folder of --out"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(argv, message, files, tmp_path, capsys):
    """Each error names the file or option, exits with 2, prints no traceback and leaves no
    checkpoint or curve behind."""
    argv = [arg.format(**files) for arg in argv]
    out = [] if "--out" in argv else ["--out", str(tmp_path / "x.pt")]
    capsys.readouterr()
    assert main(["train", *argv, *out]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
