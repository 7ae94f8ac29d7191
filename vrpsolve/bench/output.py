"""Write a benchmark's files (``runs.csv``, ``summary.md``, ``gap_vs_time.png``).

``runs.csv`` grows as the benchmark runs (:class:`RunsLog`: each finished job's row appended and
flushed); at the end, or after a stop, :func:`write_outputs` rewrites every file atomically.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from vrpsolve.core.files import write_bytes_atomic

from .jobs import FIELDS
from .plots import gap_vs_time_png
from .tables import read_runs_csv, runs_csv, summarise, summary_markdown

OUTPUT_FILES = ("runs.csv", "summary.md", "gap_vs_time.png")
"""The files a benchmark writes into its output directory."""


def write_outputs(rows: Sequence[dict[str, Any]], out_dir: str | Path) -> list[Path]:
    """Render every output in memory first, then write each file atomically into ``out_dir``.

    Returns
    -------
    list of Path
        The written files, in :data:`OUTPUT_FILES` order.
    """
    contents = {
        "runs.csv": runs_csv(rows).encode(),
        "summary.md": summary_markdown(rows).encode(),
        "gap_vs_time.png": gap_vs_time_png(summarise(rows)),
    }
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in OUTPUT_FILES:
        write_bytes_atomic(directory / name, contents[name])
        paths.append(directory / name)
    return paths


def read_runs(out_dir: str | Path) -> list[dict[str, Any]]:
    """The rows of ``out_dir``'s ``runs.csv`` (none when it is missing or empty).

    Raises
    ------
    ValueError
        When the file is not a ``runs.csv`` of this version (see
        :func:`~vrpsolve.bench.tables.read_runs_csv`), naming it.
    """
    path = Path(out_dir) / "runs.csv"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    try:
        return read_runs_csv(text) if text.strip() else []
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


class RunsLog:
    """``runs.csv`` as a log: the rows so far written atomically, then each new row appended.

    Each appended row is flushed and synced, so that an interrupted or killed benchmark leaves
    every finished job's row on disk. Gaps are left empty (:func:`write_outputs` fills them in).

    Parameters
    ----------
    out_dir
        The benchmark's output directory (created if missing).
    rows
        Rows the file starts with (those of an earlier run, when resuming).
    """

    def __init__(self, out_dir: str | Path, rows: Sequence[dict[str, Any]] = ()) -> None:
        path = Path(out_dir) / "runs.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, runs_csv(rows).encode())
        self._handle = open(path, "a", newline="", encoding="utf-8")  # noqa: SIM115 (closed in close)
        self._writer = csv.DictWriter(
            self._handle, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n"
        )

    def append(self, row: dict[str, Any]) -> None:
        """Append one row and make sure it is on disk."""
        self._writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        """Close the file."""
        self._handle.close()

    def __enter__(self) -> RunsLog:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
