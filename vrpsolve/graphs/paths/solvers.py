"""Path-query solvers: greedy geographic forwarding and learned greedy routing.

Each answers every query of a :class:`~vrpsolve.graphs.paths.model.PathQueryInstance` with the
path its memoryless greedy router follows, or ``None`` where the router loops or reaches the
query's hop limit (see :mod:`vrpsolve.graphs.paths.routers`);
:func:`~vrpsolve.graphs.paths.model.evaluate_paths` then judges success and stretch. Queries are
answered in order until the time limit; unanswered ones count as failed.

``path-learned`` takes the option ``policy``: a checkpoint path or a name in
``policies/path-routing/`` (default :data:`DEFAULT_POLICY`).
"""

from __future__ import annotations

import time
from abc import abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from vrpsolve.catalog import policies_dir
from vrpsolve.core.errors import InputError
from vrpsolve.core.options import SolverOption, check_options
from vrpsolve.core.solver import Solver, SolverOutput
from vrpsolve.core.stop import expired
from vrpsolve.graphs.paths.model import PATH_ATTRIBUTES, PathQueryInstance, PathSolution

POLICY_DIR = policies_dir() / "path-routing"
"""Where shipped path-routing checkpoints live (``<name>.pt`` with a model card ``<name>.md``)."""

DEFAULT_POLICY = "rgg"
"""The policy ``path-learned`` loads unless told otherwise (trained on random geometric graphs)."""


class _PathSolver(Solver):
    family: ClassVar[str] = "path_query"
    supported_attributes: ClassVar[frozenset[str]] = PATH_ATTRIBUTES
    default_time_limit: ClassVar[float] = 60.0

    def run(
        self, instance: PathQueryInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Route the queries in order until done, out of time or asked to stop (seed unused)."""
        from vrpsolve.graphs.paths.routers import greedy_route

        deadline = time.perf_counter() + time_limit
        vectors, stats = self._vectors(instance, check_options(self, options))
        paths: list[tuple[int, ...] | None] = [None] * instance.num_queries
        answered = 0
        for i, ((source, target), limit) in enumerate(
            zip(instance.queries.tolist(), instance.hop_limits.tolist(), strict=True)
        ):
            if expired(deadline):
                break
            paths[i] = greedy_route(instance, vectors, source, target, limit)
            answered += 1
        stats["answered"] = answered
        return SolverOutput(PathSolution(tuple(paths)), stats=stats)

    @abstractmethod
    def _vectors(
        self, instance: PathQueryInstance, options: dict[str, Any]
    ) -> tuple[NDArray[np.floating], dict[str, Any]]:
        """The node vectors to route greedily by, and the settings to report in the stats."""


class PathGreedySolver(_PathSolver):
    """Greedy geographic forwarding: the next hop is the neighbour nearest the target."""

    name: ClassVar[str] = "path-greedy"
    summary: ClassVar[str] = "greedy geographic forwarding (fails on a loop or the hop limit)"

    def _vectors(
        self, instance: PathQueryInstance, options: dict[str, Any]
    ) -> tuple[NDArray[np.floating], dict[str, Any]]:
        return instance.coordinates, {}


class PathLearnedSolver(_PathSolver):
    """Learned greedy routing: the next hop is the neighbour nearest the target in ``f``."""

    name: ClassVar[str] = "path-learned"
    summary: ClassVar[str] = "learned greedy routing (graph convolutions, shortest-path oracle)"
    requires: ClassVar[tuple[str, ...]] = ("torch",)
    options = (
        SolverOption(
            "policy", str, DEFAULT_POLICY, "checkpoint path, or a name in policies/path-routing/"
        ),
    )

    def _vectors(
        self, instance: PathQueryInstance, options: dict[str, Any]
    ) -> tuple[NDArray[np.floating], dict[str, Any]]:
        from vrpsolve.core.threads import one_thread
        from vrpsolve.graphs.paths.routers import load_path_checkpoint, vertex_vectors

        path = policy_path(options["policy"])
        model, _ = load_path_checkpoint(path)
        with one_thread():
            vectors = vertex_vectors(model, instance)
        return vectors, {"policy": str(path)}


def policy_path(name_or_path: str) -> Path:
    """A path-routing checkpoint from a path or a name in :data:`POLICY_DIR`."""
    path = Path(name_or_path)
    if not path.suffix:
        path = POLICY_DIR / f"{name_or_path}.pt"
    if not path.exists():
        raise InputError("no path-routing checkpoint here", path)
    return path
