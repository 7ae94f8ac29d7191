"""Write a benchmark's files (``runs.csv``, ``summary.md``, ``gap_vs_time.png``) atomically."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .plots import gap_vs_time_png
from .tables import runs_csv, summarise, summary_markdown

OUTPUT_FILES = ("runs.csv", "summary.md", "gap_vs_time.png")
"""The files a benchmark writes into its output directory."""


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to a hidden file beside ``path``, then rename it over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
        _replace(directory / name, contents[name])
        paths.append(directory / name)
    return paths
