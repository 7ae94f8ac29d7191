"""A Gymnasium view of the routing environment: an instance per episode, masks in the observation.

:class:`RoutingGymEnv` drives the batched :class:`~vrpsolve.routing.env.RoutingEnv` at batch size
one, so a single-agent Gymnasium agent sees the same exact action masks and the same state
transitions as neural training does. Episodes draw their instance from a
:class:`~vrpsolve.routing.generators.RoutingGenerator` or take it from a fixed list of
:class:`~vrpsolve.routing.model.RoutingInstance` objects; either way the finished episode hands
back a :class:`~vrpsolve.routing.model.Solution` that the core evaluator judges, and the
episode's return is minus that evaluator's cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from tensordict import TensorDict

from vrpsolve.envs.base import InvalidAction, episode_index, reset_options
from vrpsolve.routing.convert import (
    actions_to_solution,
    environment_layout,
    from_routing_instances,
    solution_for_instance,
    to_routing_instance,
)
from vrpsolve.routing.env import RoutingEnv
from vrpsolve.routing.generators import RoutingGenerator
from vrpsolve.routing.model import RoutingInstance, Solution

"""What :meth:`RoutingGymEnv.step` does with an action the mask forbids."""

Observation = dict[str, Any]

_VECTORS = ("demand_linehaul", "demand_backhaul", "service_time")
_SCALARS = ("vehicle_capacity", "distance_limit", "duration_limit")
_FLAGS = ("open_route", "multi_depot", "single_route")


def _box(shape: tuple[int, ...], low: float = 0.0) -> spaces.Box:
    return spaces.Box(low=low, high=np.inf, shape=shape, dtype=np.float32)


def _floats(value: torch.Tensor) -> np.ndarray:
    return value.detach().cpu().numpy().astype(np.float32)


def _flag(value: torch.Tensor) -> np.ndarray:
    return value.detach().cpu().numpy().reshape(1).astype(np.int8)


class RoutingGymEnv(gym.Env[Observation, np.int64]):
    """Build the routes of one routing instance per episode, one node at a time.

    ``M`` is the number of nodes, the first ``D`` of them depots; every instance of one
    environment has the same ``M`` and ``D``, so the spaces are fixed. The rules, the masks and
    the transitions are those of :class:`~vrpsolve.routing.env.RoutingEnv` (see
    :mod:`vrpsolve.routing.env`).

    Parameters
    ----------
    source
        A :class:`~vrpsolve.routing.generators.RoutingGenerator`: every :meth:`reset` draws a fresh
        instance with a seed taken from :attr:`np_random`, so ``reset(seed=s)`` reproduces it.
        Or a sequence of :class:`~vrpsolve.routing.model.RoutingInstance` objects (or a
        single one): resets cycle through them, a seeded reset starts again at the first, and
        ``reset(options={"index": k})`` picks instance ``k``. Their node and depot counts must
        agree, and the environment must be able to model them
        (:func:`~vrpsolve.routing.convert.environment_layout`); otherwise ``ValueError``.
    invalid_action
        ``"raise"`` (default): an action the mask forbids raises ``ValueError`` naming it and the
        allowed ones. ``"terminate"``: it ends the episode instead (state unchanged, reward minus
        :attr:`invalid_penalty`, ``info["invalid_action"]``); this is the mode for agents and
        checkers that sample the whole action space, such as Gymnasium's ``check_env``.
    render_mode
        Only ``None``: the environment does not render.

    Observation
        A dict; ``float32`` boxes unless noted. The instance: ``locs (M, 2)`` (coordinates,
        features only; zeros when the instance has none), ``distance`` and ``duration (M, M)``
        in env node order (depots first), ``demand_linehaul``, ``demand_backhaul`` and
        ``service_time (M,)``, ``time_windows (M, 2)``, ``vehicle_capacity``,
        ``distance_limit`` and ``duration_limit (1,)``, the flags ``open_route``,
        ``multi_depot`` and ``single_route`` (``MultiBinary(1)``) and ``backhaul_class``
        (``Discrete(3)``: none, classic, mixed). The state: ``current_node`` (``Discrete(M)``),
        ``route_depot`` (``Discrete(D)``: where the current route started and must end),
        ``visited`` (``MultiBinary(M)``), and of the current route ``route_length`` (distance
        driven), ``route_time`` (the earliest time the vehicle can be done at the current node:
        ``route_earliest + route_duration``) and ``route_load`` (its peak load), each ``(1,)``;
        and ``action_mask`` (``MultiBinary(M)``, ``int8``: 1 where the action is allowed).
        An absent time window closes at ``inf`` and an absent route limit is ``inf``: the boxes
        reach ``high=inf`` and hold these values as they are (Gymnasium's checker only warns
        about unbounded boxes). Instance values outside the boxes (negative distances, demands,
        times) raise ``ValueError`` when the instance is loaded.
    Actions
        ``Discrete(M)``, a node: a customer is visited next; the current route's depot ends the
        route (returning unless routes are open); another depot, from a depot with no route under
        way, starts the next route there (multi-depot instances). Sample allowed actions with
        ``env.action_space.sample(mask=obs["action_mask"])``.
    Reward
        Minus the distance of the leg just driven; depot switches and ending an open route are
        free. The return of a finished episode is minus the cost that
        :func:`vrpsolve.evaluate` gives ``info["solution"]`` on :attr:`instance`.
    Termination
        ``terminated`` once every customer is visited and the vehicle is back at a depot (or, in
        ``"terminate"`` mode, after a forbidden action); ``truncated`` is always ``False``. A
        :meth:`step` after termination raises ``RuntimeError``: call :meth:`reset`.
    Info
        ``"cost"``: the cost of the legs driven so far. On a finished episode also
        ``"solution"``, a :class:`~vrpsolve.routing.model.Solution` in the node numbering of
        :attr:`instance`. Instance-backed resets also report ``"index"``.
    """

    metadata = {"render_modes": []}  # noqa: RUF012 (Gymnasium declares it per class)

    def __init__(
        self,
        source: RoutingGenerator | RoutingInstance | Sequence[RoutingInstance],
        *,
        invalid_action: InvalidAction = "raise",
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None:
            raise ValueError(f"render_mode must be None (no rendering), got {render_mode!r}")
        if invalid_action not in ("raise", "terminate"):
            raise ValueError(
                f"invalid_action must be 'raise' or 'terminate', got {invalid_action!r}"
            )
        self.render_mode = render_mode
        self.invalid_action: InvalidAction = invalid_action
        self._generator: RoutingGenerator | None = None
        self._instances: tuple[RoutingInstance, ...] = ()
        self._batch: TensorDict | None = None
        self._statics: list[Observation] = []
        if isinstance(source, RoutingGenerator):
            self._generator = source
            self.num_depots = source.num_depots
            self.num_nodes = source.num_depots + source.num_customers
        else:
            instances = (source,) if isinstance(source, RoutingInstance) else tuple(source)
            self._instances = instances
            self.num_nodes, self.num_depots = _common_shape(instances)

        size, depots = self.num_nodes, self.num_depots
        self._spaces = spaces.Dict(
            {
                "locs": _box((size, 2), low=-np.inf),
                "distance": _box((size, size)),
                "duration": _box((size, size)),
                **{key: _box((size,)) for key in _VECTORS},
                "time_windows": _box((size, 2)),
                **{key: _box((1,)) for key in _SCALARS},
                **{key: spaces.MultiBinary(1) for key in _FLAGS},
                "backhaul_class": spaces.Discrete(3),
                "current_node": spaces.Discrete(size),
                "route_depot": spaces.Discrete(depots),
                "visited": spaces.MultiBinary(size),
                "route_length": _box((1,)),
                "route_time": _box((1,)),
                "route_load": _box((1,)),
                "action_mask": spaces.MultiBinary(size),
            }
        )
        self.observation_space = self._spaces
        self.action_space = spaces.Discrete(size)

        # rl4co's environment base reseeds torch's global generator when it is built; this
        # environment draws from its own generators only, so leave the caller's state as it was.
        rng_state = torch.get_rng_state()
        self._env = RoutingEnv(self._generator)
        torch.set_rng_state(rng_state)

        if self._instances:
            self._batch = from_routing_instances(self._instances)
            self._env.reset(self._batch.clone())  # refuses instances without a solution
            for index in range(len(self._instances)):
                self._statics.append(self._static(self._batch[index : index + 1]))
                self._check_static(self._statics[index], index)

        self._td: TensorDict | None = None
        self._raw = TensorDict({}, batch_size=[1])
        self._static_obs: Observation = {}
        self._distance = np.zeros((size, size))
        self._open_route = False
        self._next_index = 0
        self._seed = 0
        self._actions: list[int] = []
        self._legs: list[float] = []
        self._over = False
        self._instance: RoutingInstance | None = None
        self.invalid_penalty = 0.0
        """Cost charged for a forbidden action in ``"terminate"`` mode: twice the customer count
        times the longest finite leg of the episode's instance, no less than any whole episode
        costs (each customer adds one paid leg, and each route at most one more)."""

    @property
    def instance(self) -> RoutingInstance:
        """The episode's instance, in the numbering of ``info["solution"]``.

        The original instance when the environment was built from instances, else the generated
        one as :func:`~vrpsolve.routing.convert.to_routing_instance` builds it.
        """
        if self._td is None:
            raise RuntimeError("no episode yet: call reset() first")
        if self._instance is None:
            self._instance = to_routing_instance(self._raw, 0, name=f"generated-{self._seed}")
        return self._instance

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        """Start an episode on the next instance; ``options={"index": k}`` picks instance ``k``."""
        super().reset(seed=seed)
        options = reset_options(options)
        info: dict[str, Any] = {"cost": 0.0}
        if self._batch is None:
            if "index" in options:
                raise ValueError("options['index'] picks among given instances; this env draws")
            self._seed = int(self.np_random.integers(2**63 - 1))
            assert self._generator is not None
            batch = self._generator(1, seed=self._seed)
            self._instance = None
        else:
            if seed is not None:
                self._next_index = 0
            count = len(self._instances)
            index = episode_index(options, self._next_index, count)
            self._next_index = (index + 1) % count
            batch = self._batch[index : index + 1]
            self._instance = self._instances[index]
            info["index"] = index

        if self._batch is None:
            self._static_obs = self._static(batch)
            self._check_static(self._static_obs, None)
            # Rewards use the matrix the evaluator sums: the generated one, in float64.
            self._distance = batch["distance"][0].detach().cpu().to(torch.float64).numpy()
        else:
            self._static_obs = self._statics[info["index"]]
            order = environment_layout(self._instances[info["index"]])
            distance = np.asarray(self._instances[info["index"]].distance, dtype=np.float64)
            self._distance = distance[np.ix_(order, order)]
        self._raw = batch
        self._td = self._env.reset(batch.clone())
        self._open_route = bool(batch["open_route"][0, 0])
        finite = self._distance[np.isfinite(self._distance)]
        longest = float(finite.max()) if finite.size else 0.0
        self.invalid_penalty = 2.0 * (self.num_nodes - self.num_depots) * longest
        self._actions, self._legs, self._over = [], [], False
        return self._observation(), info

    def step(
        self, action: int | np.integer
    ) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        """Apply ``action``; a forbidden one raises ``ValueError`` (or ends the episode)."""
        if self._td is None:
            raise RuntimeError("call reset() before step()")
        if self._over:
            raise RuntimeError("the episode has ended: call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in the action space {self.action_space}")
        node = int(action)
        mask = self._td["action_mask"][0]
        if not bool(mask[node]):
            allowed = mask.nonzero().flatten().tolist()
            if self.invalid_action == "raise":
                raise ValueError(
                    f"action {node} is not allowed at node {int(self._td['current_node'][0])}; "
                    f"allowed actions: {allowed}"
                )
            self._over = True
            ended = {"cost": math.fsum(self._legs), "invalid_action": node}
            return self._observation(), -self.invalid_penalty, True, False, ended

        current = int(self._td["current_node"][0])
        free = node < self.num_depots and (current < self.num_depots or self._open_route)
        leg = 0.0 if free else float(self._distance[current, node])
        td = self._td
        td.set("action", torch.tensor([node], device=td.device))
        self._td = self._env.step(td)["next"]
        self._actions.append(node)
        self._legs.append(leg)

        terminated = bool(self._td["done"][0])
        info: dict[str, Any] = {"cost": math.fsum(self._legs)}
        if terminated:
            info["solution"] = self._solution()
            self._over = True
        return self._observation(), (-leg if leg else 0.0), terminated, False, info

    def render(self) -> None:
        """Nothing to render: the environment has no render modes."""
        return None

    def _solution(self) -> Solution:
        if self._batch is not None:
            return solution_for_instance(self.instance, self._actions)
        assert self._td is not None
        return actions_to_solution(self._raw, 0, self._actions)

    def _static(self, batch: TensorDict) -> Observation:
        """The instance part of the observation for a batch of one."""
        row = batch[0]
        return {
            "locs": _floats(row["locs"]),
            "distance": _floats(row["distance"]),
            "duration": _floats(row["duration"]),
            **{key: _floats(row[key]) for key in _VECTORS},
            "time_windows": _floats(row["time_windows"]),
            **{key: _floats(row[key]).reshape(1) for key in _SCALARS},
            **{key: _flag(row[key]) for key in _FLAGS},
            "backhaul_class": np.int64(int(row["backhaul_class"].reshape(-1)[0])),
        }

    def _check_static(self, static: Observation, index: int | None) -> None:
        where = "the generated instance" if index is None else f"instance {index}"
        for key, value in static.items():
            if not self._spaces[key].contains(value):
                raise ValueError(
                    f"{where}: {key} lies outside the observation space "
                    f"{self._spaces[key]} (negative or NaN values?)"
                )

    def _observation(self) -> Observation:
        """A fresh observation of the current state (no array is shared with earlier ones)."""
        td = self._td
        assert td is not None
        route = {key: float(td[key][0, 0]) for key in ("route_length", "route_peak_load")}
        time = float(td["route_earliest"][0, 0] + td["route_duration"][0, 0])
        state = {
            "current_node": np.int64(int(td["current_node"][0])),
            "route_depot": np.int64(int(td["route_depot"][0])),
            "visited": td["visited"][0].cpu().numpy().astype(np.int8),
            "route_length": np.array([route["route_length"]], dtype=np.float32),
            "route_time": np.array([time], dtype=np.float32),
            "route_load": np.array([route["route_peak_load"]], dtype=np.float32),
            "action_mask": td["action_mask"][0].cpu().numpy().astype(np.int8),
        }
        copies = {
            key: value.copy() if isinstance(value, np.ndarray) else value
            for key, value in self._static_obs.items()
        }
        return copies | state


def _common_shape(instances: Sequence[RoutingInstance]) -> tuple[int, int]:
    """``(nodes, depots)`` shared by all instances; ``ValueError`` when none are or they differ."""
    if not instances:
        raise ValueError("no instance given")
    for instance in instances:
        if not isinstance(instance, RoutingInstance):
            raise ValueError(f"expected RoutingInstance objects, got {type(instance).__name__}")
    shapes = {(inst.num_nodes, len(inst.depots)) for inst in instances}
    if len(shapes) > 1:
        found = ", ".join(f"{n} nodes / {d} depots" for n, d in sorted(shapes))
        raise ValueError(
            "all instances of one environment need the same node and depot counts (the "
            f"observation space is fixed); found {found}"
        )
    ((nodes, depots),) = shapes
    return nodes, depots
