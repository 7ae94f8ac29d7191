"""The bundled data: instances in ``instances/`` with their best-known values
(``instances/bks.csv``), and the trained policies in ``policies/``."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HIERARCHICAL_OBJECTIVES = frozenset({"hier_vehicles", "hier_distance_double"})
"""Objectives listed for reference that vrpsolve's evaluator does not compute."""


def instances_dir() -> Path:
    """The bundled instances: ``$VRPSOLVE_INSTANCES``, else ``instances/`` of the checkout."""
    override = os.environ.get("VRPSOLVE_INSTANCES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "instances"


def policies_dir() -> Path:
    """The shipped trained policies: ``policies/`` of the checkout (checkpoints and model cards)."""
    return Path(__file__).resolve().parent.parent / "policies"


@dataclass(frozen=True)
class BestKnown:
    """One row of ``bks.csv``."""

    set: str
    instance: str
    file: str
    objective: str
    value: float
    is_optimal: str
    """``yes`` (proven and re-checked), ``reported``, or ``unknown``."""
    source: str

    @property
    def path(self) -> Path:
        """Location of the instance file."""
        return instances_dir() / self.file


@cache
def _rows() -> tuple[BestKnown, ...]:
    with open(instances_dir() / "bks.csv", newline="") as handle:
        return tuple(
            BestKnown(
                set=row["set"],
                instance=row["instance"],
                file=row["file"],
                objective=row["objective"],
                value=float(row["value"]),
                is_optimal=row["is_optimal"],
                source=row["source"],
            )
            for row in csv.DictReader(handle)
        )


def best_known_values(set_name: str | None = None) -> list[BestKnown]:
    """Rows of ``bks.csv`` for the objectives the evaluator computes, optionally for one set."""
    return [
        row
        for row in _rows()
        if row.objective not in HIERARCHICAL_OBJECTIVES and set_name in (None, row.set)
    ]


def best_known(instance: str, objective: str | None = None) -> BestKnown:
    """The best-known value of a bundled instance.

    Parameters
    ----------
    instance
        Instance name, e.g. ``"X-n101-k25"`` or ``"R101"``.
    objective
        A ``bks.csv`` objective name; by default the one the evaluator computes for that instance
        (for Solomon, total distance truncated to one decimal).

    Raises
    ------
    KeyError
        If the instance (or that objective for it) is not listed.
    """
    rows = _rows() if objective is not None else best_known_values()
    for row in rows:
        if row.instance == instance and objective in (None, row.objective):
            return row
    suffix = f" ({objective})" if objective else ""
    raise KeyError(f"no best-known value for {instance!r}{suffix}")


def list_sets() -> list[str]:
    """Names of the benchmark sets, in ``bks.csv`` order."""
    return list(dict.fromkeys(row.set for row in best_known_values()))


def gap_percent(cost: float, reference: float) -> float:
    """The gap ``100 * (cost - reference) / reference`` in percent."""
    return 100.0 * (cost - reference) / reference
