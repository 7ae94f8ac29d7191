"""Tests for the file helpers: atomic writes and number formatting."""

from __future__ import annotations

import pytest

from vrpsolve.core.files import format_number, write_text_atomic


def test_atomic_write_replaces_content(tmp_path):
    """An atomic write replaces the old content and leaves no temporary file."""
    target = tmp_path / "a.txt"
    target.write_text("old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_atomic_write_failure_keeps_old_file(tmp_path, monkeypatch):
    """If the rename fails, the old file is intact and the temporary file is removed."""
    target = tmp_path / "a.txt"
    target.write_text("old")

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("vrpsolve.core.files.os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_text_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_format_number():
    """Integral values print without a decimal point, others exactly, infinity as inf."""
    assert format_number(3.0) == "3"
    assert format_number(0.1) == "0.1"
    assert format_number(float("inf")) == "inf"
