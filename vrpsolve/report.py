"""Plain records and tables of results, for scripts (JSON) and people (tables)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vrpsolve.core.registry import family_named, family_of
from vrpsolve.core.solver import Result

DEFAULT_FORMATS = {"gap": ".2f", "runtime": ".2f"}
"""Float formats of the standard columns (gap in percent, runtime in seconds)."""


def evaluation_record(instance: Any, solution: Any, evaluation: Any) -> dict[str, Any]:
    """The evaluator's verdict on a solution of ``instance`` as a JSON-ready dict.

    The fields are ``family`` and its family's (:attr:`~vrpsolve.core.family.Family.record`):
    always ``instance``, the objective's field, ``feasible`` and ``violations``. The schema of
    every record is ``docs/result.schema.json``.
    """
    family = family_of(instance)
    return _with_family(family.name, family.record(instance.name, solution, evaluation))


def _with_family(family: str, record: dict[str, Any]) -> dict[str, Any]:
    """The record with ``family`` right after ``instance``."""
    return {"instance": record["instance"], "family": family, **record}


def result_record(result: Result) -> dict[str, Any]:
    """A solve result as a JSON-ready dict: its family's evaluation record plus ``family``,
    ``solver``, ``seed``, ``status``, ``runtime``, ``lower_bound``, ``reason`` (why no feasible
    solution exists, when known) and the solver's ``stats``."""
    family = family_named(result.family)
    record = _with_family(
        family.name, family.record(result.instance, result.solution, result.evaluation)
    )
    record.update(
        {
            "solver": result.solver,
            "seed": result.seed,
            "status": result.status.value,
            "runtime": round(result.runtime, 3),
            "lower_bound": result.lower_bound,
            "reason": result.reason,
            "stats": result.stats,
        }
    )
    return record


def json_ready(record: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record that strict JSON can hold.

    NumPy numbers and arrays become Python ones; every infinite or NaN number becomes ``null``,
    and ``non_finite`` (present only when there were some) maps each such field's path (such as
    ``stats.engine_cost``) to what it held: ``inf``, ``-inf`` or ``nan``.
    """
    replaced: dict[str, str] = {}

    def clean(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            return {
                key: clean(item, f"{path}.{key}" if path else str(key))
                for key, item in value.items()
            }
        if isinstance(value, list | tuple | np.ndarray):
            return [clean(item, f"{path}[{k}]") for k, item in enumerate(value)]
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            replaced[path] = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
            return None
        return value

    cleaned: dict[str, Any] = clean(record, "")
    if replaced:
        cleaned["non_finite"] = replaced
    return cleaned


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
