"""Shared pieces of the instance-backed Gymnasium environments: the episode's instance and what
happens on a forbidden action."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

InvalidAction = Literal["raise", "terminate"]
"""On a forbidden action: raise ``ValueError``, or end the episode with a penalty."""


def reset_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``reset``'s options; ``ValueError`` for any option besides ``"index"``."""
    options = dict(options or {})
    unknown = sorted(set(options) - {"index"})
    if unknown:
        raise ValueError(f"unknown reset options {unknown}; the only one is 'index'")
    return options


def episode_index(options: dict[str, Any], next_index: int, count: int) -> int:
    """``options["index"]`` if given (checked), else ``next_index``; ``ValueError`` if bad."""
    index = options.get("index", next_index)
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise ValueError(f"options['index'] must be an int, got {index!r}")
    if not 0 <= index < count:
        raise ValueError(f"options['index'] is {index}, expected 0..{count - 1}")
    return int(index)
