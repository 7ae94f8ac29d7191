"""Printing records: JSON lines for scripts, a table and one line per violation for people."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from vrpsolve.report import json_ready, render_table


def print_records(records: list[dict[str, Any]], fmt: str, columns: Sequence[str]) -> None:
    """Print records as JSON lines (``fmt="json"``; strict JSON, see
    :func:`~vrpsolve.report.json_ready`), or as a table followed by one line per violation."""
    if fmt == "json":
        for record in records:
            print(json.dumps(json_ready(record), allow_nan=False))
    else:
        print(render_table(records, columns))
        for record in records:
            for violation in record["violations"]:
                print(f"{record['instance']}: {violation['kind']}: {violation['message']}")
