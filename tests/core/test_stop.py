"""Tests for cooperative stopping: the signal handlers, the flag, and an interrupted solve."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import vrpsolve
from vrpsolve.catalog import instances_dir
from vrpsolve.core.solver import Status
from vrpsolve.core.stop import request_stop, stop_on_signals, stop_requested, stop_signal

X101 = instances_dir() / "cvrp" / "X-n101-k25.vrp"


def _signal_self(signum: int) -> None:
    """Send ``signum`` to this process and give the interpreter a moment to run the handler."""
    os.kill(os.getpid(), signum)
    time.sleep(0.01)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_in_the_block_requests_a_stop_and_the_handlers_come_back(signum):
    """Inside the block a signal only sets the flag; leaving it restores the handlers and clears
    the flag."""
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with stop_on_signals():
        assert not stop_requested()
        _signal_self(signum)
        assert stop_requested() and stop_signal() == signum
    assert {s: signal.getsignal(s) for s in before} == before
    assert not stop_requested() and stop_signal() is None


def test_a_second_sigint_raises_keyboard_interrupt_and_nested_blocks_keep_the_request():
    """A second SIGINT goes to Python's handler; an inner block neither clears the request nor
    replaces the outer block's handlers."""
    repeats: list[int] = []
    with stop_on_signals(on_repeat=repeats.append):
        handler = signal.getsignal(signal.SIGINT)
        _signal_self(signal.SIGINT)
        with stop_on_signals():
            assert stop_requested() and signal.getsignal(signal.SIGINT) is handler
            _signal_self(signal.SIGTERM)
        assert stop_requested() and repeats == [signal.SIGTERM]
    with pytest.raises(KeyboardInterrupt), stop_on_signals():
        _signal_self(signal.SIGINT)
        _signal_self(signal.SIGINT)


def test_solve_reports_the_best_so_far_when_interrupted():
    """SIGINT during `vrpsolve.solve` stops PyVRP within a fraction of a second; the evaluator
    accepts its best solution and the status is `interrupted`. A stop requested from another
    thread does the same for the GA."""
    instance = vrpsolve.read_instance(X101)
    vrpsolve.solve(instance, "ga", time_limit=0.1)  # imports and the numba warm-up
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    result = vrpsolve.solve(instance, "pyvrp", time_limit=20, seed=1)
    timer.join()
    assert result.status is Status.INTERRUPTED and result.feasible
    assert 0.4 < result.runtime < 1.5
    assert not stop_requested()
    threading.Timer(0.3, request_stop).start()
    result = vrpsolve.solve(instance, "ga", time_limit=20, seed=1)
    assert result.status is Status.INTERRUPTED and result.feasible and result.runtime < 1.5
