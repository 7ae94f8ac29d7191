"""The graph-search Gymnasium environment: API, masks, exact agreement with beam search."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from vrpsolve.envs.sb3 import masked_episode, policy_is_finite, train_maskable_ppo
from vrpsolve.graphs.search.algorithms import SimilarityGraph, search_queries
from vrpsolve.graphs.search.build import build_nsw
from vrpsolve.graphs.search.datasets import clustered_gaussians
from vrpsolve.graphs.search.env import (
    GraphSearchEnv,
    closest_candidate,
    distance_bound,
    search_with_policy,
)
from vrpsolve.graphs.search.model import GraphSearchInstance, evaluate_search


@pytest.fixture(scope="module")
def instance() -> GraphSearchInstance:
    """600 clustered 16-d vectors, 40 queries, an NSW graph and a budget of 96 DCS."""
    data = clustered_gaussians(600, 40, 1, dim=16, clusters=8, intrinsic_dim=4, seed=5)
    return data.instance(build_nsw(data.base, m=6, ef_construction=24, seed=0), budget=96)


def test_env_passes_gymnasiums_checker(instance):
    """check_env passes with the default arguments and without a warning (finite boxes)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(GraphSearchEnv(instance), skip_render_check=True)
    assert not [str(w.message) for w in caught]


def test_distances_stay_below_the_bound(instance):
    """Observed distances lie under distance_bound, which no query-base distance exceeds."""
    bound = distance_bound(instance)
    exact = np.sqrt(((instance.queries[:, None, :] - instance.base[None]) ** 2).sum(-1)).max()
    assert exact <= bound <= 2 * exact
    env = GraphSearchEnv(instance, ef=8)
    env.action_space.seed(0)
    for query in range(5):
        observation, _ = env.reset(options={"index": query})
        done = False
        while not done:
            assert observation in env.observation_space
            action = env.action_space.sample(mask=observation["action_mask"])
            observation, _, done, _, _ = env.step(action)


@pytest.mark.parametrize("ef", [1, 4, 16])
def test_closest_candidate_rollouts_reproduce_beam_search_exactly(instance, ef):
    """Always expanding the nearest candidate gives beam search's answers and DCS (ef=1: greedy)."""
    by_env = search_with_policy(instance, closest_candidate, ef=ef)
    graph = SimilarityGraph.of(instance)
    by_search = search_queries(
        graph, instance.base, instance.queries, ef=ef, budget=instance.budget, k=instance.k
    )
    assert np.array_equal(by_env.ids, by_search.ids)
    assert np.array_equal(by_env.dcs, by_search.dcs)


def test_returns_are_the_evaluators_recall(instance):
    """The sparse reward sums to the evaluator's Recall@1 over the queries."""
    env = GraphSearchEnv(instance, ef=2)
    returns = []
    for query in range(instance.num_queries):
        observation, info = env.reset(options={"index": query})
        assert info["index"] == query and observation["dcs"][0] == 1.0
        total, done = 0.0, False
        while not done:
            assert observation["action_mask"][0] == 1
            observation, reward, done, truncated, info = env.step(0)
            total += reward
            assert not truncated
        returns.append(total)
    recall = evaluate_search(instance, search_with_policy(instance, closest_candidate, ef=2))
    assert np.mean(returns) == pytest.approx(recall.recall_at_1)
    assert 0 < recall.recall_at_1 < 1


def test_other_choices_stay_within_the_rules(instance):
    """Expanding the farthest candidate is legal: answers within the budget, judged feasible."""

    def farthest(observation: dict) -> int:
        return int(np.flatnonzero(observation["action_mask"])[-1])

    solution = search_with_policy(instance, farthest, ef=8, budget=40)
    assert solution.dcs.max() <= 40
    assert evaluate_search(instance, solution).feasible
    assert not np.array_equal(
        solution.ids, search_with_policy(instance, closest_candidate, ef=8, budget=40).ids
    )


def test_forbidden_actions_raise_or_terminate(instance):
    """A masked action ends the episode at -1 by default (terminate); in raise mode it raises."""
    observation, _ = GraphSearchEnv(instance, ef=4).reset(seed=0)
    assert observation["action_mask"].tolist() == [1, 0, 0, 0]  # only the entry to expand
    with pytest.raises(ValueError, match="not allowed"):
        env = GraphSearchEnv(instance, ef=4, invalid_action="raise")
        env.reset()
        env.step(3)
    env = GraphSearchEnv(instance, ef=4)  # terminate mode by default
    env.reset()
    _, reward, terminated, _, info = env.step(3)
    assert (reward, terminated, info["invalid_action"]) == (-1.0, True, 3)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)


def test_resets_cycle_through_queries_and_check_their_options(instance):
    """Resets take the next query, a seed restarts at 0; bad options and budgets are refused."""
    env = GraphSearchEnv(instance, ef=2)
    assert [env.reset()[1]["index"] for _ in range(3)] == [0, 1, 2]
    assert env.reset(seed=1)[1]["index"] == 0 and env.query == 0
    with pytest.raises(ValueError, match="index"):
        env.reset(options={"index": instance.num_queries})
    with pytest.raises(ValueError, match="unknown reset options"):
        env.reset(options={"query": 1})
    with pytest.raises(ValueError, match="budget"):
        GraphSearchEnv(instance, budget=1)


def test_search_with_policy_refuses_forbidden_choices(instance):
    """search_with_policy raises on a policy's forbidden choice instead of ending the search."""
    with pytest.raises(ValueError, match="not allowed"):
        search_with_policy(instance, lambda observation: 3, ef=4)


def test_maskable_ppo_trains_and_acts_only_on_candidates():
    """MaskablePPO trains on the env via its mask; its greedy policy finishes a search."""
    data = clustered_gaussians(120, 12, 1, dim=4, clusters=3, intrinsic_dim=2, seed=1)
    small = data.instance(build_nsw(data.base, m=4, ef_construction=12, seed=0), budget=24)
    model = train_maskable_ppo(lambda: GraphSearchEnv(small, ef=4), timesteps=2048)
    assert model.num_timesteps >= 2048 and policy_is_finite(model)
    env = GraphSearchEnv(small, ef=4, invalid_action="raise")
    record = masked_episode(model, env, seed=0, max_steps=small.budget)
    assert record.finished and record.valid and record.total in (0.0, 1.0)
    assert math.isfinite(record.total)
