"""The neural routing policy: rollouts, adapters, checkpoints and training."""

from __future__ import annotations

import math

import pytest
import torch

from vrpsolve.routing.convert import evaluate_actions
from vrpsolve.routing.env import RoutingEnv
from vrpsolve.routing.generators import PerturbedSource, RoutingGenerator
from vrpsolve.routing.neural.checkpoints import Checkpoint, load_checkpoint, save_checkpoint
from vrpsolve.routing.neural.decoding import rollout, sample
from vrpsolve.routing.neural.features import rescale
from vrpsolve.routing.neural.model import ModelConfig, RoutingPolicy
from vrpsolve.routing.neural.rrnco import RRNCOConfig, RRNCOPolicy
from vrpsolve.routing.neural.training import TrainConfig, pomo_advantage, train

SMALL = ModelConfig(embed_dim=16, num_layers=1, num_heads=2, ff_hidden=32)
SMALL_RRNCO = RRNCOConfig(embed_dim=16, num_layers=1, num_heads=2, ff_hidden=32, neighbours=4)


def _policy(seed: int = 0) -> RoutingPolicy:
    torch.manual_seed(seed)
    return RoutingPolicy(SMALL)


def test_multistart_rollouts_are_feasible_with_rewards_equal_to_minus_costs():
    """Sampled POMO rollouts of all 48 variants pass the evaluator with matching rewards."""
    generator = RoutingGenerator(7, "all-48", source=PerturbedSource())
    env = RoutingEnv(generator)
    td = generator(6, seed=2)
    result = rollout(_policy(), env, td, num_starts=7, generator=torch.Generator().manual_seed(1))
    evaluations = evaluate_actions(td.repeat(7), result.actions)
    assert all(e.feasible for e in evaluations)
    costs = torch.tensor([e.cost for e in evaluations], dtype=torch.float32)
    assert torch.allclose(-result.reward, costs, rtol=1e-5)
    assert torch.isfinite(result.log_likelihood).all()


def test_greedy_decoding_is_deterministic_and_best_picks_the_top_start():
    """Greedy rollouts repeat exactly; best() returns each instance's highest reward."""
    generator = RoutingGenerator(6, "VRPTW")
    env, td, policy = RoutingEnv(generator), generator(3, seed=0), _policy()
    with torch.no_grad():
        first = rollout(policy, env, td.clone(), num_starts=6, greedy=True)
        second = rollout(policy, env, td.clone(), num_starts=6, greedy=True)
    assert torch.equal(first.actions, second.actions)
    best, actions = first.best(6)
    assert torch.equal(best, first.reward.view(6, 3).max(0).values)
    assert actions.shape == (3, first.actions.shape[1])


def test_sampling_follows_the_probabilities_and_never_draws_a_masked_node():
    """Draw frequencies match the probabilities; zero-probability nodes never come up."""
    probabilities = torch.tensor([[0.0, 0.5, 0.0, 0.3, 0.2, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 1.0]])
    log_p = probabilities.log().repeat(20_000, 1)
    drawn = sample(log_p, torch.Generator().manual_seed(3)).view(20_000, 2)
    counts = torch.stack([torch.bincount(drawn[:, r], minlength=6) for r in range(2)])
    assert counts[0, probabilities[0] == 0].sum() == 0
    assert torch.equal(counts[1], torch.tensor([0, 0, 0, 0, 0, 20_000]))
    frequencies = counts[0].double() / 20_000
    assert torch.allclose(frequencies, probabilities[0].double(), atol=0.015)


@pytest.mark.parametrize(
    ("policy_class", "config"),
    [(RoutingPolicy, SMALL), (RRNCOPolicy, SMALL_RRNCO)],
    ids=["routefinder", "rrnco"],
)
def test_adapter_columns_start_at_zero_and_keep_the_policy_unchanged(policy_class, config):
    """Adding an attribute leaves every log-probability as it was, until fine-tuning."""
    generator = RoutingGenerator(6, "VRPMB,MDVRP")
    env, td = RoutingEnv(generator), generator(4, seed=3)
    torch.manual_seed(0)
    policy = policy_class(config)
    state = env.reset(td)
    with torch.no_grad():
        before = policy.logits(policy.encode(state), state)
        policy.add_attributes(("mixed_backhaul", "multi_depot"))
        after = policy.logits(policy.encode(state), state)
    assert policy.attributes[-2:] == ("mixed_backhaul", "multi_depot")
    assert policy.attribute_input.weight.shape[1] == len(policy.attributes)
    assert torch.equal(before, after)


def test_checkpoints_round_trip(tmp_path):
    """A saved policy loads back with identical weights and configuration."""
    policy = _policy()
    policy.add_attributes(("mixed_backhaul",))
    save_checkpoint(Checkpoint(policy, {"steps": 1}, {"step": 1}), tmp_path / "p.pt")
    loaded = load_checkpoint(tmp_path / "p.pt")
    assert loaded.policy.config == policy.config
    for name, value in policy.state_dict().items():
        assert torch.equal(value, loaded.policy.state_dict()[name])
    with pytest.raises(ValueError, match="not a vrpsolve policy"):
        load_checkpoint(tmp_path / "missing.pt")


def test_rescaling_keeps_masks():
    """The training-scale copy of a batch allows exactly the same actions at every step."""
    from vrpsolve.routing.convert import from_routing_instances
    from vrpsolve.routing.io import read_instance

    instance = read_instance("instances/vrptw/C101.txt")
    td = from_routing_instances([instance])
    env = RoutingEnv(RoutingGenerator(instance.num_customers))
    original, scaled = env.reset(td.clone()), env.reset(rescale(td))
    rng = torch.Generator().manual_seed(0)
    while not original["done"].all():
        assert torch.equal(original["action_mask"], scaled["action_mask"])
        scores = torch.rand(original["action_mask"].shape, generator=rng)
        action = (scores * original["action_mask"]).argmax(-1)
        for state in (original, scaled):
            state.set("action", action)
        original, scaled = env.step(original)["next"], env.step(scaled)["next"]


def test_pomo_advantage_centres_rewards_and_scales_only_the_leaders():
    """Plain POMO subtracts each instance's mean; a leader bonus scales only its best start."""
    reward = torch.tensor([[-3.0, -1.0], [-1.0, -2.0], [-2.0, -6.0]])  # 3 starts x 2 instances
    plain = pomo_advantage(reward)
    assert torch.allclose(plain, torch.tensor([[-1.0, 2.0], [1.0, 1.0], [0.0, -3.0]]))
    led = pomo_advantage(reward, leader_bonus=2.0)
    assert torch.allclose(led, torch.tensor([[-1.0, 6.0], [3.0, 1.0], [0.0, -3.0]]))


def test_training_checkpoints_and_resumes(tmp_path):
    """Training writes validation gaps and a checkpoint; a second run resumes from it."""
    config = TrainConfig(
        customers=6,
        batch_size=4,
        steps=2,
        validation_size=4,
        reference_time=0.05,
        validate_every=1,
        leader_bonus=1.0,
    )
    out = tmp_path / "policy.pt"
    logged: list[str] = []
    first = train(config, SMALL, out, log=logged.append)
    assert first.train_state["step"] == 2 and len(first.train_state["history"]) == 2
    assert first.train_config["leader_bonus"] == 1.0
    assert any("validation gap" in line for line in logged)
    resumed = train(TrainConfig(**{**config.__dict__, "steps": 3}), SMALL, out, log=logged.append)
    assert resumed.train_state["step"] == 3
    assert resumed.train_state["reference"] == first.train_state["reference"]
    assert any("resuming" in line for line in logged)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_training_on_a_gpu_checkpoints_for_the_cpu(tmp_path):
    """A run on the GPU trains there, and its checkpoint resumes on the CPU."""
    config = TrainConfig(customers=6, batch_size=4, steps=2, validation_size=4, reference_time=0.05)
    out = tmp_path / "policy.pt"
    trained = train(TrainConfig(**{**config.__dict__, "device": "cuda"}), SMALL, out)
    assert {p.device.type for p in trained.policy.parameters()} == {"cuda"}
    history = trained.train_state["history"]
    assert len(history) == 1 and math.isfinite(history[0]["mean"])
    resumed = train(TrainConfig(**{**config.__dict__, "steps": 3}), SMALL, out)
    assert resumed.train_state["step"] == 3
    assert {p.device.type for p in resumed.policy.parameters()} == {"cpu"}


def test_a_resumed_run_takes_the_new_learning_rate(tmp_path):
    """Resuming with a lower rate (a decay phase) applies it and records it in the history."""
    config = TrainConfig(customers=6, batch_size=4, steps=1, validation_size=4, reference_time=0.05)
    out = tmp_path / "policy.pt"
    train(config, SMALL, out, log=lambda _: None)
    logged: list[str] = []
    lower = TrainConfig(**{**config.__dict__, "steps": 2, "learning_rate": 3e-5})
    resumed = train(lower, SMALL, out, log=logged.append)
    assert "learning rate 0.0003 -> 3e-05" in logged
    assert [entry["learning_rate"] for entry in resumed.train_state["history"]] == [3e-4, 3e-5]
    assert resumed.optimizer is not None
    assert {group["lr"] for group in resumed.optimizer["param_groups"]} == {3e-5}
