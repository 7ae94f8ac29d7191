"""Cooperative stopping: SIGINT and SIGTERM ask the running solver to stop and hand back its best.

Raising :class:`KeyboardInterrupt` inside compiled code (numba kernels, OR-Tools, HiGHS) either
waits until that code returns or breaks it, and loses whatever the solver had found. Inside
:func:`stop_on_signals` the two signals only set a process-wide flag; every solver polls
:func:`stop_requested` (or :func:`expired`) between its steps, from a callback where the work runs
in compiled code, and returns its best answer so far, which :func:`vrpsolve.solve` reports with
the status ``interrupted``. A second signal is handled by ``on_repeat`` (by default what the
program did before the block: Python's SIGINT handler raises :class:`KeyboardInterrupt`).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that request a stop."""

_requested = threading.Event()
_state: dict[str, Any] = {"signal": None, "depth": 0, "installed": False}
_lock = threading.Lock()


def stop_requested() -> bool:
    """Whether a stop was requested (by a signal or :func:`request_stop`) in the current block."""
    return _requested.is_set()


def expired(deadline: float) -> bool:
    """Whether ``deadline`` (a :func:`time.perf_counter` value) has passed or a stop was
    requested: the check a solver's loop makes between two steps."""
    return _requested.is_set() or time.perf_counter() >= deadline


def request_stop(signum: int | None = None) -> None:
    """Ask the running solvers of this process to stop (from any thread); ``signum`` records the
    signal that asked, if any (see :func:`stop_signal`). The request holds until the outermost
    :func:`stop_on_signals` block ends (``vrpsolve.solve`` runs in one); one made while no block
    is open is cleared when the next one opens."""
    if not _requested.is_set():
        _state["signal"] = signum
        _requested.set()


def stop_signal() -> int | None:
    """The signal that requested the stop, ``None`` when none did (or no stop was requested)."""
    return _state["signal"] if _requested.is_set() else None


def _handler_for(
    previous: dict[int, Any], on_repeat: Callable[[int], None] | None
) -> Callable[[int, FrameType | None], None]:
    """The signal handler: the first signal requests a stop, a later one goes to ``on_repeat``
    (or, without it, to the handler that was installed before)."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if not _requested.is_set():
            request_stop(signum)
        elif on_repeat is not None:
            on_repeat(signum)
        elif callable(previous[signum]):
            previous[signum](signum, frame)
        elif previous[signum] == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    return handle


def _install(on_repeat: Callable[[int], None] | None) -> Callable[[], None]:
    """Install the handlers in the main thread unless they are; a function restoring the
    previous ones (which does nothing when nothing was installed). A signal the process ignores
    (a background job's SIGINT, say) stays ignored."""
    if _state["installed"] or threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[int, Any] = {
        signum: current
        for signum in SIGNALS
        if (current := signal.getsignal(signum)) != signal.SIG_IGN
    }
    handler = _handler_for(previous, on_repeat)
    for signum in previous:
        signal.signal(signum, handler)
    _state["installed"] = True

    def restore() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)
        _state["installed"] = False

    return restore


def _enter() -> None:
    with _lock:
        _state["depth"] += 1
        if _state["depth"] == 1:
            _requested.clear()


@contextmanager
def stop_on_signals(on_repeat: Callable[[int], None] | None = None) -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM request a stop instead of ending the program.

    The handlers are installed in the main thread unless an enclosing block installed them
    already (then the outer block's ``on_repeat`` holds), and restored at the end. Entering and
    leaving the outermost block clears the request, so that the next block starts afresh.

    Parameters
    ----------
    on_repeat
        Called with the signal number for each signal after the first; ``None`` passes it to
        the handler installed before (Python's SIGINT handler raises ``KeyboardInterrupt``).
    """
    _enter()
    restore = _install(on_repeat)
    try:
        yield
    finally:
        restore()
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                _requested.clear()


def stop_on_signals_for_good(on_repeat: Callable[[int], None] | None = None) -> None:
    """:func:`stop_on_signals` for the rest of the process (a worker's): a request, once made,
    is never cleared, so every later solve stops at once."""
    _enter()
    _install(on_repeat)
