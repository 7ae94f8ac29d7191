"""Run independent jobs in parallel worker processes or as Ray tasks, one thread each.

The pool never outlives the call. A stop request (:mod:`vrpsolve.core.stop`: the command's
SIGINT or SIGTERM) is passed on to the workers, whose jobs hand back their best so far; jobs not
yet started are dropped, and workers still busy after :data:`GRACE` seconds are killed, as are
the workers of a call that ends by an exception. On Linux a worker also dies with its parent.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from vrpsolve.core.solver import Status
from vrpsolve.core.stop import SIGNALS, stop_on_signals_for_good, stop_requested

from .errors import BenchInputError
from .jobs import BenchJob, run_job
from .tables import with_gaps

if TYPE_CHECKING:
    from tqdm import tqdm

T = TypeVar("T")
R = TypeVar("R")

BACKENDS = ("process", "ray")
"""Names of the pool backends."""

GRACE = 5.0
"""Seconds the workers get to hand back their jobs' results after a stop request."""

_POLL = 0.1
"""Seconds between two looks at the stop flag while waiting for results."""

SINGLE_THREAD_ENV = {
    var: "1"
    for var in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
    )
}
"""Environment that keeps numerical libraries in a worker to one thread."""


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _init_worker(parent: int) -> None:
    """Pool initializer: one thread per worker (set before the job imports numerical
    libraries), death with the parent, and SIGINT or SIGTERM asking the jobs to stop.

    The worker starts with both signals blocked (see :func:`_spawning`); one that came before
    its handlers were in place is delivered to them here.
    """
    os.environ.update(SINGLE_THREAD_ENV)
    _die_with_parent(parent)
    stop_on_signals_for_good(on_repeat=lambda signum: None)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


@contextmanager
def _spawning() -> Iterator[None]:
    """Block SIGINT and SIGTERM while workers are started, so that they start with both
    blocked (the mask is inherited) and a signal waits for their handlers; the parent gets a
    signal sent meanwhile when the block ends."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _unless_stopped(fn: Callable[[T], R], item: T) -> list[R]:
    """In a worker: ``[fn(item)]``, or ``[]`` for a job that would start after a stop
    request."""
    return [] if stop_requested() else [fn(item)]


@contextmanager
def _progress_bar(total: int, enabled: bool, description: str) -> Iterator[tqdm[Any] | None]:
    """A tqdm bar of finished jobs on stderr, or ``None`` when disabled."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    bar: tqdm[Any] = tqdm(total=total, desc=description, unit="job", file=sys.stderr)
    try:
        yield bar
    finally:
        bar.close()




def _iter_processes(
    fn: Callable[[T], R], items: Sequence[T], workers: int
) -> Generator[tuple[int, R], None, None]:
    """``(index, fn(item))`` in completion order, from a pool of fresh (spawned) processes."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(os.getpid(),)
    )
    processes: list[multiprocessing.process.BaseProcess] = []
    finished = False
    try:
        with _spawning():
            pending: dict[Future[list[R]], int] = {
                pool.submit(_unless_stopped, fn, item): i for i, item in enumerate(items)
            }
        processes = list(pool._processes.values())
        stopped_at: float | None = None
        while pending:
            done, _ = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                if stopped_at is not None and future.exception() is not None:
                    continue  # a worker killed meanwhile, say
                for result in future.result():
                    yield index, result
            if stopped_at is None and stop_requested():
                stopped_at = time.monotonic()
                pending = {f: i for f, i in pending.items() if not f.cancel()}
                for process in processes:  # ask the running jobs to stop (repeats are ignored)
                    if process.pid is not None and process.is_alive():
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(process.pid, signal.SIGTERM)
            elif stopped_at is not None and time.monotonic() - stopped_at > GRACE:
                break
        finished = not pending
    finally:
        if not finished:
            for process in processes:
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)


def _iter_ray(
    fn: Callable[[T], R], items: Sequence[T], workers: int, address: str | None
) -> Generator[tuple[int, R], None, None]:
    """``(index, fn(item))`` in completion order, from single-CPU Ray tasks.

    Joins the cluster at ``address`` when given, else uses the running Ray instance, else starts
    a local one with ``workers`` CPUs; shuts down only an instance it started. A stop request
    cancels the tasks still running (their results are lost).
    """
    try:
        import ray
    except ImportError as error:
        raise BenchInputError("the ray backend needs Ray: pip install 'vrpsolve[ray]'") from error
    started = False
    if not ray.is_initialized():
        if address is not None:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        else:
            ray.init(
                num_cpus=workers,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        started = True
    pending: list[Any] = []
    try:
        task = ray.remote(num_cpus=1)(fn).options(runtime_env={"env_vars": SINGLE_THREAD_ENV})
        refs = [task.remote(item) for item in items]
        index = {ref: i for i, ref in enumerate(refs)}
        pending = list(refs)
        while pending and not stop_requested():
            done, pending = ray.wait(pending, num_returns=1, timeout=_POLL)
            for ref in done:
                yield index[ref], ray.get(ref)
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()


def iter_parallel(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    backend: str = "process",
    workers: int = 1,
    progress: bool = False,
    address: str | None = None,
    description: str = "jobs",
) -> Iterator[tuple[int, R]]:
    """Apply ``fn`` to every item in parallel, yielding ``(index, result)`` as each job ends.

    Parameters
    ----------
    fn
        A module-level function (it is pickled by reference to the workers).
    items
        Its arguments, one per job.
    backend
        ``"process"`` (a :class:`~concurrent.futures.ProcessPoolExecutor`) or ``"ray"``.
    workers
        Worker processes (process backend) or CPUs of a local Ray instance.
    progress
        Draw a tqdm bar of finished jobs on stderr.
    address
        Ray cluster address (ray backend only).
    description
        The progress bar's label.

    Yields
    ------
    tuple
        The item's index and ``fn(item)``, in the order the jobs end. An exception raised by
        ``fn`` ends the iteration (the other jobs are dropped, their workers killed) and is
        re-raised. After a stop request the jobs that were running hand back their results
        (within :data:`GRACE` seconds) and the iteration ends; check
        :func:`~vrpsolve.core.stop.stop_requested` to tell.
    """
    if backend not in BACKENDS:
        raise BenchInputError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
    if workers < 1:
        raise BenchInputError(f"the number of workers must be at least 1, got {workers}")
    if address is not None and backend != "ray":
        raise BenchInputError("a cluster address needs the ray backend")
    if not items:
        return
    with _progress_bar(len(items), progress, description) as bar:
        results: Generator[tuple[int, R], None, None]
        if backend == "ray":
            results = _iter_ray(fn, items, workers, address)
        else:
            results = _iter_processes(fn, items, min(workers, len(items)))
        with contextlib.closing(results):
            for index, result in results:
                if bar is not None:
                    bar.update()
                yield index, result


def run_parallel(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    backend: str = "process",
    workers: int = 1,
    progress: bool = False,
    address: str | None = None,
    description: str = "jobs",
) -> list[R]:
    """``fn`` over every item in parallel, the results in item order (see :func:`iter_parallel`,
    whose parameters these are).

    Raises
    ------
    KeyboardInterrupt
        When a stop request cut the jobs short; :func:`iter_parallel` keeps the results of the
        jobs that ended.
    """
    results = dict(
        iter_parallel(
            fn,
            items,
            backend=backend,
            workers=workers,
            progress=progress,
            address=address,
            description=description,
        )
    )
    if len(results) < len(items):
        raise KeyboardInterrupt("stopped before every job had run")
    return [results[i] for i in range(len(items))]


def _longest_first(job: BenchJob) -> tuple[float, int]:
    """Sort key that starts the longest jobs first, so the workers finish together."""
    return (-job.time_limit, -(job.n or 0))


def run_benchmark(
    jobs: Sequence[BenchJob],
    *,
    backend: str = "process",
    workers: int = 1,
    progress: bool = False,
    address: str | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run benchmark jobs in parallel and return one row per job, in job order.

    A job that raises is a row with status ``"error"`` (see :func:`run_job`); the benchmark
    goes on. Gaps are filled in once the jobs have run (:func:`~.tables.with_gaps`). After a
    stop request (:mod:`vrpsolve.core.stop`) the rows of the jobs that had ended are returned;
    a job cut short gives none (its status would read ``interrupted``), so a rerun runs it again.
    ``on_row`` is called in this process with each row (gaps not filled in) as its job ends; the
    other parameters are those of :func:`iter_parallel`.
    """
    order = sorted(range(len(jobs)), key=lambda i: _longest_first(jobs[i]))
    by_job: dict[int, dict[str, Any]] = {}
    for k, row in iter_parallel(
        run_job,
        [jobs[i] for i in order],
        backend=backend,
        workers=workers,
        progress=progress,
        address=address,
        description="bench",
    ):
        if row["status"] == Status.INTERRUPTED.value:
            continue
        by_job[order[k]] = row
        if on_row is not None:
            on_row(row)
    return with_gaps([by_job[i] for i in sorted(by_job)])
