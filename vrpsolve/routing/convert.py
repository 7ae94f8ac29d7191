"""Conversions between the environment's TensorDict layout and the core routing model.

Environment instances become :class:`~vrpsolve.routing.model.RoutingInstance` objects and action
sequences become :class:`~vrpsolve.routing.model.Solution` objects, so that the core evaluator
judges every rollout; and routing instances read from files become environment batches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from tensordict import TensorDict

from vrpsolve.routing.model import (
    BackhaulMode,
    CostConvention,
    Evaluation,
    Route,
    RoutingInstance,
    Solution,
    VehicleType,
    evaluate,
)

_MODES = {0: BackhaulMode.NONE, 1: BackhaulMode.CLASSIC, 2: BackhaulMode.MIXED}
_CODES = {mode: code for code, mode in _MODES.items()}


def _numpy(value: torch.Tensor) -> np.ndarray:
    return value.detach().cpu().to(torch.float64).numpy()


def kept_nodes(td: TensorDict, index: int) -> np.ndarray:
    """Environment nodes that exist in instance ``index``: copies of depot 0 are dropped."""
    num_depots = int(td["num_depots"][index, 0])
    size = td["distance"].shape[-1]
    depots = range(num_depots) if bool(td["multi_depot"][index, 0]) else range(1)
    return np.array([*depots, *range(num_depots, size)])


def to_routing_instance(td: TensorDict, index: int, name: str | None = None) -> RoutingInstance:
    """The core instance behind batch element ``index``; its nodes are :func:`kept_nodes`."""
    row = td[index]
    keep = kept_nodes(td, index)
    num_depots = int((keep < int(row["num_depots"][0])).sum())
    sub = np.ix_(keep, keep)
    windows = _numpy(row["time_windows"])[keep]
    service = _numpy(row["service_time"])[keep]
    timed = bool(np.isfinite(windows[:, 1]).any() or windows[:, 0].any() or service.any())
    single = bool(row["single_route"][0])
    vehicle = {
        "capacity": float(row["vehicle_capacity"][0]),
        "num_available": 1 if single else None,
        "open_route": bool(row["open_route"][0]),
        "max_duration": float(row["duration_limit"][0]),
        "max_distance": float(row["distance_limit"][0]),
    }
    return RoutingInstance(
        name=name or f"instance-{index}",
        distance=_numpy(row["distance"])[sub],
        duration=_numpy(row["duration"])[sub],
        coords=_numpy(row["locs"])[keep],
        depots=tuple(range(num_depots)),
        delivery=_numpy(row["demand_linehaul"])[keep],
        pickup=_numpy(row["demand_backhaul"])[keep],
        backhaul_mode=_MODES[int(row["backhaul_class"][0])],
        time_windows=windows if timed else None,
        service_times=service,
        vehicle_types=tuple(
            VehicleType(start_depot=d, end_depot=d, **vehicle)  # type: ignore[arg-type]
            for d in range(num_depots)
        ),
        cost_convention=CostConvention.FLOAT,
    )


def _routes(
    actions: Sequence[int], num_depots: int, node_of: dict[int, int], type_of: dict[int, int]
) -> Solution:
    """Split an action sequence at its depot actions into routes, renumbering nodes."""
    routes: list[Route] = []
    depot, visits = 0, []
    for action in (int(a) for a in actions):
        if action >= num_depots:
            visits.append(node_of[action])
            continue
        if visits:
            routes.append(Route(tuple(visits), vehicle_type=type_of[depot]))
            visits = []
        depot = action
    if visits:
        routes.append(Route(tuple(visits), vehicle_type=type_of[depot]))
    return Solution(tuple(routes))


def actions_to_solution(td: TensorDict, index: int, actions: Sequence[int]) -> Solution:
    """Routes of one action sequence, in the node numbering of :func:`to_routing_instance`."""
    renumber = {int(node): k for k, node in enumerate(kept_nodes(td, index))}
    return _routes(actions, int(td["num_depots"][index, 0]), renumber, renumber)


def evaluate_actions(td: TensorDict, actions: torch.Tensor) -> list[Evaluation]:
    """The core evaluator's verdict on every batch element's action sequence."""
    rows = actions.detach().cpu().tolist()
    return [
        evaluate(to_routing_instance(td, b), actions_to_solution(td, b, row))
        for b, row in enumerate(rows)
    ]


def _refuse(instance: RoutingInstance, reason: str) -> ValueError:
    return ValueError(f"{instance.name}: the learning environment cannot model {reason}")


def environment_layout(instance: RoutingInstance) -> np.ndarray:
    """Instance nodes in environment order (depots first), refusing what the env cannot model.

    The environment has one vehicle kind per depot, each starting and ending there, in unlimited
    number (or a single vehicle for a TSP), without fixed costs.
    """
    types = instance.vehicle_types
    if instance.is_heterogeneous:
        raise _refuse(instance, "a heterogeneous fleet")
    if any(vt.fixed_cost for vt in types):
        raise _refuse(instance, "fixed vehicle costs")
    if any(vt.start_depot != vt.end_depot for vt in types):
        raise _refuse(instance, "routes that end at another depot")
    if sorted(vt.start_depot for vt in types) != sorted(instance.depots):
        raise _refuse(instance, "depots without exactly one vehicle type each")
    if instance.has_fleet_limit and not instance.is_tsp:
        raise _refuse(instance, "a limited fleet (it assumes unlimited vehicles)")
    return np.array([*instance.depots, *instance.customers])


def solution_for_instance(instance: RoutingInstance, actions: Sequence[int]) -> Solution:
    """Routes of an action sequence on a batch made by :func:`from_routing_instances`."""
    order = environment_layout(instance)
    type_of_depot = {vt.start_depot: k for k, vt in enumerate(instance.vehicle_types)}
    node_of = {k: int(node) for k, node in enumerate(order)}
    depots = len(instance.depots)
    type_of = {k: type_of_depot[node_of[k]] for k in range(depots)}
    return _routes(actions, depots, node_of, type_of)


def from_routing_instances(instances: Sequence[RoutingInstance]) -> TensorDict:
    """A batch of core instances in the environment's layout (equal node and depot counts)."""
    if not instances:
        raise ValueError("no instance given")
    shapes = {(inst.num_nodes, len(inst.depots)) for inst in instances}
    if len(shapes) > 1:
        raise ValueError(f"instances differ in node or depot count: {sorted(shapes)}")
    rows = [_row(inst) for inst in instances]
    return TensorDict(
        {key: torch.stack([r[key] for r in rows]) for key in rows[0]},
        batch_size=[len(instances)],
    )


def _row(instance: RoutingInstance) -> dict[str, torch.Tensor]:
    order = environment_layout(instance)
    sub = np.ix_(order, order)
    vt = instance.vehicle_types[0]
    n = instance.num_nodes
    if instance.time_windows is not None:
        windows = instance.time_windows[order]
    else:
        windows = np.tile([0.0, math.inf], (n, 1))
    coords = instance.coords[order] if instance.coords is not None else np.zeros((n, 2))

    def tensor(values: object, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        return torch.as_tensor(np.asarray(values), dtype=dtype)

    return {
        "locs": tensor(coords),
        "distance": tensor(instance.distance[sub]),
        "duration": tensor(instance.duration[sub]),
        "num_depots": tensor([len(instance.depots)], torch.long),
        "demand_linehaul": tensor(instance.delivery[order]),
        "demand_backhaul": tensor(instance.pickup[order]),
        "vehicle_capacity": tensor([vt.capacity]),
        "backhaul_class": tensor([_CODES[instance.backhaul_mode]], torch.long),
        "open_route": tensor([vt.open_route], torch.bool),
        "time_windows": tensor(windows),
        "service_time": tensor(instance.service_times[order]),
        "distance_limit": tensor([vt.max_distance]),
        "duration_limit": tensor([vt.max_duration]),
        "multi_depot": tensor([instance.has_multiple_depots], torch.bool),
        "single_route": tensor([instance.is_tsp], torch.bool),
    }
