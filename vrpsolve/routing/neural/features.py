"""What a routing policy sees: node features, global attributes and the dynamic context.

Features are computed from the environment's TensorDict (:mod:`vrpsolve.routing.env`) in float32.
Batches built from instance files are first brought to the training scale by :func:`rescale`:
coordinates into the unit square, distances and durations so that the largest is about 1.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from tensordict import TensorDict

NODE_FEATURES = ("x", "y", "delivery", "pickup", "window_start", "window_end", "service", "depot")
"""Per-node inputs, in order."""

CONTEXT_FEATURES = ("peak_load", "pickup_load", "time", "remaining_length", "open_route")
"""Per-step inputs of the decoder, in order."""


def _finite(values: torch.Tensor) -> torch.Tensor:
    return torch.where(torch.isfinite(values), values, torch.zeros_like(values)).float()


def _customer_windows(td: TensorDict) -> torch.Tensor:
    depots = int(td["num_depots"][0, 0])
    return torch.isfinite(td["time_windows"][:, depots:, 1]).any(-1, keepdim=True)


ATTRIBUTES: dict[str, Callable[[TensorDict], torch.Tensor]] = {
    "open_route": lambda td: td["open_route"].float(),
    "backhaul": lambda td: (
        (td["backhaul_class"] > 0).float()
        * (td["demand_backhaul"] > 0).any(-1, keepdim=True).float()
    ),
    "mixed_backhaul": lambda td: (
        (td["backhaul_class"] == 2).float()
        * (td["demand_backhaul"] > 0).any(-1, keepdim=True).float()
    ),
    "distance_limit": lambda td: _finite(td["distance_limit"]),
    "duration_limit": lambda td: _finite(td["duration_limit"]),
    "time_windows": lambda td: _customer_windows(td).float(),
    "multi_depot": lambda td: td["multi_depot"].float(),
}
"""Global attribute features by name: a flag, or the limit's value (0 when absent)."""


def node_features(td: TensorDict) -> torch.Tensor:
    """``[B, M, len(NODE_FEATURES)]`` float32 node inputs."""
    capacity = td["vehicle_capacity"].float()
    capacity = torch.where(torch.isfinite(capacity), capacity, torch.ones_like(capacity))
    windows = _finite(td["time_windows"])
    depots = int(td["num_depots"][0, 0])
    is_depot = torch.zeros_like(td["service_time"], dtype=torch.float32)
    is_depot[:, :depots] = 1.0
    columns = [
        td["locs"][..., 0].float(),
        td["locs"][..., 1].float(),
        td["demand_linehaul"].float() / capacity,
        td["demand_backhaul"].float() / capacity,
        windows[..., 0],
        windows[..., 1],
        td["service_time"].float(),
        is_depot,
    ]
    return torch.stack(columns, -1)


def global_features(td: TensorDict, attributes: tuple[str, ...]) -> torch.Tensor:
    """``[B, len(attributes)]`` float32 global inputs."""
    return torch.cat([ATTRIBUTES[name](td) for name in attributes], -1)


def context_features(td: TensorDict) -> torch.Tensor:
    """``[..., len(CONTEXT_FEATURES)]`` float32 decoder inputs from the current state."""
    capacity = td["vehicle_capacity"]
    capacity = torch.where(torch.isfinite(capacity), capacity, torch.ones_like(capacity))
    time = td["route_earliest"] + td["route_duration"]
    remaining = td["distance_limit"] - td["route_length"]
    columns = [
        td["route_peak_load"] / capacity,
        td["route_pickup"] / capacity,
        _finite(time),
        _finite(remaining),
        td["open_route"].to(time.dtype),
    ]
    return torch.cat([_finite(c) for c in columns], -1)


def rescale(td: TensorDict) -> TensorDict:
    """A copy of a batch at the training scale; costs scale by one factor per matrix.

    Coordinates go into the unit square; the distance matrix and distance limit are divided by
    the largest distance, durations, windows, service times and duration limit by the largest
    duration. Feasibility and the ranking of solutions are unchanged.
    """
    out = td.clone()
    locs = out["locs"].float()
    low = locs.min(1, keepdim=True).values
    span = (locs.max(1, keepdim=True).values - low).amax(-1, keepdim=True).clamp_min(1e-9)
    out["locs"] = (locs - low) / span
    by_distance = out["distance"].flatten(1).amax(1).clamp_min(1e-9)
    by_duration = out["duration"].flatten(1).amax(1).clamp_min(1e-9)
    out["distance"] = out["distance"] / by_distance[:, None, None]
    out["distance_limit"] = out["distance_limit"] / by_distance[:, None]
    out["duration"] = out["duration"] / by_duration[:, None, None]
    out["time_windows"] = out["time_windows"] / by_duration[:, None, None]
    out["service_time"] = out["service_time"] / by_duration[:, None]
    out["duration_limit"] = out["duration_limit"] / by_duration[:, None]
    return out
