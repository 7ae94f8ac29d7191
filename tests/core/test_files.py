"""Tests for the file helpers: atomic writes, number formatting and the finiteness check."""

from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path

import pytest

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import (
    atomic_writer,
    check_finite,
    format_number,
    to_number,
    write_bytes_atomic,
    write_text_atomic,
)


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


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_writes_give_new_files_the_umask_permissions(tmp_path: Path) -> None:
    """Text, bytes and streamed writes create files with 0666 less the umask, not 0600."""
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "a.txt", "hello\n")
        write_bytes_atomic(tmp_path / "b.bin", b"\x00\x01")
        with atomic_writer(tmp_path / "c.npz") as handle:
            handle.write(b"PK")
        os.umask(0o077)
        write_bytes_atomic(tmp_path / "d.bin", b"private")
    finally:
        os.umask(old)
    assert [_mode(tmp_path / name) for name in ("a.txt", "b.bin", "c.npz")] == [0o644] * 3
    assert _mode(tmp_path / "d.bin") == 0o600
    assert (tmp_path / "a.txt").read_text() == "hello\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"


def test_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    """Replacing a file keeps its permissions (here 0640) and leaves no temporary file."""
    target = tmp_path / "kept.txt"
    target.write_text("old")
    target.chmod(0o640)
    write_text_atomic(target, "new")
    assert _mode(target) == 0o640 and target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]


def test_failed_atomic_write_leaves_the_old_file(tmp_path: Path) -> None:
    """An error inside the block keeps the old content and removes the temporary file."""
    target = tmp_path / "keep.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write(b"half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.bin"]


def test_check_finite_names_the_field_and_entry():
    """A model's check is a ValueError naming the entry; a reader's names file and line too."""
    check_finite([[1.0, math.inf]], "windows", unlimited=True)
    with pytest.raises(ValueError, match=r"^distance\[1, 0\] must be finite, got nan$"):
        check_finite([[0.0, 1.0], [math.nan, 0.0]], "distance")
    with pytest.raises(ValueError, match=r"must be a number or \+inf, got -inf"):
        check_finite([-math.inf], "capacity", unlimited=True)
    with pytest.raises(InputError) as caught:
        check_finite(math.inf, "XCOORD.", "C101.txt", 10)
    assert str(caught.value) == "C101.txt:10: XCOORD. must be finite, got inf"


@pytest.mark.parametrize(
    ("token", "unlimited", "problem"),
    [
        ("nan", True, "non-numeric token 'nan' in DEMAND"),
        ("inf", False, "DEMAND must be finite, got inf"),
        ("1e999", False, "DEMAND must be finite, got inf"),
        ("-inf", True, "DEMAND must be a number or +inf, got -inf"),
    ],
)
def test_to_number_refuses_what_is_not_finite(token, unlimited, problem):
    """NaN never reads; an infinity only as +inf where unlimited."""
    with pytest.raises(InputError, match=re.escape(problem)):
        to_number(token, "f.vrp", 3, "DEMAND", unlimited=unlimited)
    assert to_number("inf", "f.vrp", 3, "DEMAND", unlimited=True) == math.inf
