"""The regression sample: every solver on a small instance of its family, fixed seeds, one thread.

``python tests/regression_sample.py`` (re-)records ``tests/data/regression/expected.csv``;
``tests/test_regression.py`` re-runs the sample and checks that every status and objective is
unchanged, so that moving code cannot change behaviour unnoticed. The instances are bundled ones
or the files in ``tests/data/regression/``, whose README says how each was made.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "data" / "regression"
EXPECTED = HERE / "expected.csv"
ROOT = Path(__file__).resolve().parent.parent

CASES: tuple[tuple[str, tuple[str, ...], float], ...] = (
    (
        "instances/cvrp/E-n13-k4.vrp",
        (
            "pyvrp",
            "ortools",
            "ilp",
            "ga",
            "nearest-neighbour",
            "savings",
            "insertion",
            "routefinder",
            "routefinder+ls",
            "rrnco",
            "rrnco+ls",
        ),
        1.0,
    ),
    ("instances/atsp/br17.atsp", ("pyvrp", "ilp", "savings", "rrnco"), 1.0),
    ("tests/data/regression/flows.json", ("pfar-ilp", "pfar-ga", "pfar-greedy"), 2.0),
    (
        "tests/data/regression/packets.json",
        ("packet-shortest-hops", "packet-shortest-delay", "q-routing", "olpomdp"),
        10.0,
    ),
    (
        "tests/data/regression/search.npz",
        ("graph-greedy", "graph-beam", "graph-learned"),
        10.0,
    ),
    ("tests/data/regression/paths.npz", ("path-greedy", "path-learned"), 10.0),
)
"""(instance file relative to the repository root, solvers, time limit in seconds)."""

SEED = 3
FIELDS = ("instance", "solver", "status", "objective")


def objective_text(value: float | None) -> str:
    """An objective as the table stores it: 10 significant digits, ``-`` for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(float(value), ".10g")


def run_sample() -> list[dict[str, str]]:
    """Solve every case and return one row per (instance, solver)."""
    import torch

    import vrpsolve

    torch.set_num_threads(1)
    rows = []
    for relative, solvers, limit in CASES:
        instance = vrpsolve.read_instance(ROOT / relative)
        for solver in solvers:
            result = vrpsolve.solve(instance, solver, time_limit=limit, seed=SEED)
            rows.append(
                {
                    "instance": relative,
                    "solver": solver,
                    "status": result.status.value,
                    "objective": objective_text(result.objective),
                }
            )
    return rows


def write_rows(rows: list[dict[str, str]], path: Path) -> None:
    """Write the table as CSV."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Read the table back."""
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


if __name__ == "__main__":
    rows = run_sample()
    write_rows(rows, EXPECTED)
    for row in rows:
        print(",".join(row[f] for f in FIELDS))
    sys.exit(0)
