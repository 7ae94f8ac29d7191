"""The Gymnasium wrapper of the routing env: API check, evaluator-checked episodes, errors."""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import replace

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence

import vrpsolve
from vrpsolve.envs.sb3 import masked_episode, policy_is_finite, train_maskable_ppo
from vrpsolve.routing.convert import environment_layout, to_routing_instance
from vrpsolve.routing.generators import PerturbedSource, RoutingGenerator
from vrpsolve.routing.gym import RoutingGymEnv

ENV_ID = "vrpsolve-test/RoutingGym-v0"


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
    """Gymnasium's check_env passes with the default arguments and without a warning."""
    env = gym.make(registered, source=SOURCES[source]()).unwrapped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    assert not [str(w.message) for w in caught]


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


def test_absent_limits_read_one_and_observations_stay_finite():
    """Absent route limits, window ends and capacity read 1; every observed value is finite."""
    env = RoutingGymEnv(RoutingGenerator(5, "TSP"))
    obs, _ = env.reset(seed=0)
    assert obs["distance_limit"][0] == obs["duration_limit"][0] == 1.0
    assert (obs["time_windows"][:, 1] == 1.0).all()
    assert obs["vehicle_capacity"][0] == 1.0 and math.isinf(env.scales.load)
    total, _ = _episode(env, seed=0)
    assert math.isfinite(total)
    for seed in range(4):
        obs, _ = RoutingGymEnv(SOURCES["generator-all-48"]()).reset(seed=seed)
        assert all(np.isfinite(np.asarray(value)).all() for value in obs.values())


@pytest.mark.parametrize("variant", ["VRPLTW", "MDOVRPMBL"])
def test_scaled_observations_times_their_units_are_the_instance(variant):
    """Observed values times Scales give back the instance's distances, times, loads, limits."""
    instance = _instances(1, variant)[0]
    env = RoutingGymEnv(instance)
    obs, _ = env.reset(seed=0)
    scales, order = env.scales, environment_layout(instance)
    sub = np.ix_(order, order)
    assert np.allclose(obs["distance"] * scales.distance, instance.distance[sub], rtol=1e-5)
    assert np.allclose(obs["duration"] * scales.time, instance.duration[sub], rtol=1e-5)
    assert np.allclose(obs["demand_linehaul"] * scales.load, instance.delivery[order], rtol=1e-5)
    assert np.allclose(obs["demand_backhaul"] * scales.load, instance.pickup[order], rtol=1e-5)
    limit = instance.vehicle_types[0].max_distance  # L: a route length limit
    assert 0 < obs["distance_limit"][0] < 1
    assert obs["distance_limit"][0] * scales.distance == pytest.approx(limit, rel=1e-5)
    assert obs["duration_limit"][0] == 1.0  # absent
    if instance.time_windows is not None:
        windows = instance.time_windows[order]
        finite = np.isfinite(windows)
        assert np.allclose((obs["time_windows"] * scales.time)[finite], windows[finite], rtol=1e-5)
    customer = int(np.flatnonzero(obs["action_mask"][env.num_depots :])[0]) + env.num_depots
    leg = obs["distance"][0, customer] * scales.distance
    obs, reward, *_ = env.step(customer)
    assert obs["route_length"][0] * scales.distance == pytest.approx(-reward, rel=1e-5)
    assert -reward == pytest.approx(leg, rel=1e-5) and leg > 0


def test_negative_instance_values_are_refused():
    """An instance with a negative demand cannot be observed: ValueError when loaded."""
    instance = _instances(1, "CVRP")[0]
    delivery = instance.delivery.copy()
    delivery[-1] = -1.0
    bad = replace(instance, delivery=delivery)
    with pytest.raises(ValueError, match="demand_linehaul has negative"):
        RoutingGymEnv(bad)


def test_maskable_ppo_trains_and_acts_only_on_allowed_nodes():
    """MaskablePPO trains on the env via its mask; its greedy policy builds a whole solution."""
    model = train_maskable_ppo(lambda: RoutingGymEnv(RoutingGenerator(5, "VRPTW")), timesteps=2048)
    assert model.num_timesteps >= 2048 and policy_is_finite(model)
    env = RoutingGymEnv(RoutingGenerator(5, "VRPTW"), invalid_action="raise")
    record = masked_episode(model, env, seed=1, max_steps=4 * env.num_nodes)
    assert record.finished and record.valid and math.isfinite(record.total)
    assert record.total < 0


def test_forbidden_action_raises_naming_the_allowed_ones():
    """A masked-out action raises ValueError naming it and the allowed actions."""
    env = RoutingGymEnv(RoutingGenerator(6, "VRPTW"), invalid_action="raise")
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
    """By default (invalid_action='terminate') a forbidden action ends the episode at a penalty."""
    env = RoutingGymEnv(RoutingGenerator(6, "VRPTW"))
    assert env.invalid_action == "terminate"
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
