"""Rolling a policy out in the routing environment: sampling or greedy, single or multi-start."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tensordict import TensorDict

from vrpsolve.routing.env import RoutingEnv
from vrpsolve.routing.neural.model import RoutingPolicy
from vrpsolve.routing.neural.rrnco import RRNCOPolicy


@dataclass
class Rollout:
    """Actions, their summed log-probability and the reward of each rollout.

    With ``S`` starts over ``B`` instances the leading dimension is ``S * B``, start-major:
    rollout ``s * B + b`` is start ``s`` of instance ``b``.
    """

    actions: torch.Tensor
    log_likelihood: torch.Tensor
    reward: torch.Tensor

    def best(self, num_starts: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Per instance, the best reward over the starts and its action sequence."""
        reward = self.reward.view(num_starts, -1)
        best = reward.argmax(0)
        batch = reward.shape[1]
        rows = best * batch + torch.arange(batch, device=best.device)
        return reward.max(0).values, self.actions[rows]


def sample(log_p: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """One node per row of ``[R, M]`` log-probabilities, drawn by inverting the cumulative sum.

    A single uniform number per row; nodes of probability 0 are never drawn.
    """
    cumulative = log_p.exp().cumsum(-1)
    uniform = torch.rand(len(log_p), 1, generator=generator, device=log_p.device)
    return torch.searchsorted(cumulative, uniform * cumulative[:, -1:], right=True).squeeze(-1)


def rollout(
    policy: RoutingPolicy | RRNCOPolicy,
    env: RoutingEnv,
    td: TensorDict,
    *,
    num_starts: int = 1,
    greedy: bool = False,
    generator: torch.Generator | None = None,
) -> Rollout:
    """Construct one solution per start for every instance of ``td``.

    Multi-start rollouts begin at distinct customers (POMO); each then follows the policy, by
    sampling or greedily.
    """
    state = env.reset(td)
    encoded = policy.encode(state)
    actions: list[torch.Tensor] = []
    log_likelihood = torch.zeros(len(state) * num_starts, device=state.device)
    if num_starts > 1:
        first = env.select_start_nodes(state, num_starts)
        state = state.repeat(num_starts)
        state.set("action", first)
        state = env.step(state)["next"]
        actions.append(first)
    while not state["done"].all():
        log_p = policy.logits(encoded, state, num_starts)  # type: ignore[arg-type]
        action = log_p.argmax(-1) if greedy else sample(log_p, generator)
        log_likelihood = log_likelihood + log_p.gather(1, action[:, None]).squeeze(-1)
        state.set("action", action)
        state = env.step(state)["next"]
        actions.append(action)
    stacked = torch.stack(actions, 1)
    return Rollout(stacked, log_likelihood, env.get_reward(state, stacked))
