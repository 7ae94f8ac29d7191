"""The core install: vrpsolve without its extras, and a start that imports no engine.

Each check runs in a fresh interpreter; the extras' modules are blocked there
(``sys.modules[name] = None`` makes importing them fail as if they were not installed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

EXTRA_MODULES = (
    "torch",
    "tensordict",
    "rl4co",
    "osmnx",
    "pyrosm",
    "hnswlib",
    "sklearn",
    "gymnasium",
    "pettingzoo",
    "ray",
    "sb3_contrib",
)
"""What the extras install (``neural``, ``osm``, ``graphs``, ``rl``, ``ray``, ``dev``)."""

ENGINES = ("torch", "pyvrp", "ortools", "pulp", "highspy", "numba")
"""Engines that listing solvers or the command's help must not import."""

NEURAL = {"routefinder", "routefinder+ls", "rrnco", "rrnco+ls", "graph-learned", "path-learned"}
"""The solvers that need the ``neural`` extra."""

HINT = "torch is not installed: pip install 'vrpsolve[neural]'"

BLOCK = f"import sys\nfor name in {EXTRA_MODULES!r}:\n    sys.modules[name] = None\n"


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter from the repository root."""
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


READ_ALL = """
import json
from pathlib import Path
import vrpsolve
families = [family.name for family in vrpsolve.families()]
read, missing = [], []
for path in sorted([*Path("instances").rglob("*"), *Path("tests/data").rglob("*")]):
    if path.is_file():
        try:
            vrpsolve.read_instance(path)
            read.append(str(path))
        except ImportError as error:
            missing.append(f"{path}: {error}")
        except (ValueError, OSError):
            pass  # not an instance file
solvers = {info.name: info.reason for info in vrpsolve.list_solvers()}
print(json.dumps({"families": families, "read": read, "missing": missing, "solvers": solvers}))
"""
"""Read every file of ``instances/`` and ``tests/data/`` that is an instance; list solvers."""


def test_the_core_reads_every_file_and_lists_what_needs_an_extra():
    """Without the extras every family's descriptor loads, every bundled or test file reads as
    it does with them, and exactly the neural solvers are unavailable, saying how to fix it."""
    core, full = run_python(BLOCK + READ_ALL), run_python(READ_ALL)
    assert core.returncode == 0, core.stderr
    assert full.returncode == 0, full.stderr
    found, reference = json.loads(core.stdout), json.loads(full.stdout)
    assert len(found["families"]) == 5
    assert found["missing"] == []
    assert found["read"] == reference["read"]
    assert len(found["read"]) > 100
    unavailable = {name: reason for name, reason in found["solvers"].items() if reason}
    assert unavailable == dict.fromkeys(NEURAL, HINT)
    assert not any(reference["solvers"].values())


@pytest.mark.parametrize(
    ("path", "solver"),
    [
        ("instances/cvrp/E-n13-k4.vrp", "pyvrp"),
        ("instances/cvrp/E-n13-k4.vrp", "savings"),
        ("tests/data/regression/flows.json", "pfar-greedy"),
        ("tests/data/regression/packets.json", "packet-shortest-hops"),
        ("tests/data/regression/search.npz", "graph-beam"),
        ("tests/data/regression/paths.npz", "path-greedy"),
        ("instances/paths/monaco-q100-s1.npz", "path-greedy"),
    ],
)
def test_solvers_without_an_extra_solve_without_the_extras(path, solver):
    """The solvers that need no extra solve with every extra's modules missing."""
    code = BLOCK + (
        "import vrpsolve\n"
        f"result = vrpsolve.solve(vrpsolve.read_instance({path!r}), {solver!r}, time_limit=1)\n"
        "print(result.status.value)\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["feasible"]


def test_a_solver_without_its_extra_is_bad_input_with_the_fix():
    """`vrpsolve solve --solver routefinder` without torch exits 2 with the pip command, and
    `vrpsolve solvers` lists the solver as unavailable with it."""
    main = "from vrpsolve_cli.main import main\n"
    solve = "sys.exit(main(['solve', 'instances/cvrp/E-n13-k4.vrp', '--solver', 'routefinder']))"
    done = run_python(BLOCK + main + solve)
    assert done.returncode == 2
    assert done.stderr.strip().endswith(HINT)
    listed = run_python(BLOCK + main + "sys.exit(main(['solvers']))")
    assert listed.returncode == 0, listed.stderr
    assert "routefinder: neural multi-task" in listed.stdout
    assert f"[unavailable ({HINT})]" in listed.stdout


@pytest.mark.parametrize("argv", [["--help"], ["solvers"], ["solvers", "--verbose"]])
def test_the_command_starts_without_importing_an_engine(argv):
    """`vrpsolve --help` and `vrpsolve solvers` import none of the engines."""
    code = (
        "import contextlib, io, sys\n"
        "from vrpsolve_cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main({argv!r})\n"
        f"print(sorted(set({ENGINES!r}) & set(sys.modules)))\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
