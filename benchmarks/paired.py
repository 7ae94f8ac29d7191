"""Paired comparison of two per-instance result files: by how much the second run differs.

Both CSV files (as ``benchmarks.routefinder`` writes them) are matched on ``set`` and
``instance``; for a column (default ``gap``) the difference ``second - first`` is summarised per
variant and over all instances: mean, standard error, and on how many instances the second run
is lower or higher. Pairs where either value is not finite (an infeasible construction) are
counted apart. The files must hold the same instances, or with ``--common`` the instances both
hold are compared. Prints a markdown table; ``--out`` also writes it as CSV::

    python -m benchmarks.paired OLD.csv \\
        results/routefinder-n50-128.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.output import write_csv

KEY = ("set", "instance")


def read_values(path: Path, column: str) -> dict[tuple[str, str], tuple[str, float]]:
    """``(set, instance) -> (variant, value of column)`` for every row of a result file."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in (*KEY, "variant", column) if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: no column {', '.join(missing)}")
        values = {}
        for line, row in enumerate(reader, start=2):
            try:
                values[(row["set"], row["instance"])] = (row["variant"], float(row[column]))
            except ValueError:
                bad = f"{path}, line {line}: {column} {row[column]!r} is not a number"
                raise ValueError(bad) from None
    return values


def _summarise(label: str, pairs: list[tuple[float, float]], skipped: int) -> dict[str, Any]:
    differences = [b - a for a, b in pairs]
    spread = statistics.stdev(differences) if len(differences) > 1 else math.nan
    return {
        "variant": label,
        "pairs": len(pairs),
        "first": statistics.fmean(a for a, _ in pairs) if pairs else math.nan,
        "second": statistics.fmean(b for _, b in pairs) if pairs else math.nan,
        "difference": statistics.fmean(differences) if pairs else math.nan,
        "standard error": spread / math.sqrt(len(differences)) if pairs else math.nan,
        "second lower": sum(d < 0 for d in differences),
        "second higher": sum(d > 0 for d in differences),
        "not finite": skipped,
    }


def compare(
    first: Path, second: Path, column: str = "gap", *, common: bool = False
) -> list[dict[str, Any]]:
    """Rows of the paired summary, one per variant, then one over all instances.

    ValueError when a value is not a number, when the files share no instance, or (unless
    ``common``) when they do not hold the same instances.
    """
    a, b = read_values(first, column), read_values(second, column)
    if common:
        a = {key: value for key, value in a.items() if key in b}
        if not a:
            raise ValueError(f"{first} and {second} share no instance")
    elif a.keys() != b.keys():
        only = sorted(a.keys() - b.keys()) or sorted(b.keys() - a.keys())
        where = first if a.keys() - b.keys() else second
        raise ValueError(
            f"{first} and {second} hold different instances: {len(only)} only in {where}, "
            f"first {only[0][0]}#{only[0][1]}"
        )
    by_variant: dict[str, list[tuple[float, float]]] = {}
    skipped: dict[str, int] = {}
    for key, (variant, value) in a.items():
        pair = (value, b[key][1])
        if all(math.isfinite(v) for v in pair):
            by_variant.setdefault(variant, []).append(pair)
        else:
            skipped[variant] = skipped.get(variant, 0) + 1
    variants = sorted(by_variant.keys() | skipped.keys())
    rows = [_summarise(v, by_variant.get(v, []), skipped.get(v, 0)) for v in variants]
    every = [pair for v in variants for pair in by_variant.get(v, [])]
    rows.append(_summarise("all", every, sum(skipped.values())))
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """The summary as a markdown table."""
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    for row in rows:
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Compare two result files; print the table (and write ``--out`` as CSV)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="per-instance CSV of the baseline run")
    parser.add_argument("second", type=Path, help="per-instance CSV of the run compared to it")
    parser.add_argument("--column", default="gap", help="the value compared (default gap)")
    parser.add_argument(
        "--common", action="store_true", help="compare the instances both files hold"
    )
    parser.add_argument("--out", type=Path, help="also write the table to this CSV file")
    args = parser.parse_args(argv)
    try:
        rows = compare(args.first, args.second, args.column, common=args.common)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(markdown(rows))
    if args.out is not None:
        write_csv(args.out, rows, list(rows[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
