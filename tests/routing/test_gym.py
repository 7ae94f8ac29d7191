"""The Gymnasium wrapper of the routing env: API check, evaluator-checked episodes, errors."""

from __future__ import annotations

import re
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence

import vrpsolve
from vrpsolve.routing.convert import to_routing_instance
from vrpsolve.routing.generators import PerturbedSource, RoutingGenerator
from vrpsolve.routing.gym import RoutingGymEnv

ENV_ID = "vrpsolve-test/RoutingGym-v0"
EXPECTED_WARNINGS = ("space maximum value is infinity", "space minimum value is -infinity")
"""Unbounded boxes (absent limits and windows are ``inf``; coordinates are unbounded)."""


def _instances(count: int, variants: str = "VRPTW", customers: int = 6, depots: int = 2):
    generator = RoutingGenerator(customers, variants, num_depots=depots)
    return [to_routing_instance(generator(1, seed=seed), 0, f"i{seed}") for seed in range(count)]


SOURCES = {
    "generator-all-48": lambda: RoutingGenerator(6, "all-48", source=PerturbedSource()),
    "generator-vrptw": lambda: RoutingGenerator(6, "VRPTW"),
    "instances-vrptw": lambda: _instances(3),
    "instances-multi-depot": lambda: _instances(3, "MDVRPTW,MDOVRPMBL,MDVRPBL"),
}


@pytest.fixture
def registered():
    """Register the wrapper under a test id, so check_env also runs its spec-based checks."""
    gym.register(id=ENV_ID, entry_point="vrpsolve.routing.gym:RoutingGymEnv")
    yield ENV_ID
    del gym.registry[ENV_ID]


def _episode(env: RoutingGymEnv, seed: int, options: dict | None = None):
    """Play uniformly random allowed actions; return the summed reward and the last info."""
    obs, _ = env.reset(seed=seed, options=options)
    env.action_space.seed(seed)
    total, terminated, info = 0.0, False, {}
    for _ in range(4 * env.num_nodes):
        action = env.action_space.sample(mask=obs["action_mask"])
        obs, reward, terminated, truncated, info = env.step(action)
        assert not truncated
        total += reward
        if terminated:
            break
    assert terminated, "the episode does not finish"
    return total, info


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_check_env_passes(source, registered):
    """Gymnasium's check_env passes, warning only about the unbounded boxes."""
    env = gym.make(registered, source=SOURCES[source](), invalid_action="terminate").unwrapped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    unexpected = [str(w.message) for w in caught]
    unexpected = [m for m in unexpected if not any(e in m for e in EXPECTED_WARNINGS)]
    assert not unexpected


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_random_episodes_return_minus_the_evaluator_cost(source):
    """Random masked episodes end feasible, and their return is minus the evaluator's cost."""
    env = RoutingGymEnv(SOURCES[source]())
    for seed in range(6):
        total, info = _episode(env, seed)
        evaluation = vrpsolve.evaluate(env.instance, info["solution"])
        assert evaluation.feasible, evaluation.violations
        assert total == pytest.approx(-evaluation.cost, rel=1e-5, abs=1e-9)
        assert info["cost"] == pytest.approx(evaluation.cost, rel=1e-5, abs=1e-9)


def test_instance_backed_solutions_use_the_original_numbering():
    """Instance-backed episodes judge the original instance, picked by options['index']."""
    instances = _instances(3, "MDVRPTW")
    env = RoutingGymEnv(instances)
    total, info = _episode(env, seed=0, options={"index": 2})
    assert env.instance is instances[2]
    evaluation = vrpsolve.evaluate(instances[2], info["solution"])
    assert evaluation.feasible, evaluation.violations
    assert total == pytest.approx(-evaluation.cost, rel=1e-5)


def test_instance_backed_resets_cycle_and_restart_on_seed():
    """Resets cycle through the instances; a seeded reset starts again at the first."""
    env = RoutingGymEnv(_instances(3))
    indices = [env.reset(seed=4 if k == 0 else None)[1]["index"] for k in range(4)]
    assert indices == [0, 1, 2, 0]
    assert env.reset(seed=9)[1]["index"] == 0
    with pytest.raises(ValueError, match="index"):
        env.reset(options={"index": 3})


@pytest.mark.parametrize("source", ["generator-all-48", "instances-vrptw"])
def test_same_seed_gives_the_same_first_observation(source):
    """Two resets with one seed give identical observations; the generator draws anew per seed."""
    env = RoutingGymEnv(SOURCES[source]())
    first, _ = env.reset(seed=11)
    env.reset()
    again, _ = env.reset(seed=11)
    assert data_equivalence(first, again, exact=True)
    if source.startswith("generator"):
        other, _ = env.reset(seed=12)
        assert not np.array_equal(first["distance"], other["distance"])


def test_observation_keeps_infinite_limits_inside_the_space():
    """Absent route limits and window ends stay inf and lie inside the observation space."""
    env = RoutingGymEnv(RoutingGenerator(5, "CVRP"))
    obs, _ = env.reset(seed=0)
    assert np.isinf(obs["distance_limit"]).all() and np.isinf(obs["duration_limit"]).all()
    assert np.isinf(obs["time_windows"][:, 1]).all()
    assert obs in env.observation_space


def test_forbidden_action_raises_naming_the_allowed_ones():
    """A masked-out action raises ValueError naming it and the allowed actions."""
    env = RoutingGymEnv(RoutingGenerator(6, "VRPTW"))
    obs, _ = env.reset(seed=0)
    assert obs["action_mask"][0] == 0  # a route cannot end before it starts
    allowed = np.flatnonzero(obs["action_mask"]).tolist()
    with pytest.raises(ValueError, match=re.escape(f"allowed actions: {allowed}")) as raised:
        env.step(0)
    assert str(raised.value).startswith("action 0 ")
    with pytest.raises(ValueError, match="not in the action space"):
        env.step(env.num_nodes)
    assert env.step(allowed[0])[1] < 0  # the failed calls left the state unchanged


def test_terminate_mode_ends_the_episode_with_a_penalty():
    """With invalid_action='terminate' a forbidden action ends the episode at a penalty."""
    env = RoutingGymEnv(RoutingGenerator(6, "VRPTW"), invalid_action="terminate")
    env.reset(seed=0)
    _, reward, terminated, truncated, info = env.step(0)
    assert terminated and not truncated
    assert reward == -env.invalid_penalty < 0
    assert info["invalid_action"] == 0 and "solution" not in info
    with pytest.raises(RuntimeError, match="reset"):
        env.step(1)


def test_mismatched_instances_raise():
    """Instances with different node or depot counts cannot share one environment."""
    with pytest.raises(ValueError, match="same node and depot counts"):
        RoutingGymEnv([*_instances(1, customers=6), *_instances(1, customers=7)])
    single = _instances(1, "CVRP", customers=6)  # 7 nodes, one depot
    multi = _instances(1, "MDVRP", customers=5)  # 7 nodes, two depots
    with pytest.raises(ValueError, match="same node and depot counts"):
        RoutingGymEnv(single + multi)
    with pytest.raises(ValueError, match="no instance"):
        RoutingGymEnv([])


def test_rendering_is_refused():
    """Only render_mode=None is accepted."""
    with pytest.raises(ValueError, match="render_mode"):
        RoutingGymEnv(RoutingGenerator(5, "CVRP"), render_mode="human")
