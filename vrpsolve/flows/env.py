"""A Gymnasium environment for priority flow admission (PFAR): one flow per step, reject or route.

:class:`FlowAdmissionEnv` presents the flows of a
:class:`~vrpsolve.flows.model.FlowAdmissionInstance` one at a time, in the order of
:func:`~vrpsolve.flows.greedy.admission_order` (highest priority first). For each flow the agent
rejects it or admits it on one of its ``k`` candidate paths,
:func:`vrpsolve.flows.ilp.candidate_paths`: the shortest simple paths of the network (by delay,
by hops when no link has a delay) that keep the flow's hop and delay limits and use only links
whose capacity can hold its demand at all (the path formulation's candidates). The action mask
allows the candidates that still fit the residual capacity. A finished episode hands back a
:class:`~vrpsolve.flows.model.FlowSolution` that
:func:`~vrpsolve.flows.model.evaluate_flows` judges, and in weighted mode the episode's
return is that evaluator's objective.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

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
    draw_seed,
)
from vrpsolve.flows.greedy import admission_order
from vrpsolve.flows.ilp import candidate_paths
from vrpsolve.flows.model import (
    AdmissionMode,
    FlowAdmissionInstance,
    FlowSolution,
    Path,
    evaluate_flows,
    within,
)

InstanceGenerator = Callable[[np.random.Generator], FlowAdmissionInstance]
"""Draws one instance from the generator it is given."""

RewardMode = Literal["auto", "priority", "lexicographic"]
"""How an admitted flow is rewarded (see :class:`FlowAdmissionEnv`)."""

RATIO_CAP = 10.0
"""Upper clip of the candidate feature bottleneck residual / demand."""

_FLOW_COLUMNS = 4  # demand, priority, pending, admitted
_CANDIDATE_COLUMNS = 3  # hops, delay, bottleneck residual / demand


# -- the environment -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Candidate:
    path: Path
    links: NDArray[np.intp]
    hops: int
    delay: float


@dataclass
class _Prepared:
    """What an episode on one instance needs and never changes: order, rewards, scales, paths."""

    instance: FlowAdmissionInstance
    order: list[int]
    rewards: NDArray[np.float64]
    capacity: NDArray[np.float64]
    demand_scale: float
    delay_scale: float
    flow_table: NDArray[np.float32]
    """Demand and priority features of the flows in presentation order, padded to max_flows."""
    candidates: dict[int, list[_Candidate]] = field(default_factory=dict)


def _class_weights(instance: FlowAdmissionInstance) -> dict[float, float]:
    """A reward per priority class worth more than all flows of the lower classes together.

    Classes from the lowest positive one up get ``1 + sum(weight * count)`` of the classes below,
    so returns sort like the lexicographic key; priority 0 is worth 0, as in the evaluator.
    """
    counts = Counter(flow.priority for flow in instance.flows)
    weights: dict[float, float] = {}
    below = 0.0
    for priority in sorted(counts):
        if priority <= 0:
            weights[priority] = 0.0
            continue
        weights[priority] = below + 1.0
        below += weights[priority] * counts[priority]
    return weights


class FlowAdmissionEnv(MaskedEnv):
    """Admit or reject the flows of one PFAR instance per episode, one flow per step.

    ``N`` nodes and ``L`` links are shared by every instance of one environment and no instance
    has more than ``F = max_flows`` flows, so the spaces are fixed; ``k`` is the number of
    candidate paths per flow.

    Parameters
    ----------
    source
        A :class:`~vrpsolve.flows.model.FlowAdmissionInstance` or a sequence of them:
        resets cycle through them, a seeded reset starts again at the first, and
        ``reset(options={"index": j})`` picks instance ``j``. Or a generator callable
        ``(numpy.random.Generator) -> FlowAdmissionInstance``: every :meth:`reset` draws a fresh
        instance from a generator seeded from :attr:`np_random` (so ``reset(seed=s)`` reproduces
        it); the environment calls it once when built, with ``numpy.random.default_rng(0)``, to
        learn ``N``, ``L`` and (unless given) ``F``. An instance with no flows, or whose node,
        link or flow counts do not fit, raises ``ValueError``.
    k
        Candidate paths per flow (at least 1).
    max_flows
        ``F``, the number of rows of the ``flows`` observation; by default the most flows of the
        given instances (or of the generator's first instance).
    reward
        ``"priority"``: an admitted flow earns its priority. ``"lexicographic"``: it earns the
        weight of its priority class, where each class is worth more than all the instance's
        flows of lower classes together (priority 0 earns 0), so returns sort as the evaluator's
        lexicographic key. ``"auto"`` (default): ``"priority"`` on weighted instances and
        ``"lexicographic"`` on lexicographic ones. A rejected flow earns 0.
    invalid_action
        ``"terminate"`` (default): an action the mask forbids ends the episode (state unchanged,
        reward minus :attr:`invalid_penalty`, ``info["invalid_action"]``), so agents and
        checkers that sample the whole action space, such as Gymnasium's ``check_env``, run.
        ``"raise"``: it raises ``ValueError`` naming it and the allowed ones.
    render_mode
        Only ``None``: the environment does not render.

    Observation
        A dict of ``float32`` boxes in ``[0, 1]`` unless noted. ``residual (L,)``: each link's
        residual capacity over its capacity (1 on uncapacitated links). Of the current flow:
        ``demand (1,)`` over the largest finite link capacity (over the largest demand when every
        link is uncapacitated; clipped at 1), ``priority (1,)`` over the instance's largest
        priority, ``endpoints`` (``MultiDiscrete([N, N])``: source and target node positions) and
        ``candidates (k, 3)``, one row per candidate path: hops over ``N - 1``, delay over
        ``(N - 1)`` times the longest link delay, and the least residual capacity along the path
        over the demand (clipped at :data:`RATIO_CAP`; a missing candidate is a row of zeros).
        ``flows (F, 4)``: every flow in presentation order with demand and priority (scaled as
        above), pending (1 until decided) and admitted (0 or 1); padding rows are zeros.
        ``progress (1,)``: the fraction of flows decided. ``action_mask`` (``MultiBinary(k + 1)``,
        ``int8``): 1 where the action is allowed. After the last flow the current-flow entries
        are zeros and only rejection is allowed.
    Actions
        ``Discrete(k + 1)``: 0 rejects the current flow, ``i >= 1`` admits it on candidate
        ``i - 1`` (:attr:`candidates`). Rejection is always allowed; a candidate is allowed when
        it exists and every link on it still holds the demand (the evaluator's
        :func:`~vrpsolve.flows.model.within` test). Sample allowed actions with
        ``env.action_space.sample(mask=obs["action_mask"])``.
    Constraints
        Link capacities (an admitted flow uses its demand on every link of its path) and each
        flow's hop and delay limits (kept by every candidate).
    Reward
        See ``reward``. In ``"priority"`` mode the return of a finished episode is the
        objective :func:`~vrpsolve.flows.model.evaluate_flows` gives
        ``info["solution"]`` (exactly so for integer priorities; up to float rounding, as the
        sums run in different orders, otherwise).
    Finish
        ``terminated`` after the last flow (or, in ``"terminate"`` mode, after a forbidden
        action); ``truncated`` is always ``False``. A :meth:`step` after termination raises
        ``RuntimeError``: call :meth:`reset`.
    Info
        ``"flow"``: the index in the instance of the flow to decide next (:meth:`reset`) or just
        decided (:meth:`step`, with ``"admitted"``). Instance-backed resets report ``"index"``,
        generator-backed ones the ``"seed"`` the instance was drawn with. The step that decides
        the last flow adds ``"solution"`` (a
        :class:`~vrpsolve.flows.model.FlowSolution` of :attr:`instance`), the
        evaluator's ``"objective"`` and its comparison ``"key"``; an episode ended by a forbidden
        action has none of these.

    Notes
    -----
    Candidate paths are fixed per flow, computed on the whole network rather than on the
    residual one, as in the path formulation of :mod:`vrpsolve.flows.ilp`; they are computed when
    their flow comes up and kept for the instance's later episodes (instance-backed
    environments). Always taking the first allowed candidate is
    :func:`~vrpsolve.flows.greedy.greedy_admission` when the candidates are all of a flow's usable
    paths and no two paths tie on delay (hops); with fewer candidates it can reject a flow for
    which greedy finds a detour on the residual network.
    """

    def __init__(
        self,
        source: FlowAdmissionInstance | Sequence[FlowAdmissionInstance] | InstanceGenerator,
        *,
        k: int = 4,
        max_flows: int | None = None,
        reward: RewardMode = "auto",
        invalid_action: InvalidAction = DEFAULT_INVALID_ACTION,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(invalid_action=invalid_action, render_mode=render_mode)
        if reward not in ("auto", "priority", "lexicographic"):
            raise ValueError(
                f"reward must be 'auto', 'priority' or 'lexicographic', got {reward!r}"
            )
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        self.reward_mode: RewardMode = reward
        self.k = int(k)
        self._generator: InstanceGenerator | None = None
        self._instances: tuple[FlowAdmissionInstance, ...] = ()
        self._cycle: InstanceCycle | None = None
        if isinstance(source, FlowAdmissionInstance):
            examples: tuple[FlowAdmissionInstance, ...] = (source,)
            self._instances = examples
        elif callable(source):
            self._generator = source
            examples = (source(np.random.default_rng(0)),)
        else:
            self._instances = examples = tuple(source)
        if not examples:
            raise ValueError("no instance given")
        if self._generator is None:
            self._cycle = InstanceCycle(len(examples))
        for j, instance in enumerate(examples):
            if not isinstance(instance, FlowAdmissionInstance):
                what = "the generator returned" if self._generator else f"instance {j} is"
                raise ValueError(f"{what} a {type(instance).__name__}, not a FlowAdmissionInstance")
        self.num_nodes = examples[0].num_nodes
        self.num_links = examples[0].num_links
        if max_flows is None:
            max_flows = max(instance.num_flows for instance in examples)
        if isinstance(max_flows, bool) or not isinstance(max_flows, int | np.integer):
            raise ValueError(f"max_flows must be an integer, got {max_flows!r}")
        self.max_flows = int(max_flows)
        for j, instance in enumerate(examples):
            self._check_shape(instance, None if self._generator else j)

        n, links, flows = self.num_nodes, self.num_links, self.max_flows
        candidate_high = np.broadcast_to(
            np.array([1.0, 1.0, RATIO_CAP], dtype=np.float32), (self.k, _CANDIDATE_COLUMNS)
        )
        self.observation_space = spaces.Dict(
            {
                "residual": _unit((links,)),
                "demand": _unit((1,)),
                "priority": _unit((1,)),
                "endpoints": spaces.MultiDiscrete([n, n]),
                "candidates": spaces.Box(0.0, candidate_high.copy(), dtype=np.float32),
                "flows": _unit((flows, _FLOW_COLUMNS)),
                "progress": _unit((1,)),
                "action_mask": spaces.MultiBinary(self.k + 1),
            }
        )
        self.action_space = spaces.Discrete(self.k + 1)

        self._prepared: dict[int, _Prepared] = {}
        self._episode: _Prepared | None = None
        self._load = np.zeros(links)
        self._position = 0
        self._paths: list[Path | None] = []
        self._status = np.zeros((flows, 2), dtype=np.float32)
        self._mask = np.zeros(self.k + 1, dtype=np.int8)
        self.invalid_penalty = 0.0
        """Reward lost on a forbidden action in ``"terminate"`` mode: one more than every flow of
        the episode's instance earns together, so such an episode returns less than any other."""

    # -- public state ----------------------------------------------------------------------------
    @property
    def instance(self) -> FlowAdmissionInstance:
        """The episode's instance (the one ``info["solution"]`` belongs to)."""
        return self._current().instance

    @property
    def current_flow(self) -> int | None:
        """Index in :attr:`instance` of the flow to decide now; ``None`` once all are decided."""
        episode = self._current()
        if self._position >= len(episode.order):
            return None
        return episode.order[self._position]

    @property
    def candidates(self) -> tuple[Path, ...]:
        """The current flow's candidate paths (action ``i`` admits it on ``candidates[i - 1]``)."""
        return tuple(candidate.path for candidate in self._current_candidates())

    def action_mask(self) -> NDArray[np.int8]:
        """``int8`` per action, 1 where it is allowed now (rejection always is)."""
        self._current()
        return self._mask.copy()

    # -- hooks of MaskedEnv ----------------------------------------------------------------------
    def _start(
        self, options: dict[str, Any], seed: int | None
    ) -> tuple[Observation, dict[str, Any]]:
        """An episode on the next instance; ``options={"index": j}`` picks instance ``j``."""
        info: dict[str, Any] = {}
        if self._cycle is None:
            assert self._generator is not None
            if "index" in options:
                raise ValueError("options['index'] picks among given instances; this env draws")
            instance_seed = draw_seed(self.np_random)
            instance = self._generator(np.random.default_rng(instance_seed))
            if not isinstance(instance, FlowAdmissionInstance):
                raise ValueError(
                    f"the generator returned a {type(instance).__name__}, "
                    "not a FlowAdmissionInstance"
                )
            self._check_shape(instance, None)
            episode = self._prepare(instance)
            info["seed"] = instance_seed
        else:
            index = self._cycle.pick(options, seeded=seed is not None)
            if index not in self._prepared:
                self._prepared[index] = self._prepare(self._instances[index])
            episode = self._prepared[index]
            info["index"] = index
        self._episode = episode
        self._load = np.zeros(self.num_links)
        self._position = 0
        self._paths = [None] * episode.instance.num_flows
        self._status = np.zeros((self.max_flows, 2), dtype=np.float32)
        self._status[: episode.instance.num_flows, 0] = 1.0
        self.invalid_penalty = 1.0 + math.fsum(episode.rewards)
        info["flow"] = episode.order[0]
        return self._observation(), info

    def _transition(self, action: int) -> StepResult:
        episode = self._current()
        flow_index = episode.order[self._position]
        reward = 0.0
        if action > 0:
            candidate = self._current_candidates()[action - 1]
            self._load[candidate.links] += episode.instance.flows[flow_index].demand
            self._paths[flow_index] = candidate.path
            self._status[self._position, 1] = 1.0
            reward = float(episode.rewards[flow_index])
        self._status[self._position, 0] = 0.0
        self._position += 1
        info: dict[str, Any] = {"flow": flow_index, "admitted": action > 0}
        terminated = self._position == len(episode.order)
        if terminated:
            solution = FlowSolution(tuple(self._paths))
            evaluation = evaluate_flows(episode.instance, solution)
            info |= {
                "solution": solution,
                "objective": evaluation.objective,
                "key": evaluation.key(),
            }
        return self._observation(), reward, terminated, False, info

    def _refusal(self, action: int) -> str:
        allowed = np.flatnonzero(self._mask).tolist()
        return (
            f"action {action} is not allowed for flow {self.current_flow} "
            f"({len(self.candidates)} candidate paths); allowed actions: {allowed}"
        )

    def _forbidden_info(self) -> dict[str, Any]:
        return {"flow": self.current_flow}

    # -- internals -------------------------------------------------------------------------------
    def _current(self) -> _Prepared:
        if self._episode is None:
            raise RuntimeError("no episode yet: call reset() first")
        return self._episode

    def _check_shape(self, instance: FlowAdmissionInstance, index: int | None) -> None:
        where = "the generated instance" if index is None else f"instance {index}"
        if (instance.num_nodes, instance.num_links) != (self.num_nodes, self.num_links):
            raise ValueError(
                f"{where} has {instance.num_nodes} nodes and {instance.num_links} links; all "
                f"instances of one environment need the same counts (here {self.num_nodes} and "
                f"{self.num_links}), as the observation space is fixed"
            )
        if instance.num_flows < 1:
            raise ValueError(f"{where} has no flows: an episode needs at least one")
        if instance.num_flows > self.max_flows:
            raise ValueError(
                f"{where} has {instance.num_flows} flows, more than max_flows={self.max_flows}"
            )

    def _prepare(self, instance: FlowAdmissionInstance) -> _Prepared:
        order = admission_order(instance)
        lexicographic = self.reward_mode == "lexicographic" or (
            self.reward_mode == "auto" and instance.mode is AdmissionMode.LEXICOGRAPHIC
        )
        if lexicographic:
            weights = _class_weights(instance)
            rewards = [weights[flow.priority] for flow in instance.flows]
        else:
            rewards = [flow.priority for flow in instance.flows]
        capacity = instance.capacities()
        finite = capacity[np.isfinite(capacity)]
        demands = np.array([flow.demand for flow in instance.flows])
        demand_scale = float(finite.max()) if finite.size else float(demands.max())
        delay_scale = (self.num_nodes - 1) * float(instance.delays().max(initial=0.0))
        top_priority = max(flow.priority for flow in instance.flows)
        table = np.zeros((self.max_flows, 2), dtype=np.float32)
        for row, flow_index in enumerate(order):
            flow = instance.flows[flow_index]
            table[row] = (
                _ratio(flow.demand, demand_scale, 1.0),
                _ratio(flow.priority, top_priority, 1.0),
            )
        return _Prepared(
            instance=instance,
            order=order,
            rewards=np.array(rewards, dtype=np.float64),
            capacity=capacity,
            demand_scale=demand_scale,
            delay_scale=delay_scale,
            flow_table=table,
        )

    def _current_candidates(self) -> list[_Candidate]:
        episode = self._current()
        flow_index = self.current_flow
        if flow_index is None:
            return []
        if flow_index not in episode.candidates:
            instance = episode.instance
            found = []
            for path in candidate_paths(instance, flow_index, self.k):
                links = [instance.link_index(u, v) for u, v in itertools.pairwise(path)]
                delay = math.fsum(instance.links[j].delay for j in links)
                found.append(_Candidate(path, np.array(links, dtype=np.intp), len(links), delay))
            episode.candidates[flow_index] = found
        return episode.candidates[flow_index]

    def _observation(self) -> Observation:
        """A fresh observation of the current state (no array is shared with earlier ones)."""
        episode = self._current()
        instance = episode.instance
        capacity, load = episode.capacity, self._load
        residual = capacity - load
        with np.errstate(invalid="ignore"):
            share = np.where(np.isinf(capacity), 1.0, residual / capacity)
        mask = np.zeros(self.k + 1, dtype=np.int8)
        mask[0] = 1
        features = np.zeros((self.k, _CANDIDATE_COLUMNS), dtype=np.float32)
        demand = priority = 0.0
        endpoints = np.zeros(2, dtype=np.int64)
        flow_index = self.current_flow
        if flow_index is not None:
            flow = instance.flows[flow_index]
            demand = _ratio(flow.demand, episode.demand_scale, 1.0)
            priority = float(episode.flow_table[self._position, 1])
            endpoints[:] = (instance.node_index(flow.source), instance.node_index(flow.target))
            for i, candidate in enumerate(self._current_candidates()):
                fits = all(
                    within(load[j] + flow.demand, capacity[j]) for j in candidate.links.tolist()
                )
                mask[i + 1] = fits
                bottleneck = float(residual[candidate.links].min())
                features[i] = (
                    _ratio(candidate.hops, self.num_nodes - 1, 1.0),
                    _ratio(candidate.delay, episode.delay_scale, 1.0),
                    _ratio(max(bottleneck, 0.0), flow.demand, RATIO_CAP),
                )
        self._mask = mask
        decided = self._position / len(episode.order)
        return {
            "residual": np.clip(share, 0.0, 1.0).astype(np.float32),
            "demand": np.array([demand], dtype=np.float32),
            "priority": np.array([priority], dtype=np.float32),
            "endpoints": endpoints,
            "candidates": features,
            "flows": np.concatenate([episode.flow_table, self._status], axis=1),
            "progress": np.array([decided], dtype=np.float32),
            "action_mask": mask.copy(),
        }


def _unit(shape: tuple[int, ...]) -> spaces.Box:
    return spaces.Box(low=0.0, high=1.0, shape=shape, dtype=np.float32)


def _ratio(value: float, scale: float, cap: float) -> float:
    """``value / scale`` clipped to ``[0, cap]``; ``cap`` for positive ``value`` over scale 0."""
    if scale == 0 or math.isinf(value):
        return cap if value > 0 else 0.0
    return min(max(value / scale, 0.0), cap)
