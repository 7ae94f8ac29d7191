"""The built wheel: installed outside the checkout, it finds its bundled instances and policies.

The wheel is built from a copy of the checkout's files (git's tracked and untracked, not ignored)
and installed without dependencies into a new virtual environment that takes them from the
running one through a ``.pth`` file (``venv --system-site-packages`` would give the base
interpreter's packages, not those of the environment running the tests).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

INSTANCE = "X-n101-k25"


def _checkout_copy(target: Path) -> Path:
    """The checkout's files, without what git ignores (build folders, the environment)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment outside the checkout with the wheel installed; its folder."""
    scratch = tmp_path_factory.mktemp("wheel")
    tree = _checkout_copy(scratch / "tree")
    pip = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]
    wheels = scratch / "wheels"
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", str(tree), "-w", str(wheels)],
        check=True,
        capture_output=True,
    )
    env = scratch / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dependencies = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    (Path(site) / "_dependencies.pth").write_text("".join(f"{path}\n" for path in dependencies))
    (wheel,) = wheels.glob("vrpsolve-*.whl")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    return env


def _run(env: Path, *argv: str | Path) -> str:
    """Run a program of ``env`` from a folder outside the checkout; its standard output."""
    outside = env.parent / "elsewhere"
    outside.mkdir(exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VRPSOLVE_INSTANCES")}
    done = subprocess.run(
        [str(part) for part in argv],
        cwd=outside,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def located(installed: Path) -> dict[str, str]:
    """What the installed package says of itself: its file, data folders and a best-known
    value."""
    code = (
        "import json, vrpsolve\n"
        "from vrpsolve.catalog import instances_dir, policies_dir\n"
        "print(json.dumps({'package': vrpsolve.__file__, 'instances': str(instances_dir()),\n"
        f"    'policies': str(policies_dir()), 'bks': vrpsolve.best_known({INSTANCE!r}).value}}))"
    )
    located: dict[str, str] = json.loads(_run(installed, installed / "bin" / "python", "-c", code))
    return located


def test_the_installed_package_finds_its_bundled_data(installed, located):
    """The package, the instances and the policies are the installed ones, not the checkout's."""
    for key in ("package", "instances", "policies"):
        assert Path(located[key]).is_relative_to(installed), located
        assert not Path(located[key]).is_relative_to(ROOT), located
    assert located["bks"] == 27591


@pytest.mark.parametrize("solver", ["pyvrp", "routefinder"])
def test_the_installed_command_solves_a_bundled_instance(installed, located, solver):
    """`vrpsolve solve` of the installed package solves the bundled file, routefinder with the
    bundled policy."""
    path = Path(located["instances"]) / "cvrp" / f"{INSTANCE}.vrp"
    vrpsolve = installed / "bin" / "vrpsolve"
    out = _run(
        installed,
        vrpsolve,
        "solve",
        path,
        "--solver",
        solver,
        "--time-limit",
        1,
        "--format",
        "json",
    )
    record = json.loads(out)
    assert record["solver"] == solver
    assert record["status"] == "feasible"
    assert record["bks"] == 27591
