"""The bundled data: instances with their best-known values (``bks.csv``), and the trained
policies.

They live in ``instances/`` and ``policies/`` at the top of the repository and install inside the
package (``vrpsolve/_bundled/``); :func:`instances_dir` and :func:`policies_dir` find them either
way, and every data path in vrpsolve is built from one of the two."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HIERARCHICAL_OBJECTIVES = frozenset({"hier_vehicles", "hier_distance_double"})
"""Objectives listed for reference that vrpsolve's evaluator does not compute."""


@cache
def _bundled(name: str) -> Path:
    """The folder ``name`` of an installed package, else the checkout's top-level ``name``."""
    from importlib.resources import files

    installed = files("vrpsolve").joinpath("_bundled", name)
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / name


def instances_dir() -> Path:
    """The bundled instances: ``$VRPSOLVE_INSTANCES`` if set, else those installed with the
    package, else ``instances/`` of the checkout (a development install)."""
    override = os.environ.get("VRPSOLVE_INSTANCES")
    if override:
        return Path(override)
    return _bundled("instances")


def policies_dir() -> Path:
    """The shipped trained policies (checkpoints and model cards): those installed with the
    package, else ``policies/`` of the checkout (a development install)."""
    return _bundled("policies")


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
