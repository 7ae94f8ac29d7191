"""Plain records and tables of results, for scripts (JSON) and people (tables)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from vrpsolve.core.registry import family_named, family_of
from vrpsolve.core.solver import Result

DEFAULT_FORMATS = {"gap": ".2f", "runtime": ".2f"}
"""Float formats of the standard columns (gap in percent, runtime in seconds)."""


def evaluation_record(instance: Any, solution: Any, evaluation: Any) -> dict[str, Any]:
    """The evaluator's verdict on a solution of ``instance`` as a JSON-ready dict.

    The fields are its family's (:attr:`~vrpsolve.core.family.Family.record`): always
    ``instance``, the objective's field, ``feasible`` and ``violations``.
    """
    return family_of(instance).record(instance.name, solution, evaluation)


def result_record(result: Result) -> dict[str, Any]:
    """A solve result as a JSON-ready dict: its family's evaluation record plus ``family``,
    ``solver``, ``seed``, ``status``, ``runtime``, ``lower_bound`` and the solver's ``stats``."""
    record = family_named(result.family).record(result.instance, result.solution, result.evaluation)
    record.update(
        {
            "family": result.family,
            "solver": result.solver,
            "seed": result.seed,
            "status": result.status.value,
            "runtime": round(result.runtime, 3),
            "lower_bound": result.lower_bound,
            "stats": result.stats,
        }
    )
    return record


def _cell(value: Any, spec: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "inf" if math.isinf(value) else format(value, spec)
    return str(value)


def render_table(
    records: Sequence[dict[str, Any]],
    columns: Sequence[str],
    formats: Mapping[str, str] | None = None,
) -> str:
    """A fixed-width text table of the given record fields.

    Floats print with ``formats[column]`` (a format spec such as ``".2f"``) where given, else with
    up to ten significant digits; missing values print as ``-``.
    """
    specs = {**DEFAULT_FORMATS, **(formats or {})}
    rows = [[_cell(r.get(c), specs.get(c, ".10g")) for c in columns] for r in records]
    widths = [max([len(c)] + [len(row[i]) for row in rows]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)
