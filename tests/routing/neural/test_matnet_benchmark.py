"""The MatNet baseline trains on city ATSP matrices and its tours pass the evaluator."""

from __future__ import annotations

import importlib
import itertools
import math
from pathlib import Path

import pytest
import torch

from vrpsolve.routing.convert import to_routing_instance
from vrpsolve.routing.generators import RoutingGenerator, make_source
from vrpsolve.routing.model import evaluate

ROOT = Path(__file__).resolve().parents[3]


def _import(name: str):
    """A module of the repository's ``benchmarks`` package, which a bare `pytest` cannot see."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(ROOT))
        return importlib.import_module(name)


matnet = _import("benchmarks.matnet")
TINY = matnet.MatNetSettings(
    customers=4,
    embed_dim=16,
    num_layers=1,
    num_heads=2,
    batch_size=4,
    validation_size=2,
    reference_time=0.05,
    validate_every=2,
    log_every=1,
)


def _instances(variant: str, count: int, seed: int):
    generator = RoutingGenerator(4, [variant], source=make_source("cities:held-out"))
    td = generator(count, seed=seed)
    return [to_routing_instance(td, k, name=f"{variant}#{k}") for k in range(count)]


def test_training_checkpoints_a_policy_whose_tours_pass_the_evaluator(tmp_path):
    """A few POMO steps on 5-node city ATSP write a checkpoint; its tours are feasible tours."""
    lines: list[str] = []
    state = matnet.train(TINY, tmp_path / "m.pt", minutes=1, max_steps=3, log=lines.append)
    assert state["step"] == 3 and [h["step"] for h in state["history"]] == [2, 3]
    assert all(math.isfinite(h["gap"]) and h["gap"] >= -1e-6 for h in state["history"])
    assert any(line.startswith("step 3: loss") for line in lines)
    policy = matnet.load_matnet(str(tmp_path / "m.pt"))
    instances = _instances("ATSP", 3, seed=7)
    tours = matnet.matnet_tours(instances, policy)
    for instance, tour in zip(instances, tours, strict=True):
        assert sorted(tour) == list(range(5))
        evaluation = evaluate(instance, matnet.tour_solution(instance, tour))
        assert evaluation.feasible
        optimum = min(
            evaluate(instance, matnet.tour_solution(instance, [0, *order])).cost
            for order in itertools.permutations(range(1, 5))
        )
        assert evaluation.cost >= optimum - 1e-9


def test_decoding_is_reproducible_and_leaves_the_global_seed_alone():
    """The same seed gives the same tours, and torch's global random state is not consumed."""
    torch.manual_seed(0)
    policy = matnet.make_policy(TINY)
    instances = _instances("ATSP", 4, seed=3)
    torch.manual_seed(5)
    first = matnet.matnet_tours(instances, policy, seed=1)
    after = torch.rand(1)
    torch.manual_seed(5)
    assert matnet.matnet_tours(instances, policy, seed=1) == first
    assert torch.equal(torch.rand(1), after)


def test_more_one_hot_draws_never_give_a_longer_tour():
    """Augmentation keeps the best tour over draws; the first draw is the unaugmented one."""
    torch.manual_seed(0)
    policy = matnet.make_policy(TINY)
    instances = _instances("ATSP", 6, seed=4)
    one = matnet.matnet_tours(instances, policy, seed=2)
    several = matnet.matnet_tours(instances, policy, seed=2, draws=4)
    for instance, a, b in zip(instances, one, several, strict=True):
        cost_one = evaluate(instance, matnet.tour_solution(instance, a)).cost
        cost_several = evaluate(instance, matnet.tour_solution(instance, b))
        assert cost_several.feasible and cost_several.cost <= cost_one + 1e-9
    assert several != one  # some draw found a shorter tour on some instance


def test_tour_is_rotated_to_start_after_the_depot():
    """A tour listed from any node becomes one route starting after the depot."""
    instance = _instances("ATSP", 1, seed=0)[0]
    assert matnet.tour_solution(instance, [2, 4, 0, 3, 1]).to_lists() == [[3, 1, 2, 4]]


def test_matnet_refuses_problems_other_than_atsp():
    """An ACVRP instance is refused with a message naming its variant."""
    with pytest.raises(ValueError, match="ACVRP"):
        matnet.matnet_tours(_instances("ACVRP", 1, seed=0), matnet.make_policy(TINY))


def test_matnet_refuses_more_nodes_than_embedding_dimensions():
    """Random one-hot column inputs need a dimension per node: 21 nodes > 16 is refused."""
    generator = RoutingGenerator(20, ["ATSP"], source=make_source("city:krems"))
    instance = to_routing_instance(generator(1, seed=0), 0)
    with pytest.raises(ValueError, match="21 nodes <= embed_dim 16"):
        matnet.matnet_tours([instance], matnet.make_policy(TINY))
