"""Tests for the learning-curve writer: header, flushed rows, appending, a lazy file."""

from __future__ import annotations

import pytest

from vrpsolve.core.curves import CurveWriter, default_curve_path


def test_rows_are_flushed_and_a_resumed_run_appends(tmp_path):
    """Each row is on disk once written; appending keeps the header and the earlier rows."""
    path = tmp_path / "run.curve.csv"
    writer = CurveWriter(path, ("step", "loss"))
    assert not path.exists()  # nothing measured, nothing written
    writer.write({"step": 1, "loss": 0.5, "extra": "ignored"})
    assert path.read_text() == "step,loss\n1,0.5\n"
    writer.close()
    with CurveWriter(path, ("step", "loss"), append=True) as resumed:
        resumed.write({"step": 2, "loss": float("nan")})
    assert path.read_text() == "step,loss\n1,0.5\n2,nan\n"
    with CurveWriter(path, ("step", "loss")) as fresh:
        fresh.write({"step": 1, "loss": 1 / 3})
    assert path.read_text() == "step,loss\n1,0.333333\n"


def test_appending_to_another_curve_or_a_short_row_is_refused(tmp_path):
    """A resumed run's header must match the file's; a row must fill every column."""
    path = tmp_path / "c.csv"
    path.write_text("time,seconds\n")
    with pytest.raises(ValueError, match="columns time,seconds"):
        CurveWriter(path, ("step", "seconds"), append=True)
    with pytest.raises(KeyError, match="loss"):
        CurveWriter(tmp_path / "d.csv", ("step", "loss")).write({"step": 1})


def test_the_default_curve_sits_beside_the_checkpoint(tmp_path):
    """`p.pt` has its curve in `p.curve.csv`."""
    assert default_curve_path(tmp_path / "p.pt") == tmp_path / "p.curve.csv"
