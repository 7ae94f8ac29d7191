"""The flow-admission Gymnasium env: API check, evaluator-judged episodes, greedy, seeds, errors."""

from __future__ import annotations

import itertools
import math
import re
import warnings
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import networkx as nx
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence

from vrpsolve.envs.sb3 import masked_episode, policy_is_finite, train_maskable_ppo
from vrpsolve.flows.env import FlowAdmissionEnv
from vrpsolve.flows.generator import generate_flows, generate_instance, generate_topology
from vrpsolve.flows.greedy import greedy_admission
from vrpsolve.flows.ilp import enumerate_candidates
from vrpsolve.flows.model import (
    Flow,
    FlowAdmissionInstance,
    Link,
    evaluate_flows,
    within,
)

ENV_ID = "vrpsolve-test/FlowAdmission-v0"
TOPOLOGY = generate_topology("waxman", 10, seed=3, link_speeds=(500.0, 1000.0))


def _instances(count: int, flows: int = 30) -> list[FlowAdmissionInstance]:
    """Instances on one fixed network with different random flows."""
    return [
        TOPOLOGY.to_instance(generate_flows(TOPOLOGY, flows, seed=seed), name=f"f{seed}")
        for seed in range(count)
    ]


def _fresh_flows(rng: np.random.Generator) -> FlowAdmissionInstance:
    """A generator callable: the fixed network with between 5 and 30 new flows."""
    count = int(rng.integers(5, 31))
    return TOPOLOGY.to_instance(generate_flows(TOPOLOGY, count, seed=rng, hop_slack=1))


def _triangle(mode: str = "weighted") -> FlowAdmissionInstance:
    """A -> C directly or via B (longer); two flows that cannot both take the direct link."""
    links = [Link("A", "C", 10, 1.0), Link("A", "B", 10, 1.0), Link("B", "C", 10, 1.0)]
    flows = [Flow("A", "C", 6, priority=1), Flow("A", "C", 6, priority=2)]
    return FlowAdmissionInstance("triangle", ("A", "B", "C"), links, flows, mode)


SOURCES: dict[str, Callable[[], Any]] = {
    "instance": lambda: generate_instance("waxman", 12, 60, seed=1, demand_range=(200, 2000)),
    "instances": lambda: _instances(3),
    "generator": lambda: _fresh_flows,
    "lexicographic": lambda: generate_instance("grid", 9, 40, seed=2, mode="lexicographic"),
}


@pytest.fixture
def registered():
    """Register the env under a test id, so check_env also runs its spec-based checks."""
    gym.register(id=ENV_ID, entry_point="vrpsolve.flows.env:FlowAdmissionEnv")
    yield ENV_ID
    del gym.registry[ENV_ID]


def _first_allowed(obs: dict) -> int:
    """Admit on the first candidate that fits, else reject."""
    allowed = np.flatnonzero(obs["action_mask"][1:])
    return int(allowed[0]) + 1 if allowed.size else 0


def _episode(env: FlowAdmissionEnv, policy, seed: int | None = None, options=None):
    """Play a policy to the end; return the summed reward and the last info."""
    obs, _ = env.reset(seed=seed, options=options)
    total, terminated, info = 0.0, False, dict[str, Any]()
    while not terminated:
        obs, reward, terminated, truncated, info = env.step(policy(obs))
        assert not truncated
        assert obs in env.observation_space
        total += reward
    return total, info


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_check_env_passes(source, registered):
    """Gymnasium's check_env passes with the default arguments and without a warning."""
    # A generator's flow count varies, so its env needs the most it draws (30 here) as max_flows.
    sized = {"max_flows": 30} if source == "generator" else {}
    env = gym.make(registered, source=SOURCES[source](), **sized).unwrapped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    assert not [str(w.message) for w in caught]


@pytest.mark.parametrize("source", ["instance", "instances", "generator"])
def test_random_masked_episodes_are_feasible_and_return_the_objective(source):
    """Random allowed actions give feasible solutions whose objective equals the return."""
    env = FlowAdmissionEnv(SOURCES[source](), k=3, max_flows=60)
    for seed in range(5):
        env.action_space.seed(seed)
        total, info = _episode(env, lambda o: env.action_space.sample(mask=o["action_mask"]), seed)
        evaluation = evaluate_flows(env.instance, info["solution"])
        assert evaluation.feasible, evaluation.violations
        assert total == evaluation.objective == info["objective"] > 0
        assert info["key"] == evaluation.key()


def test_fractional_priorities_return_the_objective_up_to_rounding():
    """With fractional priorities the return matches the objective up to float rounding."""
    base = _instances(1)[0]
    flows = [Flow(f.source, f.target, f.demand, f.priority / 7) for f in base.flows]
    instance = FlowAdmissionInstance("sevenths", base.nodes, base.links, flows)
    env = FlowAdmissionEnv(instance, k=2)
    total, info = _episode(env, _first_allowed)
    assert total == pytest.approx(info["objective"], rel=1e-12)


def test_first_allowed_candidate_reproduces_greedy_when_all_paths_are_candidates():
    """With every usable path a candidate and no delay ties, first-allowed is greedy exactly."""
    actions: list[int] = []
    for seed in range(6):
        # Random node positions give distinct path delays; cycles give detours.
        instance = generate_instance(
            "barabasi_albert",
            8,
            30,
            seed=seed,
            link_speeds=(1000.0, 2500.0),
            hop_slack=seed % 2 or None,
        )
        env = FlowAdmissionEnv(instance, k=200)
        obs, _ = env.reset()
        terminated, info = False, dict[str, Any]()
        while not terminated:
            assert env.current_flow is not None
            assert enumerate_candidates(instance, env.current_flow, env.k).complete
            actions.append(_first_allowed(obs))
            obs, _, terminated, _, info = env.step(actions[-1])
        greedy = greedy_admission(instance)
        assert info["solution"] == greedy
        assert info["objective"] == evaluate_flows(instance, greedy).objective
    assert 0 in actions and max(actions) > 1  # rejections and detours both happened


def test_first_allowed_candidate_differs_from_greedy_with_too_few_candidates():
    """With k=1 a flow whose one candidate is full is rejected where greedy takes a detour."""
    instance = _triangle()
    greedy = greedy_admission(instance)
    assert greedy.paths == (("A", "B", "C"), ("A", "C"))
    _, narrow = _episode(FlowAdmissionEnv(instance, k=1), _first_allowed)
    assert narrow["solution"].paths == (None, ("A", "C"))
    _, wide = _episode(FlowAdmissionEnv(instance, k=2), _first_allowed)
    assert wide["solution"] == greedy


@pytest.mark.parametrize("kind", ["grid", "barabasi_albert"])
@pytest.mark.parametrize("k", [1, 4])
def test_first_allowed_candidate_is_feasible_with_few_candidates(kind, k):
    """With few candidates (or delay ties) first-allowed may differ from greedy but is feasible."""
    instance = generate_instance(kind, 12, 80, seed=0, demand_range=(200, 2000))
    _, info = _episode(FlowAdmissionEnv(instance, k=k), _first_allowed)
    evaluation = evaluate_flows(instance, info["solution"])
    assert evaluation.feasible, evaluation.violations
    assert 0 < evaluation.num_admitted < instance.num_flows


def test_candidates_are_the_shortest_simple_paths_within_the_limits():
    """Candidates are the k least-delay simple paths that keep every limit, shortest first."""
    instance = generate_instance("waxman", 8, 20, seed=4, hop_slack=1, delay_slack=0.5)
    graph = instance.to_networkx()
    env = FlowAdmissionEnv(instance, k=4)
    env.reset()
    for _ in range(instance.num_flows):
        assert env.current_flow is not None
        flow = instance.flows[env.current_flow]
        allowed = []
        for path in nx.all_simple_paths(graph, flow.source, flow.target, cutoff=flow.max_hops):
            delay = math.fsum(graph.edges[u, v]["delay"] for u, v in itertools.pairwise(path))
            fits = all(
                within(flow.demand, graph.edges[u, v]["capacity"])
                for u, v in itertools.pairwise(path)
            )
            if fits and (flow.max_delay is None or within(delay, flow.max_delay)):
                allowed.append(delay)
        got = [
            math.fsum(graph.edges[u, v]["delay"] for u, v in itertools.pairwise(p))
            for p in env.candidates
        ]
        assert got == sorted(allowed)[: env.k]
        env.step(0)


def test_mask_and_features_follow_the_residual_capacity():
    """Admitting a flow lowers the residual of its links and masks candidates that no longer fit."""
    env = FlowAdmissionEnv(_triangle(), k=3)
    obs, info = env.reset()
    assert info["flow"] == 1  # the priority-2 flow comes first
    assert env.candidates == (("A", "C"), ("A", "B", "C"))
    assert obs["action_mask"].tolist() == [1, 1, 1, 0]
    assert obs["priority"][0] == 1.0 and obs["demand"][0] == pytest.approx(0.6)
    assert obs["candidates"][:, 0] == pytest.approx([0.5, 1.0, 0.0])  # hops / (N - 1)
    assert obs["candidates"][:, 2] == pytest.approx([10 / 6, 10 / 6, 0.0])
    obs, reward, terminated, _, info = env.step(1)
    assert (reward, terminated, info["admitted"]) == (2.0, False, True)
    assert obs["residual"] == pytest.approx([0.4, 1.0, 1.0])
    assert obs["action_mask"].tolist() == [1, 0, 1, 0]
    assert obs["progress"][0] == 0.5
    assert obs["flows"] == pytest.approx(np.array([[0.6, 1.0, 0.0, 1.0], [0.6, 0.5, 1.0, 0.0]]))


def test_lexicographic_reward_ranks_a_higher_class_over_all_lower_ones():
    """In lexicographic mode one higher-class flow earns more than all lower-class flows."""
    links = [Link(0, 1, 100.0)]
    flows = [Flow(0, 1, 1.0, 1.0)] * 3 + [Flow(0, 1, 1.0, 2.0)]
    instance = FlowAdmissionInstance("lex", 2, links, flows, "lexicographic")
    env = FlowAdmissionEnv(instance, k=1)
    only_high, _ = _episode(env, lambda o: 1 if o["priority"][0] == 1.0 else 0)
    only_low, _ = _episode(env, lambda o: 1 if o["priority"][0] < 1.0 else 0)
    assert only_high > only_low > 0
    weighted, info = _episode(FlowAdmissionEnv(instance, k=1, reward="priority"), _first_allowed)
    assert weighted == info["objective"] == 5.0


def test_seeded_generator_resets_are_reproducible():
    """One seed gives the same instance, observations and episode; another seed differs."""
    env = FlowAdmissionEnv(_fresh_flows, k=3, max_flows=30)

    def run(seed: int):
        env.action_space.seed(seed)
        first, info = env.reset(seed=seed)
        policy = lambda o: env.action_space.sample(mask=o["action_mask"])  # noqa: E731
        total, end = _episode(env, policy, seed=seed)
        return first, info["seed"], env.instance, total, end["solution"]

    a, b, c = run(5), run(5), run(6)
    assert data_equivalence(a[0], b[0], exact=True)
    assert a[1:] == b[1:]
    assert a[2] != c[2]


def test_instance_backed_resets_cycle_and_restart_on_seed():
    """Resets cycle through the instances; a seeded reset restarts; options['index'] picks one."""
    instances = _instances(3)
    env = FlowAdmissionEnv(instances)
    indices = [env.reset(seed=4 if j == 0 else None)[1]["index"] for j in range(4)]
    assert indices == [0, 1, 2, 0]
    assert env.reset(seed=9)[1]["index"] == 0
    assert env.reset(options={"index": 2})[1]["index"] == 2
    assert env.instance is instances[2]
    with pytest.raises(ValueError, match="index"):
        env.reset(options={"index": 3})


def test_observations_are_padded_to_max_flows():
    """The flow table has max_flows rows; those past the instance's flows are zeros."""
    env = FlowAdmissionEnv(_triangle(), k=2, max_flows=5)
    obs, _ = env.reset()
    assert obs["flows"].shape == (5, 4)
    assert not obs["flows"][2:].any()
    assert obs in env.observation_space


def test_forbidden_action_raises_naming_the_allowed_ones():
    """A masked-out action raises ValueError naming the allowed ones and changes nothing."""
    env = FlowAdmissionEnv(_triangle(), k=3, invalid_action="raise")
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    env.reset()
    env.step(1)
    with pytest.raises(ValueError, match=re.escape("allowed actions: [0, 2]")) as raised:
        env.step(1)
    assert str(raised.value).startswith("action 1 ")
    with pytest.raises(ValueError, match="not in the action space"):
        env.step(4)
    _, reward, terminated, _, info = env.step(2)
    assert (reward, terminated) == (1.0, True)
    assert info["solution"].paths == (("A", "B", "C"), ("A", "C"))
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)


def test_forbidden_action_in_terminate_mode_ends_with_the_penalty():
    """By default (terminate mode) a forbidden action ends the episode below any valid return."""
    env = FlowAdmissionEnv(_triangle(), k=3)
    assert env.invalid_action == "terminate"
    env.reset()
    _, reward, terminated, _, info = env.step(3)
    assert terminated and info["invalid_action"] == 3
    assert reward == -env.invalid_penalty == -4.0
    assert info["flow"] == 1 and "solution" not in info


def test_maskable_ppo_trains_and_acts_only_on_allowed_actions():
    """MaskablePPO trains on the env via its mask; its greedy policy decides every flow."""
    instances = _instances(3, flows=12)
    model = train_maskable_ppo(lambda: FlowAdmissionEnv(instances, k=3), timesteps=2048)
    assert model.num_timesteps >= 2048 and policy_is_finite(model)
    env = FlowAdmissionEnv(instances, k=3, invalid_action="raise")
    record = masked_episode(model, env, seed=0, max_steps=12)
    assert record.finished and record.valid and record.steps == 12
    assert math.isfinite(record.total) and record.total >= 0


def test_bad_sources_are_refused():
    """Differing networks, too many flows, flowless instances and bad arguments raise."""
    small, large = _triangle(), _instances(1)[0]
    with pytest.raises(ValueError, match="same counts"):
        FlowAdmissionEnv([small, large])
    with pytest.raises(ValueError, match="max_flows=10"):
        FlowAdmissionEnv(large, max_flows=10)
    with pytest.raises(ValueError, match="no flows"):
        FlowAdmissionEnv(FlowAdmissionInstance("empty", small.nodes, small.links))
    with pytest.raises(ValueError, match="k must"):
        FlowAdmissionEnv(small, k=0)
    calls = []

    def growing(rng: np.random.Generator) -> FlowAdmissionInstance:
        calls.append(rng)
        return TOPOLOGY.to_instance(generate_flows(TOPOLOGY, 5 * len(calls), seed=rng))

    env = FlowAdmissionEnv(growing)  # max_flows comes from the first draw
    assert env.max_flows == 5
    with pytest.raises(ValueError, match="10 flows, more than max_flows=5"):
        env.reset(seed=0)
    with pytest.raises(ValueError, match="index"):
        env.reset(options={"index": 0})
