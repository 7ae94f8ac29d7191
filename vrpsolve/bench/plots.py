"""The gap-against-time-budget figure of a benchmark, rendered to PNG with matplotlib's Agg."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any


def gap_vs_time_png(summary: Sequence[dict[str, Any]]) -> bytes:
    """Mean gap against time budget, one panel per set and one line per solver, log x axis.

    Parameters
    ----------
    summary
        Records of :func:`vrpsolve.bench.tables.summarise`.

    Returns
    -------
    bytes
        The PNG image.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # imported only when plotting
    from matplotlib.figure import Figure

    sets = list(dict.fromkeys(r["set"] for r in summary)) or ["-"]
    cols = min(3, len(sets))
    rows = math.ceil(len(sets) / cols)
    figure = Figure(figsize=(4.5 * cols, 3.5 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, cols, squeeze=False).ravel()
    for ax, set_name in zip(axes, sets, strict=False):
        records = [r for r in summary if r["set"] == set_name]
        plotted = False
        for solver in dict.fromkeys(r["solver"] for r in records):
            points = sorted(
                (r["time_limit"], r["mean_gap"])
                for r in records
                if r["solver"] == solver and r["mean_gap"] is not None
            )
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, marker="o", label=solver)
                plotted = True
        ax.set_xscale("log")
        limits = sorted({r["time_limit"] for r in records})
        ax.set_xticks(limits, labels=[f"{t:g}" for t in limits])
        ax.set_xticks([], minor=True)
        if plotted:
            ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))
        ax.set_title(set_name)
        ax.set_xlabel("time limit (s)")
        ax.set_ylabel("mean gap to BKS (%)")
        ax.grid(True, which="both", alpha=0.3)
        if plotted:
            ax.legend()
        else:
            ax.text(0.5, 0.5, "no gaps", ha="center", va="center", transform=ax.transAxes)
    for ax in axes[len(sets) :]:
        ax.set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
