"""A Gymnasium environment for graph search: an episode routes one query through the graph.

:class:`GraphSearchEnv` exposes the best-first search of
:func:`vrpsolve.graphs.search.algorithms.beam_search` one expansion at a time and lets the agent
pick which candidate to expand. The search state is the beam search's: a pool of the ``ef`` nearest
vertices seen, and the candidates (vertices of the pool not yet expanded); every distance goes
through a :class:`~vrpsolve.graphs.search.algorithms.DistanceCounter` under the instance's DCS
budget, so DCS are counted exactly as the solvers count them. Always expanding the nearest candidate
(action 0) reproduces :func:`~vrpsolve.graphs.search.algorithms.beam_search` with the same ``ef``
(``ef=1``: greedy search) vertex for vertex, DCS included; :func:`search_with_policy` runs a policy
over every query and hands back a :class:`~vrpsolve.graphs.search.model.SearchSolution` for
:func:`~vrpsolve.graphs.search.model.evaluate_search`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

from vrpsolve.envs.base import (
    DEFAULT_INVALID_ACTION,
    InstanceCycle,
    InvalidAction,
    MaskedEnv,
    Observation,
    StepResult,
)
from vrpsolve.graphs.search.algorithms import DistanceCounter, SimilarityGraph
from vrpsolve.graphs.search.model import EMPTY, GraphSearchInstance, SearchSolution


def distance_bound(instance: GraphSearchInstance) -> float:
    """A finite bound on the distance between any query and any base vector.

    By the triangle inequality through the base vectors' mean ``c``: ``|q - b| <= |q - c| +
    max |b - c|``, computed in float64 with a margin of 1e-4 for float32 rounding.
    """
    base = instance.base.astype(np.float64)
    centre = base.mean(axis=0)
    spread = float(np.sqrt(((base - centre) ** 2).sum(axis=1)).max(initial=0.0))
    queries = instance.queries.astype(np.float64)
    reach = float(np.sqrt(((queries - centre) ** 2).sum(axis=1)).max(initial=0.0))
    return float(np.float32((spread + reach) * (1 + 1e-4) + 1e-6))


class GraphSearchEnv(MaskedEnv):
    """Route one query of a graph-search instance per episode, one expansion per step.

    ``n`` is the number of base vectors and ``C = ef`` the size of the candidate set.

    Parameters
    ----------
    instance
        The :class:`~vrpsolve.graphs.search.model.GraphSearchInstance`; episode ``j`` routes
        query ``j``. Resets cycle through the queries, a seeded reset starts again at the first,
        and ``reset(options={"index": j})`` picks query ``j``.
    ef
        Size of the pool of nearest vertices kept (the beam width), hence of the candidate set.
    budget
        DCS per episode (default: the instance's); at least 2, so that the entry can be expanded.
    invalid_action
        ``"terminate"`` (default): an action the mask forbids ends the episode (state unchanged,
        reward minus :attr:`invalid_penalty`, ``info["invalid_action"]``), so agents and
        checkers that sample the whole action space, such as Gymnasium's ``check_env``, run.
        ``"raise"``: it raises ``ValueError`` naming it and the allowed ones.
    render_mode
        Only ``None``: the environment does not render.

    Observation
        A dict. ``current`` (``Discrete(n)``): the vertex expanded last (the entry after
        :meth:`reset`). ``candidates`` (``MultiDiscrete([n] * C)``): the candidate vertices,
        nearest the query first (ties by id), padded with 0; ``distances`` (``float32 (C,)``):
        their Euclidean distances to the query, padded with 0; ``action_mask``
        (``MultiBinary(C)``, ``int8``): 1 for the real candidates. ``dcs`` (``float32 (1,)``,
        in ``[0, budget]``): distance computations spent; ``best`` (``float32 (1,)``): the
        distance of the nearest vertex met so far. Distances are unscaled; their boxes end at
        :func:`distance_bound` of the instance.
    Actions
        ``Discrete(C)``: expand candidate ``i``: compute the distances from the query to its
        out-neighbours not met before (one DCS each, stopping at the budget) and keep the ``ef``
        nearest vertices met in the pool. A candidate is a pool vertex not yet expanded and no
        farther than the pool's farthest when the pool is full (beam search's stopping rule).
        Sample allowed actions with ``env.action_space.sample(mask=obs["action_mask"])``.
    Constraints
        The DCS budget (each new out-neighbour's distance costs one) and the candidate rule
        above; the mask allows exactly the candidates.
    Reward
        Sparse: 1 at the end of an episode whose answer (the nearest vertex met) is the query's
        nearest neighbour, or ties its distance (the evaluator's Recall@1 rule); 0 otherwise, so
        an episode's return is its Recall@1. No per-step shaping.
    Finish
        ``terminated`` once the budget is spent or no candidate is left (or, in ``"terminate"``
        mode, after a forbidden action); ``truncated`` is always ``False``. A :meth:`step` after
        termination raises ``RuntimeError``: call :meth:`reset`.
    Info
        ``"index"`` (the query) and ``"dcs"``; on the last step also ``"ids"`` (the ``k`` nearest
        vertices met, nearest first, padded with -1) and ``"hit"``.
    """

    def __init__(
        self,
        instance: GraphSearchInstance,
        *,
        ef: int = 32,
        budget: int | None = None,
        invalid_action: InvalidAction = DEFAULT_INVALID_ACTION,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(invalid_action=invalid_action, render_mode=render_mode)
        if not isinstance(instance, GraphSearchInstance):
            raise ValueError(f"expected a GraphSearchInstance, got {type(instance).__name__}")
        if isinstance(ef, bool) or not isinstance(ef, int | np.integer) or ef < 1:
            raise ValueError(f"ef must be a positive integer, got {ef!r}")
        budget = instance.budget if budget is None else budget
        if isinstance(budget, bool) or not isinstance(budget, int | np.integer) or budget < 2:
            raise ValueError(f"budget must be an integer of at least 2, got {budget!r}")
        self.instance = instance
        self.graph = SimilarityGraph.of(instance)
        self.ef = int(ef)
        self.budget = int(budget)
        self.invalid_penalty = 1.0
        """Reward lost on a forbidden action in ``"terminate"`` mode (below any real return)."""
        n, width = instance.num_vectors, self.ef
        bound = distance_bound(instance)
        self.observation_space = spaces.Dict(
            {
                "current": spaces.Discrete(n),
                "candidates": spaces.MultiDiscrete(np.full(width, n)),
                "distances": spaces.Box(0.0, bound, shape=(width,), dtype=np.float32),
                "action_mask": spaces.MultiBinary(width),
                "dcs": spaces.Box(0.0, float(self.budget), shape=(1,), dtype=np.float32),
                "best": spaces.Box(0.0, bound, shape=(1,), dtype=np.float32),
            }
        )
        self.action_space = spaces.Discrete(width)
        self._cycle = InstanceCycle(instance.num_queries)
        self._index = -1
        self._counter: DistanceCounter | None = None
        self._candidates: list[tuple[float, int]] = []
        self._pool: list[tuple[float, int]] = []
        self._open: list[tuple[float, int]] = []
        self._current = instance.entry

    @property
    def query(self) -> int:
        """The query the episode routes."""
        if self._counter is None:
            raise RuntimeError("no episode yet: call reset() first")
        return self._index

    def action_mask(self) -> NDArray[np.int8]:
        """``int8`` per candidate slot, 1 for the real candidates."""
        if self._counter is None:
            raise RuntimeError("no episode yet: call reset() first")
        mask = np.zeros(self.ef, dtype=np.int8)
        mask[: len(self._open)] = 1
        return mask

    # -- hooks of MaskedEnv ----------------------------------------------------------------------
    def _start(
        self, options: dict[str, Any], seed: int | None
    ) -> tuple[Observation, dict[str, Any]]:
        """An episode on the next query; ``options={"index": j}`` picks query ``j``."""
        self._index = self._cycle.pick(options, seeded=seed is not None)
        self._counter = DistanceCounter(
            self.instance.base, self.instance.queries[self._index], budget=self.budget
        )
        entry = self.instance.entry
        _, distance = self._counter.compute(np.array([entry]))
        self._candidates = [(float(distance[0]), entry)]
        self._pool = [(-float(distance[0]), entry)]
        self._current = entry
        self._refresh()
        return self._observation(), {"index": self._index, "dcs": self._counter.spent}

    def _transition(self, action: int) -> StepResult:
        """Expand candidate ``action``."""
        counter = self._counter
        assert counter is not None
        info: dict[str, Any] = {"index": self._index}
        chosen = self._open[action]
        self._candidates.remove(chosen)
        heapq.heapify(self._candidates)
        self._current = chosen[1]
        ids, distances = counter.compute(self.graph.out_neighbours(chosen[1]))
        pool, ef = self._pool, self.ef
        for u, du in zip(ids.tolist(), distances.tolist(), strict=True):
            if len(pool) < ef or du < -pool[0][0]:
                heapq.heappush(self._candidates, (du, u))
                heapq.heappush(pool, (-du, u))
                if len(pool) > ef:
                    heapq.heappop(pool)
        self._refresh()
        terminated = not self._open or counter.remaining == 0
        info["dcs"] = counter.spent
        reward = 0.0
        if terminated:
            answer = self.answer()
            hit = _is_hit(self.instance, self._index, int(answer[0]))
            info |= {"ids": answer, "hit": hit}
            reward = 1.0 if hit else 0.0
        return self._observation(), reward, terminated, False, info

    def _refusal(self, action: int) -> str:
        return (
            f"action {action} is not allowed: there are {len(self._open)} candidates; "
            f"allowed actions: {list(range(len(self._open)))}"
        )

    def _forbidden_info(self) -> dict[str, Any]:
        assert self._counter is not None
        return {"index": self._index, "dcs": self._counter.spent}

    def answer(self) -> np.ndarray:
        """The ``k`` nearest vertices met so far, nearest first, padded with -1."""
        if self._counter is None:
            raise RuntimeError("no episode yet: call reset() first")
        ids = np.full(self.instance.k, EMPTY, dtype=np.int64)
        found, _ = self._counter.ranked(self.instance.k)
        ids[: found.size] = found
        return ids

    def _refresh(self) -> None:
        """The candidates allowed now: unexpanded, and within the full pool's farthest."""
        full = len(self._pool) >= self.ef
        worst = -self._pool[0][0] if self._pool else math.inf
        allowed = [c for c in self._candidates if not (full and c[0] > worst)]
        self._open = sorted(allowed)[: self.ef]

    def _observation(self) -> Observation:
        """A fresh observation of the current state."""
        assert self._counter is not None
        width = self.ef
        ids = np.zeros(width, dtype=np.int64)
        distances = np.zeros(width, dtype=np.float32)
        mask = np.zeros(width, dtype=np.int8)
        for i, (d, v) in enumerate(self._open):
            ids[i], distances[i], mask[i] = v, math.sqrt(max(d, 0.0)), 1
        _, nearest = self._counter.ranked(1)
        best = math.sqrt(max(float(nearest[0]), 0.0)) if nearest.size else 0.0
        return {
            "current": np.int64(self._current),
            "candidates": ids,
            "distances": distances,
            "action_mask": mask,
            "dcs": np.array([self._counter.spent], dtype=np.float32),
            "best": np.array([best], dtype=np.float32),
        }


def _is_hit(instance: GraphSearchInstance, query: int, vertex: int) -> bool:
    """Whether ``vertex`` is the query's nearest neighbour or ties its distance (the evaluator's
    rule)."""
    if vertex == EMPTY:
        return False
    nearest = int(instance.neighbours[query, 0])
    if vertex == nearest:
        return True
    q = instance.queries[query].astype(np.float64)
    got = np.sum((instance.base[vertex].astype(np.float64) - q) ** 2)
    return bool(got <= np.sum((instance.base[nearest].astype(np.float64) - q) ** 2))


def closest_candidate(observation: Observation) -> int:
    """The policy that always expands the nearest candidate (beam search's rule)."""
    return 0


def search_with_policy(
    instance: GraphSearchInstance,
    policy: Callable[[Observation], int],
    *,
    ef: int = 32,
    budget: int | None = None,
) -> SearchSolution:
    """Run one episode per query with ``policy`` choosing the actions; the answers and DCS.

    The result is what :func:`~vrpsolve.graphs.search.model.evaluate_search` judges; with
    :func:`closest_candidate` it equals :func:`vrpsolve.graphs.search.algorithms.search_queries`
    with the same ``ef`` and budget and ``k = instance.k``.
    """
    env = GraphSearchEnv(instance, ef=ef, budget=budget, invalid_action="raise")
    ids = np.full((instance.num_queries, instance.k), EMPTY, dtype=np.int64)
    dcs = np.zeros(instance.num_queries)
    for query in range(instance.num_queries):
        observation, info = env.reset(options={"index": query})
        terminated = False
        while not terminated:
            observation, _, terminated, _, info = env.step(policy(observation))
        ids[query] = info["ids"]
        dcs[query] = info["dcs"]
    return SearchSolution(ids, dcs)
