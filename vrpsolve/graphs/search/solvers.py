"""Graph-search solvers: greedy, beam and learned routing on the instance's similarity graph.

Each answers every query of a :class:`~vrpsolve.graphs.search.model.GraphSearchInstance` with
its ranked candidates and the DCS it spent; :func:`~vrpsolve.graphs.search.model.evaluate_search`
then judges the recall and the claims. The DCS budget per query is the instance's. Options (all
optional, declared in each solver's ``options``):

- ``ef``: beam width (``graph-beam``: 32; ``graph-learned``: the policy's training width).
- ``rerank``: ``graph-learned`` only, candidates re-ranked by exact distance (default: the
  policy's).
- ``policy``: ``graph-learned`` only, a checkpoint path or a name in ``policies/graph-routing/``
  (default :data:`DEFAULT_POLICY`).

Queries are answered in order until the time limit; unanswered ones stay empty (misses).
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from vrpsolve.catalog import policies_dir
from vrpsolve.core.errors import InputError
from vrpsolve.core.options import SolverOption, check_options
from vrpsolve.core.solver import Solver, SolverOutput
from vrpsolve.core.stop import expired
from vrpsolve.graphs.search.model import (
    EMPTY,
    SEARCH_ATTRIBUTES,
    GraphSearchInstance,
    SearchSolution,
)

POLICY_DIR = policies_dir() / "graph-routing"
"""Where shipped routing checkpoints live (``<name>.pt`` with a model card ``<name>.md``)."""

DEFAULT_POLICY = "gauss-20k"
"""The policy ``graph-learned`` loads unless told otherwise (96-dimensional vectors)."""

_CHUNK = 64
"""Queries answered between two looks at the clock."""

Search = Callable[[NDArray[np.float32]], SearchSolution]


class _GraphSearchSolver(Solver):
    family: ClassVar[str] = "graph_search"
    supported_attributes: ClassVar[frozenset[str]] = SEARCH_ATTRIBUTES
    default_time_limit: ClassVar[float] = 60.0

    def run(
        self, instance: GraphSearchInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Answer the queries in order until done, out of time or asked to stop (seed unused)."""
        deadline = time.perf_counter() + time_limit
        budget = float(instance.budget)
        search, stats = self._searcher(instance, budget, check_options(self, options))
        ids = np.full((instance.num_queries, instance.k), EMPTY, dtype=np.int64)
        dcs = np.zeros(instance.num_queries)
        answered = 0
        while answered < instance.num_queries and not expired(deadline):
            chunk = slice(answered, answered + _CHUNK)
            found = search(instance.queries[chunk])
            ids[chunk] = found.ids
            dcs[chunk] = found.dcs
            answered = min(instance.num_queries, answered + _CHUNK)
        mean_dcs = float(dcs[:answered].mean()) if answered else None
        stats.update(answered=answered, budget=budget, mean_dcs=mean_dcs)
        return SolverOutput(SearchSolution(ids, dcs), stats=stats)

    @abstractmethod
    def _searcher(
        self, instance: GraphSearchInstance, budget: float, options: dict[str, Any]
    ) -> tuple[Search, dict[str, Any]]:
        """A function answering a block of queries, and the settings to report in the stats."""


class GraphGreedySolver(_GraphSearchSolver):
    """Greedy routing from the entry vertex (beam width 1)."""

    name: ClassVar[str] = "graph-greedy"
    summary: ClassVar[str] = "greedy routing on the similarity graph (stops in a local minimum)"

    def _searcher(
        self, instance: GraphSearchInstance, budget: float, options: dict[str, Any]
    ) -> tuple[Search, dict[str, Any]]:
        return _beam(instance, 1, budget), {"ef": 1}


class GraphBeamSolver(_GraphSearchSolver):
    """Beam search of width ``ef`` from the entry vertex."""

    name: ClassVar[str] = "graph-beam"
    summary: ClassVar[str] = "beam search (ef) on the similarity graph, exact distances"
    options = (SolverOption("ef", int, 32, "beam width", minimum=1),)

    def _searcher(
        self, instance: GraphSearchInstance, budget: float, options: dict[str, Any]
    ) -> tuple[Search, dict[str, Any]]:
        ef = options["ef"]
        return _beam(instance, ef, budget), {"ef": ef}


class GraphLearnedSolver(_GraphSearchSolver):
    """Routing in a learned vertex space, exact re-ranking of the best candidates."""

    name: ClassVar[str] = "graph-learned"
    summary: ClassVar[str] = "learned routing (graph convolutions, imitation of a BFS oracle)"
    requires: ClassVar[tuple[str, ...]] = ("torch",)
    options = (
        SolverOption(
            "policy",
            str,
            DEFAULT_POLICY,
            "checkpoint path, or a name in policies/graph-routing/",
        ),
        SolverOption("ef", int, None, "beam width (default: the policy's)", minimum=1),
        SolverOption(
            "rerank",
            int,
            None,
            "candidates re-ranked by exact distance (default: the policy's)",
            minimum=1,
        ),
    )

    def _searcher(
        self, instance: GraphSearchInstance, budget: float, options: dict[str, Any]
    ) -> tuple[Search, dict[str, Any]]:
        from vrpsolve.core.threads import one_thread
        from vrpsolve.graphs.search.algorithms import SimilarityGraph
        from vrpsolve.graphs.search.learned import graph_fingerprint, load_checkpoint, make_router

        path = policy_path(options["policy"])
        model, checkpoint = load_checkpoint(path)
        if model.config.dim != instance.dim:
            raise InputError(
                f"the policy routes {model.config.dim}-dimensional vectors and "
                f"{instance.name} has {instance.dim}; pick a policy trained on such data",
                path,
            )
        graph = SimilarityGraph.of(instance)
        with one_thread():
            router = make_router(model, graph, instance.base)
        ef = model.config.ef if options["ef"] is None else options["ef"]
        rerank = model.config.rerank if options["rerank"] is None else options["rerank"]

        def search(queries: NDArray[np.float32]) -> SearchSolution:
            with one_thread():
                return router.search(
                    instance.base, queries, budget=budget, ef=ef, rerank=rerank, k=instance.k
                )

        seen = checkpoint["metadata"].get("graph_fingerprint") == graph_fingerprint(graph)
        return search, {"ef": ef, "rerank": rerank, "policy": str(path), "trained_graph": seen}


def policy_path(name_or_path: str) -> Path:
    """A routing checkpoint from a path or a name in :data:`POLICY_DIR`."""
    path = Path(name_or_path)
    if not path.suffix:
        path = POLICY_DIR / f"{name_or_path}.pt"
    if not path.exists():
        raise InputError("no graph-routing checkpoint here", path)
    return path


def _beam(instance: GraphSearchInstance, ef: int, budget: float) -> Search:
    from vrpsolve.graphs.search.algorithms import SimilarityGraph, search_queries

    graph = SimilarityGraph.of(instance)

    def search(queries: NDArray[np.float32]) -> SearchSolution:
        return search_queries(graph, instance.base, queries, ef=ef, budget=budget, k=instance.k)

    return search
