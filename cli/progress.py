"""A progress bar over a solver's time budget, drawn on stderr while it runs."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def time_budget_bar(description: str, seconds: float, enabled: bool) -> Iterator[None]:
    """Show elapsed time against ``seconds`` until the block ends (no-op when disabled)."""
    if not enabled:
        yield
        return
    from tqdm import tqdm

    done = threading.Event()
    bar = tqdm(
        total=round(seconds, 1),
        desc=description,
        unit="s",
        file=sys.stderr,
        leave=False,
        bar_format="{desc}: {bar} {n:.0f}/{total:.0f} s",
    )

    def tick() -> None:
        start = time.perf_counter()
        while not done.wait(0.5):
            bar.n = min(bar.total, round(time.perf_counter() - start, 1))
            bar.refresh()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        bar.close()
