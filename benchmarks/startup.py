"""Time the command's start: ``import vrpsolve``, ``vrpsolve --help`` and ``vrpsolve solvers``.

Each source tree (the working tree, and any ``--rev`` of the repository exported beside it) is
built as a wheel and installed into its own virtual environment that takes every dependency from
the running one, so that all trees are measured the same way, installed, from a folder outside
the checkout. The commands run in turn, tree after tree, ``--repeats`` times; the table gives each
one's median and fastest wall-clock time and its median over that of ``import vrpsolve``::

    .venv/bin/python -m benchmarks.startup --repeats 15 --rev HEAD~1 --out results/startup.csv
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.output import write_csv

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = {
    "import vrpsolve": ["{python}", "-c", "import vrpsolve"],
    "vrpsolve --help": ["{script}", "--help"],
    "vrpsolve solvers": ["{script}", "solvers"],
}
"""What is timed, by label; ``{python}`` and ``{script}`` are the environment's."""

FIELDS = ("tree", "command", "repeats", "median_s", "min_s", "vs_import")


def install(tree: Path, work: Path) -> Path:
    """Build ``tree`` as a wheel and install it into a new environment under ``work`` whose
    dependencies are those of the running interpreter; the environment's ``bin`` folder."""
    wheels = work / "wheels"
    run = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]
    subprocess.run(
        [*run, "wheel", "--no-deps", "--no-build-isolation", str(tree), "-w", wheels],
        check=True,
        capture_output=True,
        cwd=work,
    )
    env = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", env], check=True)
    python = env / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    here = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(site) / "_dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(here)))
    (wheel,) = wheels.glob("vrpsolve-*.whl")
    subprocess.run([*run, "--python", python, "install", "--no-deps", wheel], check=True)
    return env / "bin"


def export(rev: str, work: Path) -> Path:
    """The repository's tree at ``rev``, written under ``work``."""
    tree = work / "tree"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", ROOT, "archive", rev], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", tree], input=archive.stdout, check=True)
    return tree


def wall_time(argv: list[str], cwd: Path) -> float:
    """Seconds ``argv`` takes from start to exit (its output discarded)."""
    begin = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - begin


def measure(envs: dict[str, Path], repeats: int, cwd: Path) -> list[dict[str, object]]:
    """Median and fastest time of every command in every environment, one row each."""
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(repeats):
        for tree, bin_dir in envs.items():
            for label, template in COMMANDS.items():
                argv = [
                    part.format(python=bin_dir / "python", script=bin_dir / "vrpsolve")
                    for part in template
                ]
                times.setdefault((tree, label), []).append(wall_time(argv, cwd))
    rows: list[dict[str, object]] = []
    for (tree, label), seconds in times.items():
        median = statistics.median(seconds)
        base = statistics.median(times[tree, "import vrpsolve"])
        rows.append(
            {
                "tree": tree,
                "command": label,
                "repeats": repeats,
                "median_s": round(median, 4),
                "min_s": round(min(seconds), 4),
                "vs_import": round(median / base, 2),
            }
        )
    return rows


def markdown(rows: list[dict[str, object]], command: str) -> str:
    """The table with the command, date and machine above it."""
    head = "| tree | command | median s | fastest s | vs import |\n|---|---|---:|---:|---:|\n"
    lines = [
        f"| {r['tree']} | `{r['command']}` | {r['median_s']:.3f} | {r['min_s']:.3f} "
        f"| {r['vs_import']:.2f}x |"
        for r in rows
    ]
    date = datetime.date.today().isoformat()
    return (
        "# Start-up time of the command\n\n"
        f"Command (from the repository root):\n\n    {command}\n\n"
        f"Date: {date}. Machine: {platform.machine()}, {len(os.sched_getaffinity(0))}"
        f" cores, Python {platform.python_version()}. Each tree is built as a wheel and installed "
        "into its own environment (dependencies shared with the running one); every command runs "
        f"{rows[0]['repeats']} times, in turn, from a folder outside the checkout. `vs import` is "
        "the median over that of `import vrpsolve` in the same environment.\n\n"
        + head
        + "\n".join(lines)
        + "\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write the CSV and the markdown table beside it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="runs of each command")
    parser.add_argument(
        "--rev", action="append", default=[], help="also a git revision (repeatable)"
    )
    parser.add_argument("--out", type=Path, default=Path("results/startup.csv"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vrpsolve-startup-") as scratch:
        work = Path(scratch)
        envs: dict[str, Path] = {}
        for rev in args.rev:
            folder = work / rev.replace("/", "_")
            folder.mkdir()
            envs[rev] = install(export(rev, folder), folder)
        folder = work / "working-tree"
        folder.mkdir()
        envs["working tree"] = install(ROOT, folder)
        rows = measure(envs, args.repeats, work)
    print(f"{'tree':<14} {'command':<18} {'median s':>9} {'fastest s':>10} {'vs import':>10}")
    for r in rows:
        print(
            f"{r['tree']!s:<14} {r['command']!s:<18} {r['median_s']:>9.3f} {r['min_s']:>10.3f} "
            f"{r['vs_import']:>9.2f}x"
        )
    write_csv(args.out, rows, FIELDS)
    command = ".venv/bin/python -m benchmarks.startup " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    args.out.with_suffix(".md").write_text(markdown(rows, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
