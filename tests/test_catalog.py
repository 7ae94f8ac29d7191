"""Every shipped solution file reproduces its bks.csv value; every bundled instance reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from vrpsolve.catalog import best_known, instances_dir
from vrpsolve.routing.io import read_instance, read_solution
from vrpsolve.routing.model import evaluate

ROOT = instances_dir()
INSTANCE_SUFFIXES = (".vrp", ".txt", ".tsp", ".atsp")
ROUTING_DIRS = ("cvrp", "vrptw", "tsp", "atsp", "real")


def _solution_files() -> list[Path]:
    files = [*ROOT.glob("*/*.sol"), *ROOT.glob("*/*.opt.tour")]
    return sorted(files)


def _instance_for(solution: Path) -> Path:
    stem = solution.name.split(".")[0]
    (match,) = [p for p in solution.parent.glob(f"{stem}.*") if p.suffix in INSTANCE_SUFFIXES]
    return match


def _instance_files() -> list[Path]:
    return sorted(
        p
        for folder in ROUTING_DIRS
        for p in (ROOT / folder).iterdir()
        if p.suffix in INSTANCE_SUFFIXES and not p.name.startswith("LICENSE")
    )


def test_every_solution_file_is_covered():
    """The parametrised BKS check sees every shipped solution (90 of them)."""
    assert len(_solution_files()) == 21 + 56 + 8 + 5


@pytest.mark.parametrize("solution_path", _solution_files(), ids=lambda p: p.name)
def test_solution_reproduces_best_known_value(solution_path: Path):
    """Reading instance and solution, the evaluator finds it feasible at exactly the BKS value."""
    instance = read_instance(_instance_for(solution_path))
    evaluation = evaluate(instance, read_solution(solution_path, instance))
    assert evaluation.feasible, evaluation.violations[:3]
    assert evaluation.cost == best_known(instance.name).value


def test_every_bundled_instance_reads():
    """Every bundled routing instance file (.vrp, .txt, .tsp, .atsp) reads."""
    files = _instance_files()
    assert len(files) == 21 + 56 + 8 + 19 + 5
    for path in files:
        assert read_instance(path).num_nodes > 1, path


@pytest.mark.parametrize(
    ("file", "variant"),
    [
        ("cvrp/X-n101-k25.vrp", "CVRP"),
        ("cvrp/E-n13-k4.vrp", "CVRP"),
        ("vrptw/R101.txt", "VRPTW"),
        ("tsp/a280.tsp", "TSP"),
        ("tsp/att48.tsp", "TSP"),
        ("atsp/br17.atsp", "ATSP"),
        ("real/ORTEC-VRPTW-ASYM-cc05bba4-d1-n200-k15.txt", "ACVRPTW"),
        ("real/ORTEC-n242-k12.vrp", "CVRP"),
    ],
)
def test_bundled_instance_variant(file: str, variant: str):
    """Bundled instances read as the expected variant."""
    assert read_instance(ROOT / file).variant == variant
