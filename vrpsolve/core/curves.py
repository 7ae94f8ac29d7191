"""Learning curves as CSV files: one row per validation or measurement point of a training run.

Every trainer reports its curve through a :class:`CurveWriter`: a header of fixed columns, then
rows written and flushed as the run goes, so an interrupted run keeps its curve, and appended to
when a run is resumed.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

CURVE_SUFFIX = ".curve.csv"
"""The suffix of a checkpoint's curve file when none is named."""


def default_curve_path(checkpoint: str | Path) -> Path:
    """Where the curve of ``checkpoint`` goes by default: its path with :data:`CURVE_SUFFIX`."""
    return Path(checkpoint).with_suffix(CURVE_SUFFIX)


def _text(value: Any) -> str:
    return format(value, ".6g") if isinstance(value, float) else str(value)


class CurveWriter:
    """Write a learning curve's rows to a CSV file, flushing each.

    The file is opened at the first row, so a run that fails before measuring anything leaves
    no file behind (and an existing one untouched).

    Parameters
    ----------
    path
        The CSV file.
    columns
        The header; each row gives a value for every column.
    append
        Keep an existing file's rows and add to them (a resumed run); its header must be
        ``columns``. Otherwise a new file replaces any existing one.

    Raises
    ------
    ValueError
        When appending to a file whose header is not ``columns``.
    """

    def __init__(self, path: str | Path, columns: Sequence[str], *, append: bool = False) -> None:
        self.path = Path(path)
        self.columns = tuple(columns)
        self._append = append and self.path.is_file() and self.path.stat().st_size > 0
        if self._append:
            with self.path.open(newline="") as handle:
                header = tuple(next(csv.reader(handle), []))
            if header != self.columns:
                raise ValueError(
                    f"{self.path}: a curve with columns {','.join(header)}, not "
                    f"{','.join(self.columns)} (name another --curve or give --restart)"
                )
        self._handle: IO[str] | None = None

    def write(self, row: Mapping[str, Any]) -> None:
        """Add one row (a value per column; floats with 6 significant digits) and flush it."""
        missing = [column for column in self.columns if column not in row]
        if missing:
            raise KeyError(f"curve row lacks {', '.join(missing)}")
        if self._handle is None:
            self._handle = self.path.open("a" if self._append else "w", newline="")
            if not self._append:
                self._handle.write(",".join(self.columns) + "\n")
        self._handle.write(",".join(_text(row[column]) for column in self.columns) + "\n")
        self._handle.flush()

    def close(self) -> None:
        """Close the file (if a row was written)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> CurveWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
