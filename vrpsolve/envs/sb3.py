"""Training and evaluating the learning environments with ``sb3_contrib``'s ``MaskablePPO``.

Every Gymnasium view of vrpsolve is a :class:`~vrpsolve.envs.base.MaskedEnv` whose
:meth:`~vrpsolve.envs.base.MaskedEnv.action_masks` ``MaskablePPO`` reads, so no wrapper is
needed: :func:`train_maskable_ppo` trains a ``MultiInputPolicy`` (the observations are dicts) and
:func:`masked_episode` plays one episode with the trained policy under the mask. ``sb3_contrib``
is a development dependency (the ``dev`` extra); it is imported when these functions run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from vrpsolve.envs.base import MaskedEnv


@dataclass(frozen=True)
class EpisodeRecord:
    """One episode of a policy under the action mask.

    Attributes
    ----------
    total
        The return (sum of rewards).
    steps
        Steps taken.
    finished
        Whether the episode ended (terminated or truncated) within the allowed steps.
    valid
        Whether every action the policy chose was allowed by the mask it was given.
    """

    total: float
    steps: int
    finished: bool
    valid: bool


def train_maskable_ppo(
    make_env: Callable[[], MaskedEnv],
    *,
    timesteps: int,
    n_steps: int = 128,
    batch_size: int = 64,
    n_epochs: int = 2,
    seed: int = 0,
    **kwargs: Any,
) -> Any:
    """A ``MaskablePPO`` with a ``MultiInputPolicy`` trained for ``timesteps`` steps on one env.

    ``kwargs`` go to ``MaskablePPO`` (for example ``policy_kwargs``). Runs on the CPU, in one
    thread (torch's thread count is restored afterwards).
    """
    import torch
    from sb3_contrib import MaskablePPO

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the networks are small: more threads only add overhead
    try:
        model = MaskablePPO(
            "MultiInputPolicy",
            make_env(),
            n_steps=n_steps,
            batch_size=batch_size,
            n_epochs=n_epochs,
            seed=seed,
            device="cpu",
            verbose=0,
            **kwargs,
        )
        return model.learn(total_timesteps=timesteps)
    finally:
        torch.set_num_threads(threads)


def masked_episode(
    model: Any, env: MaskedEnv, *, seed: int | None = None, max_steps: int = 10_000
) -> EpisodeRecord:
    """Play one episode of ``model``'s deterministic policy under ``env``'s action mask."""
    observation, _ = env.reset(seed=seed)
    total, valid = 0.0, True
    for step in range(1, max_steps + 1):
        mask = env.action_masks()
        action, _ = model.predict(observation, action_masks=mask, deterministic=True)
        index = int(np.asarray(action).reshape(-1)[0])
        valid &= bool(mask[index])
        observation, reward, terminated, truncated, _ = env.step(index)
        total += float(reward)
        if terminated or truncated:
            return EpisodeRecord(total, step, True, valid)
    return EpisodeRecord(total, max_steps, False, valid)


def policy_is_finite(model: Any) -> bool:
    """Whether every parameter of ``model``'s policy is finite (no NaN or inf)."""
    return all(bool(param.isfinite().all()) for param in model.policy.parameters())


__all__ = ["EpisodeRecord", "masked_episode", "policy_is_finite", "train_maskable_ppo"]
