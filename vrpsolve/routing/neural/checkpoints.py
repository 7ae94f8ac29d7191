"""Saving and loading trained policies: weights, model sizes, and how they were trained."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from pickle import UnpicklingError
from typing import Any

import torch

from vrpsolve.routing.neural.model import ModelConfig, RoutingPolicy
from vrpsolve.routing.neural.rrnco import RRNCOConfig, RRNCOPolicy

Policy = RoutingPolicy | RRNCOPolicy
"""The policies a checkpoint can hold."""

MODELS: dict[str, tuple[type, type]] = {
    "routefinder": (RoutingPolicy, ModelConfig),
    "rrnco": (RRNCOPolicy, RRNCOConfig),
}
"""Model kinds by name: policy class and its configuration class."""


@dataclass
class Checkpoint:
    """A policy with its training configuration and state (optimiser state optional)."""

    policy: Policy
    train_config: dict[str, Any]
    train_state: dict[str, Any]
    optimizer: dict[str, Any] | None = None


def save_checkpoint(checkpoint: Checkpoint, path: str | Path, *, with_optimizer: bool = True):
    """Write a checkpoint atomically; without the optimiser state it is a third of the size."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = asdict(checkpoint.policy.config)
    config["attributes"] = list(config["attributes"])
    payload = {
        "model": "rrnco" if isinstance(checkpoint.policy, RRNCOPolicy) else "routefinder",
        "model_config": config,
        "weights": checkpoint.policy.state_dict(),
        "train_config": checkpoint.train_config,
        "train_state": checkpoint.train_state,
        "optimizer": checkpoint.optimizer if with_optimizer else None,
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(payload, partial)
    partial.replace(path)


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint` (tensors and plain data only)."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, KeyError, EOFError, ValueError, UnpicklingError) as error:
        raise ValueError(f"{path}: not a vrpsolve policy checkpoint ({error})") from None
    if not isinstance(payload, dict) or "model_config" not in payload:
        raise ValueError(f"{path}: not a vrpsolve routing policy checkpoint")
    config = dict(payload["model_config"])
    config["attributes"] = tuple(config["attributes"])
    policy_class, config_class = MODELS[payload.get("model", "routefinder")]
    policy = policy_class(config_class(**config))
    policy.load_state_dict(payload["weights"])
    return Checkpoint(policy, payload["train_config"], payload["train_state"], payload["optimizer"])
