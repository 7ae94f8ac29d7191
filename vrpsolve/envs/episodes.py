"""Which instance an episode of an instance-backed Gymnasium environment uses."""

from __future__ import annotations

from typing import Any

import numpy as np


def episode_index(options: dict[str, Any], next_index: int, count: int) -> int:
    """``options["index"]`` if given (checked), else ``next_index``; ``ValueError`` if bad."""
    index = options.get("index", next_index)
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise ValueError(f"options['index'] must be an int, got {index!r}")
    if not 0 <= index < count:
        raise ValueError(f"options['index'] is {index}, expected 0..{count - 1}")
    return int(index)
