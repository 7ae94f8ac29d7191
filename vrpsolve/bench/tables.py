"""Benchmark rows as CSV, and their summaries as records and markdown tables."""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from vrpsolve.core.registry import family_named

from .jobs import ERROR, FIELDS

SUMMARY_COLUMNS = (
    "set",
    "solver",
    "time_limit",
    "instances",
    "mean_gap",
    "feasible",
    "mean_runtime",
)
"""Columns of :func:`summarise` records, in table order."""

INSTANCE_COLUMNS = (
    "set",
    "instance",
    "n",
    "solver",
    "time_limit",
    "bks",
    "best",
    "mean_gap",
    "feasible",
    "mean_runtime",
)
"""Columns of :func:`per_instance` records, in table order."""


def _mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not ``None``; ``None`` when there are none."""
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def _group(
    rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], tuple[Any, ...]]
) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """Rows grouped by ``key``, groups in order of first appearance."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def _feasible(rows: Sequence[dict[str, Any]]) -> str:
    """``feasible/total`` over runs."""
    return f"{sum(bool(r['feasible']) for r in rows)}/{len(rows)}"


def _minimise(row: dict[str, Any]) -> bool:
    """Whether the row's family minimises (rows of no known family count as minimising)."""
    try:
        return family_named(row["family"]).minimise
    except KeyError:
        return True


def _best(values: Sequence[float], minimise: bool) -> float | None:
    return (min(values) if minimise else max(values)) if values else None


def with_gaps(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with ``gap`` and ``gap_to`` filled in for every feasible run.

    The gap is in percent, positive when worse whatever the family's direction
    (:meth:`~vrpsolve.core.family.Family.gap`): to the best-known value (``gap_to`` reads
    ``bks``) where one is known, else to the best objective any run of the benchmark found on
    that instance (``best in run``); ``None`` when the reference is zero.
    """
    found: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        if row["feasible"] and row["objective"] is not None:
            found.setdefault((row["set"], row["instance"]), []).append(row["objective"])
    out = []
    for row in rows:
        row = dict(row)
        if row["feasible"] and row["objective"] is not None:
            family = family_named(row["family"])
            values = found[(row["set"], row["instance"])]
            best = min(values) if family.minimise else max(values)
            reference = row["bks"] if row["bks"] is not None else best
            gap = family.gap(row["objective"], reference)
            row["gap"] = None if gap is None else round(gap, 4)
            row["gap_to"] = "bks" if row["bks"] is not None else "best in run"
        out.append(row)
    return out


def per_instance(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per set, instance, solver and time limit, over its seeds.

    ``mean_gap`` averages the gaps of the feasible runs (see :func:`with_gaps`; ``None``
    without any), ``best`` is the best feasible objective in the family's direction,
    ``feasible`` reads ``feasible runs/runs`` and ``mean_runtime`` averages every run that has
    a runtime.
    """
    records = []
    groups = _group(rows, lambda r: (r["set"], r["instance"], r["solver"], r["time_limit"]))
    for (set_name, instance, solver, limit), group in groups.items():
        values = [r["objective"] for r in group if r["feasible"] and r["objective"] is not None]
        records.append(
            {
                "set": set_name,
                "instance": instance,
                "n": group[0]["n"],
                "solver": solver,
                "time_limit": limit,
                "bks": group[0]["bks"],
                "best": _best(values, _minimise(group[0])),
                "mean_gap": _mean(r["gap"] for r in group if r["feasible"]),
                "feasible": _feasible(group),
                "mean_runtime": _mean(r["runtime"] for r in group),
            }
        )
    return records


def summarise(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per set, solver and time limit.

    ``mean_gap`` is the mean over instances of each instance's mean gap over its feasible
    seeds (instances without a feasible run or a best-known value are left out, and show in
    ``feasible``: feasible runs/runs); ``mean_runtime`` averages every run with a runtime.
    Records are sorted by set, solver and time limit.
    """
    instances = per_instance(rows)
    by_instance = _group(instances, lambda r: (r["set"], r["solver"], r["time_limit"]))
    by_run = _group(rows, lambda r: (r["set"], r["solver"], r["time_limit"]))
    records = [
        {
            "set": set_name,
            "solver": solver,
            "time_limit": limit,
            "instances": len(group),
            "mean_gap": _mean(r["mean_gap"] for r in group),
            "feasible": _feasible(by_run[(set_name, solver, limit)]),
            "mean_runtime": _mean(r["runtime"] for r in by_run[(set_name, solver, limit)]),
        }
        for (set_name, solver, limit), group in by_instance.items()
    ]
    return sorted(records, key=lambda r: (r["set"], r["solver"], r["time_limit"]))


def runs_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV text with a header (:data:`~vrpsolve.bench.jobs.FIELDS`)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


_NUMBERS = {
    "n": int,
    "seed": int,
    "time_limit": float,
    "objective": float,
    "bks": float,
    "gap": float,
    "runtime": float,
}
"""Columns of ``runs.csv`` that hold numbers."""


def read_runs_csv(text: str) -> list[dict[str, Any]]:
    """Rows of a ``runs.csv`` as :func:`runs_csv` wrote them, with their types back.

    Empty cells are ``None`` (``error`` stays text), ``feasible`` a bool; a row with missing
    cells (the torn last line of an interrupted write) is left out.

    Raises
    ------
    ValueError
        When the header is not :data:`~vrpsolve.bench.jobs.FIELDS` or a number does not parse.
    """
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != FIELDS:
        raise ValueError(f"the header is not {','.join(FIELDS)}")
    rows = []
    for record in reader:
        if None in record.values():
            continue
        row: dict[str, Any] = {k: v or (v if k == "error" else None) for k, v in record.items()}
        for key, kind in _NUMBERS.items():
            if row[key] is not None:
                row[key] = kind(row[key])
        row["feasible"] = row["feasible"] == "True"
        rows.append(row)
    return rows


HEADERS = {
    "time_limit": "time limit (s)",
    "bks": "BKS",
    "best": "best objective",
    "mean_gap": "mean gap %",
    "mean_runtime": "mean runtime (s)",
}
"""Markdown headers of record fields that differ from the field name."""

_PLAIN = frozenset({"n", "time_limit", "bks", "best", "instances"})
"""Fields shown as given (``g`` format) rather than to two decimals."""


def _cell(value: Any, column: str) -> str:
    """A markdown cell: ``-`` for missing, two decimals for gaps and runtimes."""
    if value is None:
        return "-"
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}" if column in _PLAIN else f"{value:.2f}"
    return str(value)


def markdown_table(records: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A markdown table of the given record fields; text columns left, numbers right."""
    numeric = [
        any(isinstance(r.get(c), int | float) and not isinstance(r.get(c), bool) for r in records)
        for c in columns
    ]
    lines = [
        "| " + " | ".join(HEADERS.get(c, c) for c in columns) + " |",
        "|" + "|".join("---:" if num else "---" for num in numeric) + "|",
    ]
    lines += ["| " + " | ".join(_cell(r.get(c), c) for c in columns) + " |" for r in records]
    return "\n".join(lines)


def summary_markdown(rows: Sequence[dict[str, Any]]) -> str:
    """``summary.md``: the summary per set, solver and time limit, then per instance, then
    the errors (if any)."""
    sections = [
        "# Benchmark summary",
        f"{len(rows)} runs. Gaps in percent (positive is worse) to the best-known value, or to "
        "the best objective of any run on the instance where none is known, averaged over the "
        "feasible runs; runtimes in seconds; every objective is the evaluator's.",
        "## Per set, solver and time limit",
        markdown_table(summarise(rows), SUMMARY_COLUMNS),
        "## Per instance",
        markdown_table(per_instance(rows), INSTANCE_COLUMNS),
    ]
    errors = [r for r in rows if r["status"] == ERROR]
    if errors:
        sections.append("## Errors")
        sections.append(
            "\n".join(
                f"- {r['instance']} {r['solver']} {r['time_limit']:g} s seed {r['seed']}: "
                f"{r['error']}"
                for r in errors
            )
        )
    return "\n\n".join(sections) + "\n"
