"""Run independent jobs in parallel worker processes or as Ray tasks, one thread each."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, TypeVar

from tqdm import tqdm

from .errors import BenchInputError
from .jobs import BenchJob, run_job
from .tables import with_gaps

T = TypeVar("T")
R = TypeVar("R")

BACKENDS = ("process", "ray")
"""Names of the pool backends."""

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


def _single_threaded() -> None:
    """Pool initializer: one thread per worker, set before the job imports numerical libraries."""
    os.environ.update(SINGLE_THREAD_ENV)


@contextmanager
def _progress_bar(total: int, enabled: bool, description: str) -> Iterator[tqdm[Any] | None]:
    """A tqdm bar of finished jobs on stderr, or ``None`` when disabled."""
    if not enabled:
        yield None
        return
    bar: tqdm[Any] = tqdm(total=total, desc=description, unit="job", file=sys.stderr)
    try:
        yield bar
    finally:
        bar.close()


def _run_processes(
    fn: Callable[[T], R], items: Sequence[T], workers: int, bar: tqdm[Any] | None
) -> list[R]:
    """``fn`` over ``items`` in a pool of fresh (spawned) worker processes."""
    results: dict[int, R] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_single_threaded) as pool:
        pending: dict[Future[R], int] = {pool.submit(fn, item): i for i, item in enumerate(items)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    results[pending.pop(future)] = future.result()
                    if bar is not None:
                        bar.update()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [results[i] for i in range(len(items))]


def _run_ray(
    fn: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    bar: tqdm[Any] | None,
    address: str | None,
) -> list[R]:
    """``fn`` over ``items`` as single-CPU Ray tasks.

    Joins the cluster at ``address`` when given, else uses the running Ray instance, else starts
    a local one with ``workers`` CPUs; shuts down only an instance it started.
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
    try:
        task = ray.remote(num_cpus=1)(fn).options(runtime_env={"env_vars": SINGLE_THREAD_ENV})
        refs = [task.remote(item) for item in items]
        index = {ref: i for i, ref in enumerate(refs)}
        results: dict[int, R] = {}
        pending = list(refs)
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for ref in done:
                    results[index[ref]] = ray.get(ref)
                    if bar is not None:
                        bar.update()
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
        return [results[i] for i in range(len(items))]
    finally:
        if started:
            ray.shutdown()


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
    """Apply ``fn`` to every item in parallel and return the results in item order.

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

    Returns
    -------
    list
        ``fn(item)`` for each item, in the order of ``items``. An exception raised by ``fn``
        cancels the jobs not yet started and is re-raised.
    """
    if backend not in BACKENDS:
        raise BenchInputError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
    if workers < 1:
        raise BenchInputError(f"the number of workers must be at least 1, got {workers}")
    if address is not None and backend != "ray":
        raise BenchInputError("a cluster address needs the ray backend")
    if not items:
        return []
    with _progress_bar(len(items), progress, description) as bar:
        if backend == "ray":
            return _run_ray(fn, items, workers, bar, address)
        return _run_processes(fn, items, min(workers, len(items)), bar)


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
) -> list[dict[str, Any]]:
    """Run benchmark jobs in parallel and return one row per job, in job order.

    A job that raises is a row with status ``"error"`` (see :func:`run_job`); the benchmark
    goes on. Gaps are filled in once every job has run (:func:`~.tables.with_gaps`).
    Parameters are those of :func:`run_parallel`.
    """
    order = sorted(range(len(jobs)), key=lambda i: _longest_first(jobs[i]))
    rows = run_parallel(
        run_job,
        [jobs[i] for i in order],
        backend=backend,
        workers=workers,
        progress=progress,
        address=address,
        description="bench",
    )
    by_job = dict(zip(order, rows, strict=True))
    return with_gaps([by_job[i] for i in range(len(jobs))])
