"""The RRNCO policy: masking, multi-start, feasible rollouts, use of the matrices, training."""

from __future__ import annotations

import pytest
import torch

from vrpsolve.routing.convert import evaluate_actions
from vrpsolve.routing.env import RoutingEnv
from vrpsolve.routing.generators import RoutingGenerator, make_source
from vrpsolve.routing.neural.checkpoints import Checkpoint, save_checkpoint
from vrpsolve.routing.neural.decoding import rollout
from vrpsolve.routing.neural.rrnco import AFTBlock, RRNCOConfig, RRNCOPolicy, neighbour_ranks

SMALL = RRNCOConfig(embed_dim=16, num_layers=1, num_heads=2, ff_hidden=32, neighbours=4)
VARIANTS = "ATSP,ACVRP,ACVRPTW"


def _policy(seed: int = 0) -> RRNCOPolicy:
    torch.manual_seed(seed)
    return RRNCOPolicy(SMALL)


def _batch(source: str = "asymmetric", size: int = 4, seed: int = 0):
    generator = RoutingGenerator(8, VARIANTS, source=make_source(source))
    return RoutingEnv(generator), generator(size, seed=seed)


def test_logits_are_masked_normalised_and_shared_across_starts():
    """Forbidden actions get -inf, rows sum to 1, and each start matches a one-start call."""
    env, td = _batch()
    policy, starts = _policy(), 3
    initial = env.reset(td)
    with torch.no_grad():
        encoded = policy.encode(initial)
        state = initial.repeat(starts)
        state.set("action", env.select_start_nodes(initial, starts))
        state = env.step(state)["next"]
        log_p = policy.logits(encoded, state, starts)
        single = [policy.logits(encoded, state[s * 4 : (s + 1) * 4]) for s in range(starts)]
    assert log_p.shape == (starts * 4, 9)
    assert torch.isneginf(log_p[~state["action_mask"]]).all()
    assert torch.isfinite(log_p[state["action_mask"]]).all()
    assert torch.allclose(log_p.exp().sum(-1), torch.ones(starts * 4))
    assert torch.allclose(log_p, torch.cat(single), equal_nan=True)


@pytest.mark.parametrize("source", ["asymmetric", "city:monaco"])
def test_multistart_rollouts_are_feasible_with_rewards_equal_to_minus_costs(source):
    """Sampled POMO rollouts of ATSP, ACVRP and ACVRPTW pass the evaluator with their rewards."""
    env, td = _batch(source, size=5, seed=1)
    generator = torch.Generator().manual_seed(0)
    result = rollout(_policy(), env, td, num_starts=8, generator=generator)
    evaluations = evaluate_actions(td.repeat(8), result.actions)
    assert all(e.feasible for e in evaluations)
    costs = torch.tensor([e.cost for e in evaluations], dtype=torch.float32)
    assert torch.allclose(-result.reward, costs, rtol=1e-5)
    assert torch.isfinite(result.log_likelihood).all()


def test_logits_depend_on_the_distance_matrix_not_only_on_coordinates():
    """Changing only the distances (same coordinates, same mask) changes the log-probabilities."""
    generator = RoutingGenerator(8, "ATSP", source=make_source("asymmetric"))
    env, td = RoutingEnv(generator), generator(2, seed=3)
    other = td.clone()
    other["distance"] = td["distance"] * torch.rand(td["distance"].shape) + 0.05
    policy = _policy()
    with torch.no_grad():
        first, second = env.reset(td), env.reset(other)
        assert torch.equal(first["action_mask"], second["action_mask"])
        before = policy.logits(policy.encode(first), first)
        after = policy.logits(policy.encode(second), second)
    allowed = first["action_mask"]
    assert (before[allowed] - after[allowed]).abs().max() > 1e-4


def test_gradient_steps_reach_every_part_and_reduce_a_loss():
    """Every part of the network gets a gradient; a few steps raise one action's probability."""
    env, td = _batch(seed=2)
    policy = _policy()
    state = env.reset(td)
    target = state["action_mask"].float().argmax(-1)
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
    losses = []
    for _ in range(3):
        log_p = policy.logits(policy.encode(state), state)
        loss = -log_p.gather(1, target[:, None]).mean()
        optimizer.zero_grad()
        loss.backward()
        losses.append(loss.item())
        optimizer.step()
    for name, parameter in policy.named_parameters():
        if name != "attribute_input.weight":  # ATSP and ACVRP have no active attribute
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name
    assert losses[-1] < losses[0]


def test_checkpoint_payload_rebuilds_the_policy(tmp_path):
    """save_checkpoint stores config and weights from which an identical policy is rebuilt."""
    policy = _policy()
    policy.add_attributes(("mixed_backhaul",))
    path = tmp_path / "p.pt"
    save_checkpoint(Checkpoint(policy, {}, {}), path)
    payload = torch.load(path, weights_only=True)
    config = dict(payload["model_config"])
    config["attributes"] = tuple(config["attributes"])
    loaded = RRNCOPolicy(RRNCOConfig(**config))
    loaded.load_state_dict(payload["weights"])
    assert loaded.config == policy.config
    for name, value in policy.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[name])


def test_neighbour_ranks_span_near_to_far():
    """Neighbour ranks start at the nearest other node and end at the farthest."""
    ranks = neighbour_ranks(51, 16)
    assert ranks[0] == 1 and ranks[-1] == 50 and bool((ranks.diff() >= 0).all())
    assert neighbour_ranks(3, 16).max() == 2


def test_attention_free_block_matches_its_formula():
    """The factorised AFT mixing equals a per-channel softmax over ``K_j + A_ij``."""
    torch.manual_seed(0)
    block = AFTBlock(8, 2, 16)
    x, other, bias = torch.randn(2, 5, 8), torch.randn(2, 6, 8), 3 * torch.randn(2, 2, 5, 6)
    with torch.no_grad():
        gate = torch.sigmoid(block.query(block.query_norm(x)))
        key, value = block.key_value(block.other_norm(other)).view(2, 6, 2, 2, 4).unbind(2)
        key, value = key.transpose(1, 2), value.transpose(1, 2)  # [B, heads, N, d/heads]
        weight = torch.softmax(bias[..., None] + key[:, :, None], 3)
        mixed = (weight * value[:, :, None]).sum(3).transpose(1, 2).reshape(2, 5, 8)
        expected = x + block.out(gate * mixed)
        expected = expected + block.ff(block.ff_norm(expected))
        assert torch.allclose(block(x, other, bias), expected, atol=1e-5)


def test_rrnco_checkpoints_load_back_through_load_checkpoint(tmp_path):
    """load_checkpoint rebuilds an RRNCO policy from its recorded model kind."""
    from vrpsolve.routing.neural.checkpoints import Checkpoint, load_checkpoint, save_checkpoint
    from vrpsolve.routing.neural.rrnco import RRNCOConfig, RRNCOPolicy

    torch.manual_seed(0)
    policy = RRNCOPolicy(RRNCOConfig(embed_dim=16, num_layers=1, num_heads=2, ff_hidden=16))
    save_checkpoint(Checkpoint(policy, {}, {}), tmp_path / "r.pt")
    loaded = load_checkpoint(tmp_path / "r.pt").policy
    assert isinstance(loaded, RRNCOPolicy) and loaded.config == policy.config
