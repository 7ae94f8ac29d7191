"""Tests for the per-user cache folder that numba's compiled kernels go to."""

from __future__ import annotations

import tempfile
from pathlib import Path

from vrpsolve.core.cache import user_cache_dir


def test_the_cache_follows_xdg_then_home(tmp_path: Path) -> None:
    xdg = {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "home")}
    assert user_cache_dir(xdg) == tmp_path / "xdg" / "vrpsolve"
    assert user_cache_dir({"HOME": str(tmp_path / "home")}) == tmp_path / "home/.cache/vrpsolve"


def test_without_a_usable_home_the_cache_is_temporary(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    temporary = Path(tempfile.gettempdir())
    for environ in ({}, {"HOME": str(blocked)}, {"XDG_CACHE_HOME": str(blocked / "x")}):
        folder = user_cache_dir(environ)
        assert folder.parent == temporary and folder.is_dir()
