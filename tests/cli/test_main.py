"""Tests for the vrpsolve command: output formats, exit codes and bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import vrpsolve
from vrpsolve.catalog import instances_dir
from vrpsolve_cli.main import main
from vrpsolve_cli.options import solver_options

E13 = instances_dir() / "cvrp" / "E-n13-k4.vrp"
E13_SOL = instances_dir() / "cvrp" / "E-n13-k4.sol"
P16 = instances_dir() / "cvrp" / "P-n16-k8.vrp"

SMALL_CVRP = """NAME : small
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 0 10
3 10 0
4 10 10
DEMAND_SECTION
1 0
2 4
3 4
4 4
DEPOT_SECTION
1
-1
EOF
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command in-process; return the exit code, stdout and stderr."""
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write a text file under tmp_path."""
    path = tmp_path / name
    path.write_text(text)
    return path


def test_solve_json_has_the_documented_fields(capsys):
    """`solve --format json` prints one object per instance with the documented keys."""
    argv = ["solve", str(E13), str(P16), "--solver", "pyvrp", "--time-limit", "1"]
    code, out, _ = run([*argv, "--format", "json"], capsys)
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["instance"] for r in records] == ["E-n13-k4", "P-n16-k8"]
    keys = {"instance", "solver", "cost", "feasible", "status", "runtime", "violations", "routes"}
    for record in records:
        assert keys <= record.keys()
        assert record["feasible"] and record["status"] in ("feasible", "optimal")
        assert record["cost"] >= record["bks"]


def test_solve_writes_a_solution_that_eval_accepts(tmp_path, capsys):
    """A solution written by `solve --out` evaluates to the reported cost."""
    out_path = tmp_path / "e13.sol"
    argv = ["solve", str(E13), "--time-limit", "1", "--out", str(out_path), "--format", "json"]
    code, out, _ = run(argv, capsys)
    assert code == 0
    cost = json.loads(out)["cost"]
    code, out, _ = run(["eval", str(E13), str(out_path), "--format", "json"], capsys)
    assert code == 0
    record = json.loads(out)
    assert record["feasible"] and record["cost"] == cost


def test_solve_sol_dir_writes_one_file_per_instance(tmp_path, capsys):
    """`--sol-dir` writes NAME.sol for every instance and the table names each."""
    argv = ["solve", str(E13), str(P16), "--time-limit", "0.5", "--sol-dir", str(tmp_path)]
    code, out, _ = run(argv, capsys)
    assert code == 0 and "E-n13-k4" in out and "P-n16-k8" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["E-n13-k4.sol", "P-n16-k8.sol"]


def test_eval_of_shipped_solution_reproduces_best_known(capsys):
    """`eval` of the bundled optimal solution gives the best-known cost."""
    code, out, _ = run(["eval", str(E13), str(E13_SOL), "--format", "json"], capsys)
    record = json.loads(out)
    assert code == 0 and record["feasible"] and record["cost"] == record["bks"] == 247


def test_info_and_solvers(capsys):
    """`info` names the variant and `solvers` lists both engines."""
    code, out, _ = run(["info", str(E13)], capsys)
    assert code == 0 and "CVRP" in out and "247" in out
    code, out, _ = run(["solvers"], capsys)
    assert code == 0 and "pyvrp" in out and "ortools" in out


def test_unknown_solver_is_bad_input(capsys):
    """An unknown solver name exits 2 with the known names."""
    code, _, err = run(["solve", str(E13), "--solver", "nope"], capsys)
    assert code == 2 and "pyvrp" in err


def test_bad_time_limit_is_bad_input(capsys):
    """A non-positive time limit exits 2."""
    code, _, err = run(["solve", str(E13), "--time-limit", "0"], capsys)
    assert code == 2 and "time-limit" in err


def test_solver_options_are_text_that_the_solver_converts(capsys):
    """`--option` values stay text; the solver's declared options convert and check them."""
    assert solver_options(["samples=8", "shaping=false", "policy=rrnco-atsp50"]) == {
        "samples": "8",
        "shaping": "false",
        "policy": "rrnco-atsp50",
    }
    argv = ["solve", str(E13), "--solver", "routefinder", "--format", "json"]
    code, out, _ = run(
        [*argv, "--option", "strategy=greedy", "--option", "policy=routefinder-n50"], capsys
    )
    assert code == 0 and json.loads(out)["feasible"]
    code, out, _ = run([*argv, "--option", "strategy=sampling", "--option", "samples=2"], capsys)
    assert code == 0 and json.loads(out)["stats"]["strategy"] == "sampling"
    code, _, err = run([*argv, "--option", "policy=no-such-policy"], capsys)
    assert code == 2 and "no-such-policy.pt" in err
    code, _, err = run([*argv, "--option", "strategy=fastest"], capsys)
    assert code == 2 and "fastest" in err and "greedy, multistart, augment, sampling" in err
    code, _, err = run([*argv, "--option", "samples=two"], capsys)
    assert code == 2 and "option 'samples' of 'routefinder' must be an integer >= 1" in err


@pytest.mark.parametrize(
    ("solver", "valid"),
    [("pyvrp", "its options: none (it takes no options)"), ("ga", "max_iterations, granularity")],
)
def test_an_unknown_solver_option_exits_2_naming_the_valid_keys(solver, valid, capsys):
    """`--option foo=bar` is refused in one line that names the solver and its valid keys."""
    code, out, err = run(["solve", str(E13), "--solver", solver, "--option", "foo=bar"], capsys)
    assert code == 2 and out == ""
    expected = f"vrpsolve: error: solver {solver!r} has no option 'foo'; its options: "
    assert err.startswith(expected)
    assert valid in err and len(err.strip().splitlines()) == 1


def test_threads_on_the_ilp_is_a_clean_bad_input(capsys):
    """`--option threads=4` on ilp exits 2 with one line naming ilp's real option, not a crash."""
    code, _, err = run(["solve", str(E13), "--solver", "ilp", "--option", "threads=4"], capsys)
    assert code == 2 and "internal error" not in err
    assert (
        err.strip() == "vrpsolve: error: solver 'ilp' has no option 'threads'; its options: backend"
    )


def test_a_bad_option_value_exits_2_before_any_work(capsys):
    """A value outside an option's choices exits 2 naming the choices."""
    argv = ["solve", str(E13), "--solver", "ilp", "--option", "backend=gurobi"]
    code, _, err = run(argv, capsys)
    assert code == 2 and "option 'backend' of 'ilp' must be one of highs, cbc, got 'gurobi'" in err


def test_solvers_verbose_lists_each_solvers_options_with_defaults(capsys):
    """`solvers --verbose` lists options with type, default, help, choices; `solvers` does not."""
    code, out, _ = run(["solvers", "--verbose"], capsys)
    assert code == 0
    assert "samples (int >= 1, default 64): rollouts of the sampling strategy" in out
    assert "ef (int >= 1, default 32): beam width" in out
    assert "shaping (bool, default true)" in out
    assert "choices: greedy, multistart, augment, sampling" in out
    pyvrp = out.split("pyvrp:", 1)[1].split("\nortools:", 1)[0]
    assert "options: none" in pyvrp
    code, out, _ = run(["solvers"], capsys)
    assert code == 0 and "samples" not in out and "options" not in out


@pytest.mark.parametrize("pair", ["strategy", "=greedy", "strategy="])
def test_malformed_solver_option_exits_2(pair, capsys):
    """An --option that is not KEY=VALUE exits 2 naming it."""
    code, _, err = run(["solve", str(E13), "--option", pair], capsys)
    assert code == 2 and "KEY=VALUE" in err and repr(pair) in err


BAD_INSTANCES = {
    "empty": "",
    "truncated": SMALL_CVRP.split("3 10 0")[0],
    "dimension": SMALL_CVRP.replace("DIMENSION : 4", "DIMENSION : 5"),
    "negative_demand": SMALL_CVRP.replace("2 4\n", "2 -4\n"),
    "too_heavy": SMALL_CVRP.replace("2 4\n", "2 40\n"),
    "unknown_section": SMALL_CVRP.replace("DEPOT_SECTION", "FOO_SECTION\n1 2\nDEPOT_SECTION"),
}


@pytest.mark.parametrize("case", sorted(BAD_INSTANCES))
def test_bad_instance_exits_2_with_one_line(case, tmp_path, capsys):
    """Each kind of bad instance file exits 2 with one line naming the file, writing nothing."""
    path = write(tmp_path, f"{case}.vrp", BAD_INSTANCES[case])
    out_path = tmp_path / "out.sol"
    code, out, err = run(["solve", str(path), "--out", str(out_path)], capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and str(path) in err
    assert not out_path.exists()


def test_one_bad_file_among_several_solves_nothing(tmp_path, capsys):
    """With one bad file among several, nothing is solved or written."""
    bad = write(tmp_path, "bad.vrp", BAD_INSTANCES["negative_demand"])
    sol_dir = tmp_path / "sols"
    sol_dir.mkdir()
    code, out, err = run(["solve", str(E13), str(bad), "--sol-dir", str(sol_dir)], capsys)
    assert code == 2 and out == "" and str(bad) in err
    assert list(sol_dir.iterdir()) == []


def test_missing_file_exits_2(tmp_path, capsys):
    """A file that does not exist exits 2 naming it."""
    missing = tmp_path / "nothere.vrp"
    code, _, err = run(["info", str(missing)], capsys)
    assert code == 2 and str(missing) in err


def test_unreachable_time_window_exits_2(tmp_path, capsys):
    """A customer whose window closes before any vehicle can arrive is bad input."""
    lines = (instances_dir() / "vrptw" / "C101.txt").read_text().splitlines()
    for i, line in enumerate(lines):
        fields = line.split()
        if fields and fields[0] == "5" and len(fields) == 7:  # customer 5, away from the depot
            fields[4], fields[5] = "0", "1"
            lines[i] = "  ".join(fields)
            break
    path = write(tmp_path, "C101.txt", "\n".join(lines) + "\n")
    code, _, err = run(["info", str(path)], capsys)
    assert code == 2 and str(path) in err and "window" in err


def test_solution_naming_missing_node_exits_2(tmp_path, capsys):
    """A solution with a node the instance lacks exits 2 naming the solution file."""
    sol = write(tmp_path, "bad.sol", "Route #1: 1 2 3 99\nCost 10\n")
    code, _, err = run(["eval", str(E13), str(sol)], capsys)
    assert code == 2 and str(sol) in err


def test_solution_for_another_instance_exits_2(capsys):
    """The solution file of a larger instance is refused when evaluated on a smaller one."""
    other = instances_dir() / "cvrp" / "A-n32-k5.sol"
    code, _, err = run(["eval", str(E13), str(other)], capsys)
    assert code == 2 and str(other) in err


def test_installed_command_exit_codes(tmp_path):
    """The installed `vrpsolve` script exits 0 on success and 2 on a missing file."""
    exe = shutil.which("vrpsolve", path=str(Path(sys.executable).parent))
    assert exe is not None
    ok = subprocess.run([exe, "solvers"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0
    missing = str(tmp_path / "x.vrp")
    bad = subprocess.run([exe, "info", missing], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and missing in bad.stderr


def test_solve_jobs_keeps_file_order_and_outputs(tmp_path, capsys):
    """`solve --jobs 2` solves in a process pool, keeping file order, records and solutions."""
    argv = ["solve", str(P16), str(E13), "--solver", "pyvrp", "--time-limit", "0.5"]
    argv += ["--jobs", "2", "--format", "json", "--sol-dir", str(tmp_path)]
    code, out, _ = run(argv, capsys)
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["instance"] for r in records] == ["P-n16-k8", "E-n13-k4"]
    assert all(r["feasible"] and r["cost"] >= r["bks"] and r["routes"] for r in records)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["E-n13-k4.sol", "P-n16-k8.sol"]
    solution = str(tmp_path / "E-n13-k4.sol")
    code, out, _ = run(["eval", str(E13), solution, "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["cost"] == records[1]["cost"]
    code, _, err = run(["solve", str(E13), "--jobs", "2", "--solver", "nope"], capsys)
    assert code == 2 and "unknown solver" in err


def test_json_output_is_clean_with_the_exact_solver():
    """`solve --format json` prints only JSON lines even when a MILP backend runs."""
    exe = shutil.which("vrpsolve", path=str(Path(sys.executable).parent))
    assert exe is not None
    argv = [exe, "solve", str(instances_dir() / "atsp" / "br17.atsp"), "--format", "json"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["solver"], r["status"], r["cost"]) for r in records] == [("ilp", "optimal", 39)]


@pytest.mark.parametrize(
    "argv",
    [
        ["solve", str(E13), "--solver", "pyvrp", "--seed", "-1"],
        ["solve", str(E13), "--seed", str(2**32)],
        ["eval", str(E13), str(E13_SOL), "--seed", "-5"],
        [
            *("bench", "--solvers", "pyvrp", "--instances", str(E13), "--time-limits", "1"),
            *("--seeds", "1,-2", "--out-dir", "unused"),
        ],
        ["generate", "pfar", "--out-dir", "unused", "--seed", "-3"],
    ],
)
def test_a_seed_out_of_range_is_a_one_line_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "seed must be an integer from 0 to 4294967295" in err[0]


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_solve_refuses_a_seed_out_of_range(seed: int) -> None:
    instance = vrpsolve.read_instance(E13)
    with pytest.raises(ValueError, match=str(seed)):
        vrpsolve.solve(instance, "pyvrp", seed=seed)
