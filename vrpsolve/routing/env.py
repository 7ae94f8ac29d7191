"""The batched routing environment every neural routing policy trains in.

:class:`RoutingEnv` follows rl4co's environment conventions (``reset``/``step``/``get_reward``/
``get_action_mask``/``check_solution_validity`` over a :class:`~tensordict.TensorDict`, a separate
generator), so rl4co's models and trainers run on it. One environment covers the whole routing
family: capacity, open routes, classic and mixed backhaul, route length and duration limits, time
windows and several depots, with cost from a distance matrix and time from a duration matrix, both
possibly asymmetric.

Instance data (per batch element; ``M`` nodes, the first ``D`` of them depots)
    ``locs [M, 2]`` (features only), ``distance`` and ``duration [M, M]``, ``num_depots [1]``,
    ``demand_linehaul`` and ``demand_backhaul [M]`` (delivery and pickup, in capacity units),
    ``vehicle_capacity [1]``, ``backhaul_class [1]`` (0 none, 1 classic, 2 mixed),
    ``open_route [1]``, ``time_windows [M, 2]`` (``[0, inf]`` when absent), ``service_time [M]``,
    ``distance_limit`` and ``duration_limit [1]`` (``inf`` when absent), ``multi_depot [1]``
    (whether routes may start at depots other than 0), ``single_route [1]`` (one vehicle: TSP).

State
    ``current_node``, ``route_depot`` (where the current route started), ``visited [M]``, and the
    current route's ``route_length``, its time segment ``route_duration``, ``route_earliest``,
    ``route_latest`` (shortest duration so far, and the window of start times that achieve it),
    ``route_peak_load``, ``route_pickup`` (load collected so far), ``route_has_pickup``, and
    ``switched`` (the last action moved to another depot).

Actions
    A customer: visit it next. The current route's depot: end the route (returning, unless
    routes are open, in which case the move is free). Another depot, from a depot with no route
    under way: start the next route there instead (free; not twice in a row).

Constraints (the mask is exact: an action is allowed if and only if it keeps the route feasible)
    Capacity on the peak load (the vehicle leaves with the route's deliveries and collects its
    pickups), classic backhaul order, the route limits including the way back, time windows with
    waiting, the depot's closing time, and a route duration that counts only waiting that a later
    departure cannot remove. A single-route instance may end its route only after the last
    customer.

Finish
    Every customer is visited and the vehicle is at a depot. Finished instances may only repeat
    their depot (a free no-op).

Reward
    Minus the total distance of the paid legs, equal to minus the cost the core evaluator
    computes (:func:`vrpsolve.routing.convert.to_routing_instance`).
"""

from __future__ import annotations

from typing import Any

import torch
from rl4co.envs.common.base import RL4COEnvBase
from tensordict import TensorDict
from torchrl.data import Bounded, Composite, Unbounded

from vrpsolve.routing.generators import RoutingGenerator

INSTANCE_KEYS = (
    "locs",
    "distance",
    "duration",
    "num_depots",
    "demand_linehaul",
    "demand_backhaul",
    "vehicle_capacity",
    "backhaul_class",
    "open_route",
    "time_windows",
    "service_time",
    "distance_limit",
    "duration_limit",
    "multi_depot",
    "single_route",
)
"""The keys that describe an instance (everything else in the TensorDict is state)."""

NODE_KEYS = (
    "demand_linehaul",
    "demand_backhaul",
    "vehicle_capacity",
    "time_windows",
    "service_time",
    "distance_limit",
    "duration_limit",
)
"""Instance keys the state holds in float64, so that masks and the evaluator agree exactly."""

ROUTE_KEYS = (
    "route_length",
    "route_duration",
    "route_earliest",
    "route_latest",
    "route_peak_load",
    "route_pickup",
)


def _f64(values: torch.Tensor) -> torch.Tensor:
    return values.to(torch.float64)


def _returns(td: TensorDict, depot: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Distance and duration from every node to ``depot[b]``, float64 ``[B, M]`` each."""
    legs = td["return_legs"]  # [B, D, M, 2]
    if legs.shape[1] == 1:
        chosen = legs[:, 0]
    else:
        size = legs.shape[2]
        chosen = legs.gather(1, depot.view(-1, 1, 1, 1).expand(-1, 1, size, 2)).squeeze(1)
    return chosen[..., 0], chosen[..., 1]


def return_legs(td: TensorDict, num_depots: int) -> torch.Tensor:
    """``[B, D, M, 2]``: distance and duration from every node back to each depot, float64."""
    columns = [td["distance"][:, :, :num_depots], td["duration"][:, :, :num_depots]]
    return _f64(torch.stack(columns, -1).transpose(1, 2).contiguous())


def _row(matrix: torch.Tensor, row: torch.Tensor) -> torch.Tensor:
    """``matrix[b, row[b], :]`` for every batch element, as float64 ``[B, M]``."""
    batch, size = matrix.shape[0], matrix.shape[-1]
    offsets = torch.arange(0, batch * size, size, device=row.device)
    return _f64(matrix.reshape(batch * size, size).index_select(0, offsets + row))


def _entry(matrix: torch.Tensor, row: torch.Tensor, column: torch.Tensor) -> torch.Tensor:
    """``matrix[b, row[b], column[b]]`` as float64 ``[B, 1]``."""
    size = matrix.shape[-1]
    flat = matrix.reshape(matrix.shape[0], size * size)
    return _f64(flat.gather(1, (row * size + column).view(-1, 1)))


def _at(values: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``values[b, index[b]]`` as float64 ``[B, 1]``."""
    return _f64(values.gather(1, index.view(-1, 1)))


def depot_start(td: TensorDict, depot: torch.Tensor) -> dict[str, torch.Tensor]:
    """Route state of an empty route at ``depot``: nothing driven or loaded, the depot's window."""
    windows = td["time_windows"]
    zero = torch.zeros(depot.shape[0], 1, dtype=torch.float64, device=depot.device)
    return {
        "route_length": zero,
        "route_duration": _at(td["service_time"], depot),
        "route_earliest": _at(windows[..., 0], depot),
        "route_latest": _at(windows[..., 1], depot),
        "route_peak_load": zero,
        "route_pickup": zero,
        "route_has_pickup": torch.zeros_like(zero, dtype=torch.bool),
    }


def feasible_customers(
    td: TensorDict,
    current: torch.Tensor,
    depot: torch.Tensor,
    route: dict[str, torch.Tensor] | TensorDict,
    visited: torch.Tensor,
) -> torch.Tensor:
    """Customers that the current route (at ``current``, from ``depot``) may visit next.

    A customer is allowed when it is unvisited and appending it, then closing the route, breaks
    no rule: capacity, backhaul order, length and duration limits, time windows and the depot's
    closing time.
    """
    num_depots = int(td["num_depots"][0, 0])
    delivery, pickup = td["demand_linehaul"], td["demand_backhaul"]
    closed = ~td["open_route"]
    ok = ~visited
    ok[:, :num_depots] = False

    load = torch.maximum(route["route_peak_load"] + delivery, route["route_pickup"] + pickup)
    ok &= load <= td["vehicle_capacity"]
    classic = td["backhaul_class"] == 1
    if classic.any():
        ok &= ~(classic & route["route_has_pickup"]) | (delivery == 0)

    distance_home, duration_home = _returns(td, depot)
    if torch.isfinite(td["distance_limit"]).any():
        length = route["route_length"] + _row(td["distance"], current)
        ok &= length + torch.where(closed, distance_home, 0.0) <= td["distance_limit"]

    # Checks on the schedule are skipped for batches that have neither windows nor duration
    # limits: no such check can fail there.
    late = td["time_windows"][..., 1]
    limited = torch.isfinite(td["duration_limit"]).any()
    if not (limited or torch.isfinite(late).any()):
        return ok
    early, service = td["time_windows"][..., 0], td["service_time"]
    reach = route["route_duration"] + _row(td["duration"], current)
    arrival = route["route_earliest"] + reach
    ok &= arrival <= late
    finish = torch.maximum(arrival, early) + service
    ok &= ~closed | (finish + duration_home <= _at(late, depot))
    if limited:
        # Waiting that a later departure cannot remove; a closed route ends at its start depot,
        # which is open whenever the vehicle can be back, so the return adds no waiting.
        wait = (early - reach - route["route_latest"]).clamp_min(0.0)
        duration = reach + service + wait + torch.where(closed, duration_home, 0.0)
        ok &= duration <= td["duration_limit"]
    return ok


class RoutingEnv(RL4COEnvBase):
    """Batched construction environment for the whole routing family (see the module docstring).

    Parameters
    ----------
    generator
        Draws instances when :meth:`reset` gets none; default :class:`RoutingGenerator`.
    generator_params
        Keyword arguments for the default generator.
    check_solution
        Check every solution with the core evaluator in :meth:`get_reward` (slow; for tests).
    """

    name = "vrpsolve-routing"

    def __init__(
        self,
        generator: RoutingGenerator | None = None,
        generator_params: dict[str, Any] | None = None,
        check_solution: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(check_solution=check_solution, **kwargs)
        self.generator = generator or RoutingGenerator(**(generator_params or {}))
        self._make_spec()

    def _reset(self, td: TensorDict | None = None, batch_size: Any = None) -> TensorDict:
        assert td is not None
        batch = td.batch_size[0]
        device = td.device
        num_depots = int(td["num_depots"][0, 0])
        size = td["distance"].shape[-1]
        td = td.clone(recurse=False)
        td.update({key: _f64(td[key]) for key in NODE_KEYS})
        td.set("return_legs", return_legs(td, num_depots))
        visited = torch.zeros(batch, size, dtype=torch.bool, device=device)
        servable = torch.stack(
            [
                self._servable_from(td, torch.full((batch,), d, device=device), visited)
                for d in range(num_depots)
            ],
            1,
        )
        allowed = servable[:, :1] | (servable & td["multi_depot"][..., None])
        orphans = ~allowed.any(1)
        orphans[:, :num_depots] = False
        if orphans.any():
            b, node = (int(i) for i in orphans.nonzero()[0])
            raise ValueError(
                f"instance {b}: customer {node} cannot be served by any route on its own "
                "(capacity, time windows or route limits), so no solution exists"
            )
        start = torch.zeros(batch, dtype=torch.long, device=device)
        state = TensorDict(
            {key: td[key] for key in (*INSTANCE_KEYS, "return_legs")}
            | depot_start(td, start)
            | {
                "current_node": start,
                "route_depot": start,
                "visited": visited,
                "switched": torch.zeros(batch, 1, dtype=torch.bool, device=device),
                "servable": servable,
                "done": torch.zeros(batch, dtype=torch.bool, device=device),
                "reward": torch.zeros(batch, device=device),
            },
            batch_size=[batch],
            device=device,
        )
        state.set("action_mask", self.get_action_mask(state))
        return state

    @staticmethod
    def _servable_from(td: TensorDict, depot: torch.Tensor, visited: torch.Tensor) -> torch.Tensor:
        return feasible_customers(td, depot, depot, depot_start(td, depot), visited)

    def _step(self, td: TensorDict) -> TensorDict:
        action, current = td["action"], td["current_node"]
        num_depots = int(td["num_depots"][0, 0])
        to_depot = (action < num_depots)[:, None]
        windows = td["time_windows"]
        early, late = _at(windows[..., 0], action), _at(windows[..., 1], action)
        service = _at(td["service_time"], action)
        pickup = _at(td["demand_backhaul"], action)

        reach = td["route_duration"] + _entry(td["duration"], current, action)
        wait = (early - reach - td["route_latest"]).clamp_min(0.0)
        extended = {
            "route_length": td["route_length"] + _entry(td["distance"], current, action),
            "route_duration": reach + service + wait,
            "route_earliest": torch.maximum(early - reach, td["route_earliest"]) - wait,
            "route_latest": torch.minimum(late - reach, td["route_latest"]),
            "route_peak_load": torch.maximum(
                td["route_peak_load"] + _at(td["demand_linehaul"], action),
                td["route_pickup"] + pickup,
            ),
            "route_pickup": td["route_pickup"] + pickup,
        }
        zero = torch.zeros_like(service)
        restarted = {
            "route_length": zero,
            "route_duration": service,
            "route_earliest": early,
            "route_latest": late,
            "route_peak_load": zero,
            "route_pickup": zero,
        }
        update = {key: torch.where(to_depot, restarted[key], extended[key]) for key in ROUTE_KEYS}
        visited = td["visited"].scatter(1, action[:, None], True)
        td.update(
            update
            | {
                "route_has_pickup": ~to_depot & (td["route_has_pickup"] | (pickup > 0)),
                "route_depot": torch.where(to_depot[:, 0], action, td["route_depot"]),
                "switched": to_depot & ((current < num_depots) & (action != current))[:, None],
                "current_node": action,
                "visited": visited,
                "done": to_depot[:, 0] & visited[:, num_depots:].all(-1),
            }
        )
        td.set("action_mask", self.get_action_mask(td))
        return td

    @staticmethod
    def get_action_mask(td: TensorDict) -> torch.Tensor:
        """Allowed actions ``[B, M]``: feasible customers, ending the route, or a depot switch."""
        num_depots = int(td["num_depots"][0, 0])
        current, depot, visited = td["current_node"], td["route_depot"], td["visited"]
        mask = feasible_customers(td, current, depot, td, visited)
        at_depot = current < num_depots
        finished = visited[:, num_depots:].all(-1)
        may_end = torch.where(at_depot, finished, ~td["single_route"][:, 0] | finished)
        mask.scatter_(1, depot[:, None], may_end[:, None])
        if num_depots > 1:
            waiting = td["servable"] & ~visited[:, None, :]
            switch = waiting.any(-1) & (at_depot & ~finished)[:, None]
            switch &= td["multi_depot"] & ~td["switched"]
            own = torch.nn.functional.one_hot(depot, num_depots).bool()
            mask[:, :num_depots] |= switch & ~own
        return mask

    def _get_reward(self, td: TensorDict, actions: torch.Tensor) -> torch.Tensor:
        num_depots = int(td["num_depots"][0, 0])
        size = td["distance"].shape[-1]
        previous = torch.cat([torch.zeros_like(actions[:, :1]), actions[:, :-1]], 1)
        flat = td["distance"].reshape(actions.shape[0], size * size)
        legs = _f64(flat.gather(1, previous * size + actions))
        free = (actions < num_depots) & ((previous < num_depots) | td["open_route"])
        return -(legs * ~free).sum(-1).to(torch.float32)

    def check_solution_validity(self, td: TensorDict, actions: torch.Tensor) -> None:
        """Raise ``AssertionError`` unless the core evaluator finds every solution feasible."""
        from vrpsolve.routing.convert import evaluate_actions

        for index, evaluation in enumerate(evaluate_actions(td, actions)):
            if not evaluation.feasible:
                more = len(evaluation.violations) - 1
                raise AssertionError(
                    f"instance {index}: {evaluation.violations[0].message}"
                    + (f" (and {more} more)" if more else "")
                )

    def get_num_starts(self, td: TensorDict) -> int:
        """Multi-start rollouts per instance: one per customer."""
        return td["distance"].shape[-1] - int(td["num_depots"][0, 0])

    def select_start_nodes(self, td: TensorDict, num_starts: int) -> torch.Tensor:
        """First actions of ``num_starts`` rollouts per instance: distinct allowed customers.

        Instances with fewer allowed first customers than rollouts repeat them cyclically; the
        result is ordered start-major (all instances' first start, then the second, ...).
        """
        num_depots = int(td["num_depots"][0, 0])
        mask = td["action_mask"].clone()
        has_customer = mask[:, num_depots:].any(-1, keepdim=True)
        mask[:, :num_depots] &= ~has_customer
        count = mask.sum(-1)
        rank = mask.cumsum(-1) - 1
        target = torch.arange(num_starts, device=mask.device)[:, None] % count[None, :]
        hit = (rank[None] == target[..., None]) & mask[None]
        return hit.float().argmax(-1).reshape(-1)

    def _make_spec(self) -> None:
        gen = self.generator
        size = gen.num_depots + gen.num_customers
        self.observation_spec = Composite(
            locs=Bounded(low=0.0, high=1.0, shape=(size, 2), dtype=torch.float32),
            current_node=Unbounded(shape=(1,), dtype=torch.int64),
            action_mask=Unbounded(shape=(size,), dtype=torch.bool),
            shape=(),
        )
        self.action_spec = Bounded(low=0, high=size - 1, shape=(1,), dtype=torch.int64)
        self.reward_spec = Unbounded(shape=(1,), dtype=torch.float32)
        self.done_spec = Unbounded(shape=(1,), dtype=torch.bool)
