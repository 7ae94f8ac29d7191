"""A Gymnasium view of the routing environment: an instance per episode, masks in the observation.

:class:`RoutingGymEnv` drives the batched :class:`~vrpsolve.routing.env.RoutingEnv` at batch size
one, so a single-agent Gymnasium agent sees the same exact action masks and the same state
transitions as neural training does. Episodes draw their instance from a
:class:`~vrpsolve.routing.generators.RoutingGenerator` or take it from a fixed list of
:class:`~vrpsolve.routing.model.RoutingInstance` objects; either way the finished episode hands
back a :class:`~vrpsolve.routing.model.Solution` that the core evaluator judges, and the
episode's return is minus that evaluator's cost. Observations are scaled into ``[0, 1]`` per
instance (absent limits and windows included), so they are finite and the boxes bounded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from numpy.typing import NDArray
from tensordict import TensorDict

from vrpsolve.envs.base import (
    DEFAULT_INVALID_ACTION,
    InstanceCycle,
    InvalidAction,
    MaskedEnv,
    Observation,
    StepResult,
    draw_seed,
)
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

__all__ = ["Observation", "RoutingGymEnv", "Scales"]

_FLAGS = ("open_route", "multi_depot", "single_route")
_UNIT_KEYS = (
    "locs",
    "distance",
    "duration",
    "demand_linehaul",
    "demand_backhaul",
    "service_time",
    "time_windows",
    "vehicle_capacity",
    "distance_limit",
    "duration_limit",
    "route_length",
    "route_time",
    "route_load",
)


@dataclass(frozen=True)
class Scales:
    """The units of one episode's observation: an observed value times its unit is the raw one.

    Attributes
    ----------
    distance
        ``(C + 1)`` times the longest finite leg: no route (at most ``C + 1`` paid legs, ``C``
        the customer count) is longer.
    time
        The latest finite window opening, plus ``(C + 1)`` times the longest finite travel time,
        plus all service times: no route is under way later, and none lasts longer.
    load
        The vehicle capacity (``inf`` when unlimited: loads then read 0).
    """

    distance: float
    time: float
    load: float


def _unit_box(shape: tuple[int, ...]) -> spaces.Box:
    return spaces.Box(low=0.0, high=1.0, shape=shape, dtype=np.float32)


def _unit(values: NDArray[np.float64] | float, scale: float) -> NDArray[np.float32]:
    """``values / scale`` clipped to ``[0, 1]`` (``inf`` reads 1), as ``float32``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.asarray(values, dtype=np.float64) / scale
    return np.clip(np.nan_to_num(scaled, nan=0.0, posinf=1.0), 0.0, 1.0).astype(np.float32)


def _longest(values: NDArray[np.float64]) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else 0.0


class RoutingGymEnv(MaskedEnv):
    """Build the routes of one routing instance per episode, one node at a time.

    ``M`` is the number of nodes, the first ``D`` of them depots, and ``C = M - D`` the number
    of customers; every instance of one environment has the same ``M`` and ``D``, so the spaces
    are fixed. The rules, the masks and the transitions are those of
    :class:`~vrpsolve.routing.env.RoutingEnv` (see :mod:`vrpsolve.routing.env`).

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
        ``"terminate"`` (default): an action the mask forbids ends the episode (state unchanged,
        reward minus :attr:`invalid_penalty`, ``info["invalid_action"]``), so agents and
        checkers that sample the whole action space, such as Gymnasium's ``check_env``, run.
        ``"raise"``: it raises ``ValueError`` naming it and the allowed ones.
    render_mode
        Only ``None``: the environment does not render.

    Observation
        A dict; ``float32`` boxes in ``[0, 1]`` unless noted, in the units of :attr:`scales`
        (distances over the longest possible route, times over the instance's time horizon,
        loads over the capacity). The instance: ``locs (M, 2)`` (coordinates, features only,
        shifted and scaled into the unit square keeping their aspect; zeros when the instance
        has none), ``distance`` and ``duration (M, M)`` in env node order (depots first; a
        missing arc reads 1), ``demand_linehaul``, ``demand_backhaul`` and
        ``service_time (M,)``, ``time_windows (M, 2)``, ``distance_limit`` and
        ``duration_limit (1,)``, ``vehicle_capacity (1,)`` (over the larger of the total
        delivery and pickup: 1 when one vehicle could carry everything), the flags
        ``open_route``, ``multi_depot`` and ``single_route`` (``MultiBinary(1)``) and
        ``backhaul_class`` (``Discrete(3)``: none, classic, mixed). **No limit reads 1**: an
        absent time window closes at 1, an absent route limit and an unlimited capacity are 1;
        no route can reach such a bound, so it constrains exactly as much as no limit does. The
        state: ``current_node`` (``Discrete(M)``), ``route_depot`` (``Discrete(D)``: where the
        current route started and must end), ``visited`` (``MultiBinary(M)``), and of the
        current route ``route_length`` (distance driven), ``route_time`` (the earliest time the
        vehicle can be done at the current node) and ``route_load`` (its peak load), each
        ``(1,)``; and ``action_mask`` (``MultiBinary(M)``, ``int8``: 1 where the action is
        allowed). Instance values that are negative or NaN raise ``ValueError`` when the
        instance is loaded.
    Actions
        ``Discrete(M)``, a node: a customer is visited next; the current route's depot ends the
        route (returning unless routes are open); another depot, from a depot with no route under
        way, starts the next route there (multi-depot instances).
    Constraints
        Those of the routing family, exactly as the mask of
        :class:`~vrpsolve.routing.env.RoutingEnv` enforces them: capacity, backhaul order, route
        length and duration limits, time windows, depots.
    Reward
        Minus the distance of the leg just driven, unscaled; depot switches and ending an open
        route are free. The return of a finished episode is minus the cost that
        :func:`vrpsolve.evaluate` gives ``info["solution"]`` on :attr:`instance`.
    Finish
        ``terminated`` once every customer is visited and the vehicle is back at a depot (or,
        in ``"terminate"`` mode, after a forbidden action); ``truncated`` is always ``False``.
        A :meth:`step` after termination raises ``RuntimeError``: call :meth:`reset`.
    Info
        ``"cost"``: the cost of the legs driven so far. On a finished episode also
        ``"solution"``, a :class:`~vrpsolve.routing.model.Solution` in the node numbering of
        :attr:`instance`. Instance-backed resets also report ``"index"``.
    """

    def __init__(
        self,
        source: RoutingGenerator | RoutingInstance | Sequence[RoutingInstance],
        *,
        invalid_action: InvalidAction = DEFAULT_INVALID_ACTION,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(invalid_action=invalid_action, render_mode=render_mode)
        self._generator: RoutingGenerator | None = None
        self._instances: tuple[RoutingInstance, ...] = ()
        self._batch: TensorDict | None = None
        self._cycle: InstanceCycle | None = None
        self._statics: list[tuple[Observation, Scales]] = []
        if isinstance(source, RoutingGenerator):
            self._generator = source
            self.num_depots = source.num_depots
            self.num_nodes = source.num_depots + source.num_customers
        else:
            instances = (source,) if isinstance(source, RoutingInstance) else tuple(source)
            self._instances = instances
            self.num_nodes, self.num_depots = _common_shape(instances)
            self._cycle = InstanceCycle(len(instances))

        size, depots = self.num_nodes, self.num_depots
        self.observation_space = spaces.Dict(
            {
                "locs": _unit_box((size, 2)),
                "distance": _unit_box((size, size)),
                "duration": _unit_box((size, size)),
                "demand_linehaul": _unit_box((size,)),
                "demand_backhaul": _unit_box((size,)),
                "service_time": _unit_box((size,)),
                "time_windows": _unit_box((size, 2)),
                "vehicle_capacity": _unit_box((1,)),
                "distance_limit": _unit_box((1,)),
                "duration_limit": _unit_box((1,)),
                **{key: spaces.MultiBinary(1) for key in _FLAGS},
                "backhaul_class": spaces.Discrete(3),
                "current_node": spaces.Discrete(size),
                "route_depot": spaces.Discrete(depots),
                "visited": spaces.MultiBinary(size),
                "route_length": _unit_box((1,)),
                "route_time": _unit_box((1,)),
                "route_load": _unit_box((1,)),
                "action_mask": spaces.MultiBinary(size),
            }
        )
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
                self._statics.append(self._static(self._batch[index : index + 1], index))

        self._td: TensorDict | None = None
        self._raw = TensorDict({}, batch_size=[1])
        self._static_obs: Observation = {}
        self._scales = Scales(1.0, 1.0, math.inf)
        self._distance = np.zeros((size, size))
        self._open_route = False
        self._seed = 0
        self._actions: list[int] = []
        self._legs: list[float] = []
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

    @property
    def scales(self) -> Scales:
        """The units of the episode's observation (see :class:`Scales`)."""
        if self._td is None:
            raise RuntimeError("no episode yet: call reset() first")
        return self._scales

    def action_mask(self) -> NDArray[np.int8]:
        """``int8`` per node, 1 where the action is allowed now."""
        if self._td is None:
            raise RuntimeError("no episode yet: call reset() first")
        mask: NDArray[np.int8] = self._td["action_mask"][0].cpu().numpy().astype(np.int8)
        return mask

    # -- hooks of MaskedEnv ----------------------------------------------------------------------
    def _start(
        self, options: dict[str, Any], seed: int | None
    ) -> tuple[Observation, dict[str, Any]]:
        """An episode on the next instance; ``options={"index": k}`` picks instance ``k``."""
        info: dict[str, Any] = {"cost": 0.0}
        if self._cycle is None:
            if "index" in options:
                raise ValueError("options['index'] picks among given instances; this env draws")
            self._seed = draw_seed(self.np_random)
            assert self._generator is not None
            batch = self._generator(1, seed=self._seed)
            self._instance = None
            self._static_obs, self._scales = self._static(batch, None)
            # Rewards use the matrix the evaluator sums: the generated one, in float64.
            self._distance = batch["distance"][0].detach().cpu().to(torch.float64).numpy()
        else:
            assert self._batch is not None
            index = self._cycle.pick(options, seeded=seed is not None)
            batch = self._batch[index : index + 1]
            self._instance = self._instances[index]
            info["index"] = index
            self._static_obs, self._scales = self._statics[index]
            order = environment_layout(self._instances[index])
            distance = np.asarray(self._instances[index].distance, dtype=np.float64)
            self._distance = distance[np.ix_(order, order)]
        self._raw = batch
        self._td = self._env.reset(batch.clone())
        self._open_route = bool(batch["open_route"][0, 0])
        longest = _longest(self._distance)
        self.invalid_penalty = 2.0 * (self.num_nodes - self.num_depots) * longest
        self._actions, self._legs = [], []
        return self._observation(), info

    def _transition(self, action: int) -> StepResult:
        assert self._td is not None
        current = int(self._td["current_node"][0])
        free = action < self.num_depots and (current < self.num_depots or self._open_route)
        leg = 0.0 if free else float(self._distance[current, action])
        td = self._td
        td.set("action", torch.tensor([action], device=td.device))
        self._td = self._env.step(td)["next"]
        self._actions.append(action)
        self._legs.append(leg)

        terminated = bool(self._td["done"][0])
        info: dict[str, Any] = {"cost": math.fsum(self._legs)}
        if terminated:
            info["solution"] = self._solution()
        return self._observation(), (-leg if leg else 0.0), terminated, False, info

    def _refusal(self, action: int) -> str:
        assert self._td is not None
        allowed = np.flatnonzero(self.action_mask()).tolist()
        return (
            f"action {action} is not allowed at node {int(self._td['current_node'][0])}; "
            f"allowed actions: {allowed}"
        )

    def _forbidden_info(self) -> dict[str, Any]:
        return {"cost": math.fsum(self._legs)}

    # -- internals -------------------------------------------------------------------------------
    def _solution(self) -> Solution:
        if self._batch is not None:
            return solution_for_instance(self.instance, self._actions)
        assert self._td is not None
        return actions_to_solution(self._raw, 0, self._actions)

    def _static(self, batch: TensorDict, index: int | None) -> tuple[Observation, Scales]:
        """The instance part of the observation for a batch of one, and its units.

        Negative or NaN instance values raise ``ValueError``.
        """
        row = batch[0]
        raw = {key: row[key].detach().cpu().to(torch.float64).numpy() for key in _UNIT_KEYS[:10]}
        where = "the generated instance" if index is None else f"instance {index}"
        for key, value in raw.items():
            bad = np.isnan(value) | (np.isinf(value) if key == "locs" else value < 0)
            if bad.any():
                problem = "non-finite" if key == "locs" else "negative or NaN"
                raise ValueError(f"{where}: {key} has {problem} values")

        customers = self.num_nodes - self.num_depots
        distance_unit = (customers + 1) * _longest(raw["distance"]) or 1.0
        windows = raw["time_windows"]
        opens = float(windows[:, 0].max(initial=0.0))
        travel = (customers + 1) * _longest(raw["duration"])
        time_unit = opens + travel + float(raw["service_time"].sum()) or 1.0
        capacity = float(raw["vehicle_capacity"][0])
        load_unit = capacity if capacity > 0 else math.inf
        carried = max(raw["demand_linehaul"].sum(), raw["demand_backhaul"].sum())

        locs = raw["locs"] - raw["locs"].min(axis=0)
        extent = float(locs.max(initial=0.0))
        static: Observation = {
            "locs": _unit(locs, extent) if extent > 0 else np.zeros_like(locs, np.float32),
            "distance": _unit(raw["distance"], distance_unit),
            "duration": _unit(raw["duration"], time_unit),
            "demand_linehaul": _unit(raw["demand_linehaul"], load_unit),
            "demand_backhaul": _unit(raw["demand_backhaul"], load_unit),
            "service_time": _unit(raw["service_time"], time_unit),
            "time_windows": _unit(windows, time_unit),
            "vehicle_capacity": _unit(capacity, carried) if carried > 0 else np.ones(1, np.float32),
            "distance_limit": _unit(raw["distance_limit"], distance_unit).reshape(1),
            "duration_limit": _unit(raw["duration_limit"], time_unit).reshape(1),
            **{key: row[key].detach().cpu().numpy().reshape(1).astype(np.int8) for key in _FLAGS},
            "backhaul_class": np.int64(int(row["backhaul_class"].reshape(-1)[0])),
        }
        static["vehicle_capacity"] = static["vehicle_capacity"].reshape(1)
        return static, Scales(distance_unit, time_unit, load_unit)

    def _observation(self) -> Observation:
        """A fresh observation of the current state (no array is shared with earlier ones)."""
        td = self._td
        assert td is not None
        scales = self._scales
        time = float(td["route_earliest"][0, 0] + td["route_duration"][0, 0])
        state = {
            "current_node": np.int64(int(td["current_node"][0])),
            "route_depot": np.int64(int(td["route_depot"][0])),
            "visited": td["visited"][0].cpu().numpy().astype(np.int8),
            "route_length": _unit(float(td["route_length"][0, 0]), scales.distance).reshape(1),
            "route_time": _unit(time, scales.time).reshape(1),
            "route_load": _unit(float(td["route_peak_load"][0, 0]), scales.load).reshape(1),
            "action_mask": self.action_mask(),
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
