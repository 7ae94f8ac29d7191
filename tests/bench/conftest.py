"""Fixtures of the benchmark-script tests."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def benchmark_module(monkeypatch):
    """Import the repository's ``benchmarks.<name>``, which a bare `pytest` cannot see.

    The repository stays on the path for the whole test, so spawned workers find it too.
    """
    monkeypatch.syspath_prepend(str(ROOT))
    return lambda name: importlib.import_module(f"benchmarks.{name}")
