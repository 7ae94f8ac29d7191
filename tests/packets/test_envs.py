"""The packet routing environments: PettingZoo and Gymnasium API checks, exact replay, rewards."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test, parallel_seed_test

from vrpsolve.envs.sb3 import masked_episode, policy_is_finite, train_maskable_ppo
from vrpsolve.packets.env import (
    PacketRoutingGymEnv,
    PacketRoutingParallelEnv,
    default_drop_penalty,
)
from vrpsolve.packets.model import PacketLink, PacketNetwork, TrafficModel
from vrpsolve.packets.policies import ShortestPathPolicy
from vrpsolve.packets.simulator import Packet, Simulation
from vrpsolve.packets.topologies import boyan_littman_grid, random_geometric_network

ENV_ID = "vrpsolve-test/PacketRouting-v0"


@pytest.fixture(scope="module")
def grid() -> PacketNetwork:
    """Boyan and Littman's grid, short, with no warmup and unlimited queues."""
    return boyan_littman_grid(load=1.5, duration=40.0, warmup=0.0)


@pytest.fixture(scope="module")
def congested() -> PacketNetwork:
    """The grid under heavy load with small buffers and a hop limit, so packets are dropped."""
    return boyan_littman_grid(load=4.0, duration=60.0, warmup=10.0, buffer_size=3, ttl=12)


@pytest.fixture
def registered():
    """Register the Gymnasium env under a test id, so check_env also runs its spec checks."""
    gym.register(id=ENV_ID, entry_point="vrpsolve.packets.env:PacketRoutingGymEnv")
    yield ENV_ID
    del gym.registry[ENV_ID]


def _line(buffer_size: int | None = None) -> PacketNetwork:
    """Three routers in a line, 0 - 1 - 2, and a spur 1 - 3: degrees 1, 3, 1, 1."""
    links = []
    for u, v in ((0, 1), (1, 2), (1, 3)):
        links += [PacketLink(u, v), PacketLink(v, u)]
    return PacketNetwork(
        "line", 4, tuple(links), TrafficModel(1.0), buffer_size=buffer_size, duration=30.0
    )


def _node(agent: str) -> int:
    return int(agent.removeprefix("router_"))


def _actor(env: PacketRoutingParallelEnv) -> str:
    """The active router (the episode must not be over)."""
    actor = env.active_agent
    assert actor is not None
    return actor


def _packet(env: PacketRoutingParallelEnv) -> Packet:
    """The packet of the pending decision."""
    assert env.decision is not None
    return env.decision.packet


def _shortest_index(table: np.ndarray, policy: ShortestPathPolicy, node: int, dest: int) -> int:
    """The action index of the shortest-path policy's next hop."""
    return int(np.flatnonzero(table[node] == policy.table[node, dest])[0])


def _play_parallel(env: PacketRoutingParallelEnv, choose, seed: int | None = 0):
    """Run an episode; return per-step (actor, rewards, infos) and the last infos."""
    obs, infos = env.reset(seed=seed)
    steps: list[tuple[str, dict[str, float], dict[str, Any]]] = []
    while env.agents:
        actor = _actor(env)
        action = choose(actor, obs[actor])
        obs, rewards, _, _, infos = env.step({actor: action})
        steps.append((actor, rewards, infos))
    return steps, infos


def _play_gym(env: PacketRoutingGymEnv, choose, seed: int | None = 0):
    """Run an episode; return the rewards and the last info."""
    obs, info = env.reset(seed=seed)
    rewards, done = [], False
    while not done:
        obs, reward, terminated, truncated, info = env.step(choose(obs))
        rewards.append(reward)
        done = terminated or truncated
    return rewards, info


@pytest.mark.parametrize("reward", ["global", "local"])
@pytest.mark.parametrize("which", ["grid", "congested"])
def test_parallel_api_test_passes(which, reward, request):
    """PettingZoo's parallel_api_test passes without a warning, through an episode's end."""
    env = PacketRoutingParallelEnv(request.getfixturevalue(which), reward=reward)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parallel_api_test(env, num_cycles=2_000)
    assert not [str(w.message) for w in caught]
    assert env.agents == []


def test_parallel_api_test_passes_with_truncation(grid):
    """The API test also passes when max_steps truncates the episode."""
    env = PacketRoutingParallelEnv(grid, max_steps=25)
    parallel_api_test(env, num_cycles=100)
    _, infos = _play_parallel(env, lambda agent, obs: 0)
    assert all(info["report"].generated > 0 for info in infos.values())


@pytest.mark.parametrize("reward", ["global", "local"])
def test_check_env_passes(registered, congested, reward):
    """Gymnasium's check_env passes with the default arguments, no warning on bounded queues."""
    env = gym.make(registered, network=congested, reward=reward).unwrapped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    assert not [str(w.message) for w in caught]


def test_check_env_warns_only_about_unlimited_queues(registered, grid):
    """With unlimited queues check_env passes; its one warning is the queues' open boxes."""
    env = gym.make(registered, network=grid).unwrapped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    messages = {str(w.message) for w in caught}
    assert messages and all(
        "Box observation space maximum value is infinity" in m for m in messages
    )


def test_parallel_seed_test_passes(congested):
    """PettingZoo's parallel_seed_test passes: seeded resets and steps are reproducible."""
    parallel_seed_test(lambda: PacketRoutingParallelEnv(congested))


def test_forbidden_actions_terminate_by_default():
    """Both envs end the episode on a forbidden action unless told otherwise."""
    network = _line()
    assert PacketRoutingParallelEnv(network).invalid_action == "terminate"
    env = PacketRoutingGymEnv(network)
    assert env.invalid_action == "terminate"
    state, _ = env.reset(seed=0)
    while state["action_mask"].all():
        state, *_ = env.step(0)
    bad = int(np.flatnonzero(state["action_mask"] == 0)[0])
    _, reward, terminated, truncated, info = env.step(bad)
    assert (reward, terminated, truncated) == (-env.invalid_penalty, True, False)
    assert info["invalid_action"] == bad and "report" not in info


def test_maskable_ppo_trains_and_routes_only_to_neighbours():
    """MaskablePPO trains on the Gymnasium view via its mask; its greedy policy runs a whole run."""
    network = replace(boyan_littman_grid(load=1.0, duration=15.0, warmup=0.0), buffer_size=20)
    model = train_maskable_ppo(lambda: PacketRoutingGymEnv(network), timesteps=2048)
    assert model.num_timesteps >= 2048 and policy_is_finite(model)
    env = PacketRoutingGymEnv(network, invalid_action="raise")
    record = masked_episode(model, env, seed=1, max_steps=5_000)
    assert record.finished and record.valid and record.steps > 10
    assert math.isfinite(record.total) and record.total < 0


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("which", ["grid", "congested"])
def test_shortest_path_choices_reproduce_the_simulation_report(which, seed, request):
    """Both envs driven with the shortest-path policy's choices reproduce Simulation.run."""
    network = request.getfixturevalue(which)
    policy = ShortestPathPolicy(network)
    expected = Simulation(network, seed=seed).run(ShortestPathPolicy(network))

    par = PacketRoutingParallelEnv(network)
    _, infos = _play_parallel(
        par,
        lambda agent, obs: _shortest_index(
            par.neighbour_table, policy, _node(agent), int(obs["destination"])
        ),
        seed=seed,
    )
    assert {id(info["report"]) for info in infos.values()} == {id(infos["router_0"]["report"])}
    assert infos["router_0"]["report"] == expected

    single = PacketRoutingGymEnv(network)
    _, info = _play_gym(
        single,
        lambda obs: _shortest_index(
            single.neighbour_table, policy, int(obs["node"]), int(obs["destination"])
        ),
        seed=seed,
    )
    assert info["report"] == expected
    assert info["time"] == network.duration


def test_masks_only_allow_neighbours():
    """The active router's mask allows exactly its neighbours; idle routers' masks are empty."""
    network = _line()
    env = PacketRoutingParallelEnv(network)
    assert env.neighbour_table.tolist() == [[1, -1, -1], [0, 2, 3], [1, -1, -1], [1, -1, -1]]
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=1)
    while env.agents:
        actor = _actor(env)
        for agent, seen in obs.items():
            node = _node(agent)
            degree = len(network.neighbours(node))
            if agent == actor:
                assert seen["action_mask"].tolist() == [1] * degree + [0] * (3 - degree)
                assert seen["destination"] == _packet(env).destination != node
                assert seen["queue_length"][0] >= 1
            else:
                assert not seen["action_mask"].any()
                assert seen["destination"] == network.num_nodes
            assert seen in env.observation_space(agent)
        action = int(rng.choice(np.flatnonzero(obs[actor]["action_mask"])))
        obs, *_ = env.step({actor: action, **{a: 2 for a in env.agents if a != actor}})

    single = PacketRoutingGymEnv(network)
    state, _ = single.reset(seed=1)
    for _ in range(20):
        degree = len(network.neighbours(int(state["node"])))
        assert state["action_mask"].tolist() == [1] * degree + [0] * (3 - degree)
        state, *_ = single.step(single.action_space.sample(mask=state["action_mask"]))


def test_queue_observations_match_the_simulation(grid):
    """Queue lengths in the observation are the simulator's, neighbours in link order."""
    env = PacketRoutingParallelEnv(grid)
    obs, _ = env.reset(seed=2)
    for _ in range(200):
        queues = env.simulation.queue_lengths()
        for agent, seen in obs.items():
            node = _node(agent)
            heads = grid.neighbours(node)
            assert seen["queue_length"][0] == queues[node]
            padded = [queues[v] for v in heads] + [0] * (len(seen["action_mask"]) - len(heads))
            assert seen["neighbour_queue_lengths"].tolist() == padded
        assert np.array_equal(env.state(), queues)
        actor = _actor(env)
        obs, *_ = env.step({actor: 0})


@pytest.mark.parametrize("which", ["grid", "congested"])
def test_global_rewards_sum_to_minus_delivery_times_and_drop_penalties(which, request):
    """Each router's global return is minus the total delivery time minus the drop penalties."""
    network = replace(request.getfixturevalue(which), warmup=0.0)
    policy = ShortestPathPolicy(network)
    env = PacketRoutingParallelEnv(network, drop_penalty=5.0)
    steps, infos = _play_parallel(
        env,
        lambda agent, obs: _shortest_index(
            env.neighbour_table, policy, _node(agent), int(obs["destination"])
        ),
    )
    report = infos["router_0"]["report"]
    expected = -report.mean_delivery_time * report.delivered - 5.0 * report.dropped
    assert (report.dropped > 0) == (which == "congested")
    for _, rewards, _ in steps:
        assert len(set(rewards.values())) == 1
    assert math.fsum(rewards["router_7"] for _, rewards, _ in steps) == pytest.approx(expected)

    single = PacketRoutingGymEnv(network, drop_penalty=5.0)
    rewards, info = _play_gym(
        single,
        lambda obs: _shortest_index(
            single.neighbour_table, policy, int(obs["node"]), int(obs["destination"])
        ),
    )
    assert info["report"] == report
    assert math.fsum(rewards) == pytest.approx(expected)


def test_local_rewards_charge_the_acting_router_its_packets_hop_times(grid):
    """Local rewards go to the actor only and sum to the delivered packets' delivery times."""
    env = PacketRoutingParallelEnv(grid, reward="local")
    cost: dict[int, float] = {}
    packets: dict[int, Packet] = {}
    obs, _ = env.reset(seed=4)
    rng = np.random.default_rng(4)
    while env.agents:
        actor = _actor(env)
        packet = _packet(env)
        action = int(rng.choice(np.flatnonzero(obs[actor]["action_mask"])))
        obs, rewards, _, _, infos = env.step({actor: action})
        assert all(value == 0.0 for agent, value in rewards.items() if agent != actor)
        assert rewards[actor] < 0
        cost[packet.id] = cost.get(packet.id, 0.0) - rewards[actor]
        packets[packet.id] = packet
    report = infos["router_0"]["report"]
    still = {p.id for p in env.simulation.packets_in_network()}
    delivered = [pid for pid in cost if pid not in still]
    assert len(delivered) == report.delivered > 0
    assert all(packets[pid].node == packets[pid].destination for pid in delivered)
    total = math.fsum(cost[pid] for pid in delivered)
    assert total == pytest.approx(report.mean_delivery_time * report.delivered)


def test_local_drop_penalties_add_up_to_the_drops(congested):
    """Under the local reward each drop costs one router drop_penalty (beyond the hop costs)."""
    network = replace(congested, warmup=0.0)

    def rewards(penalty: float) -> list[dict[str, float]]:
        env = PacketRoutingParallelEnv(network, reward="local", drop_penalty=penalty)
        steps, _ = _play_parallel(env, lambda agent, obs: 0, seed=1)
        return [step for _, step, _ in steps]

    free, paid = rewards(0.0), rewards(100.0)
    charges = [
        (free_step[agent] - paid_step[agent]) / 100.0
        for free_step, paid_step in zip(free, paid, strict=True)
        for agent in free_step
    ]
    assert all(value == pytest.approx(round(value)) for value in charges)
    dropped = Simulation(network, seed=1).run(_First(network)).dropped
    assert dropped > 0
    assert math.fsum(charges) == pytest.approx(dropped)


class _First:
    """Always the first neighbour in link order (action 0)."""

    def __init__(self, network: PacketNetwork) -> None:
        self.network = network

    def next_hop(self, node: int, destination: int, packet: Packet, view: Any) -> int:
        return view.neighbours[0]


def test_seeded_resets_are_deterministic(congested):
    """The same seed and actions give the same episode; unseeded resets follow the seed."""

    def run(env: PacketRoutingParallelEnv, seed: int | None):
        rng = np.random.default_rng(3)
        steps, infos = _play_parallel(
            env, lambda agent, obs: int(rng.choice(np.flatnonzero(obs["action_mask"]))), seed
        )
        return [(actor, rewards) for actor, rewards, _ in steps], infos["router_0"]["report"]

    env = PacketRoutingParallelEnv(congested)
    first = run(env, 5)
    assert run(env, 5) == first
    assert run(env, 6) != first
    env.reset(seed=9)
    follow = run(env, None)
    env.reset(seed=9)
    assert run(env, None) == follow

    single = PacketRoutingGymEnv(congested)
    obs_a, info_a = single.reset(seed=5)
    obs_b, info_b = single.reset(seed=5)
    assert info_a == info_b and info_a["seed"] == 5
    assert all(np.array_equal(obs_a[key], obs_b[key]) for key in obs_a)


def test_forbidden_actions_raise_terminate_or_are_ignored():
    """A masked action raises, ends the episode (terminate) or is asked again (noop)."""
    network = _line()
    env = PacketRoutingParallelEnv(network, invalid_action="raise", invalid_penalty=7.0)
    obs, _ = env.reset(seed=0)
    actor = _actor(env)
    bad = len(network.neighbours(_node(actor)))
    if bad < 3:
        with pytest.raises(ValueError, match="allowed actions"):
            env.step({actor: bad})
    with pytest.raises(ValueError, match="action space"):
        env.step({actor: 3})
    with pytest.raises(ValueError, match="needs an entry"):
        env.step({})

    single = PacketRoutingGymEnv(network, invalid_action="noop", invalid_penalty=7.0)
    state, _ = single.reset(seed=0)
    while state["action_mask"].all():
        state, *_ = single.step(0)
    bad = int(np.flatnonzero(state["action_mask"] == 0)[0])
    again, reward, terminated, truncated, info = single.step(bad)
    assert (reward, terminated, truncated, info["invalid_action"]) == (-7.0, False, False, bad)
    assert all(np.array_equal(state[key], again[key]) for key in state)

    ender = PacketRoutingParallelEnv(network, invalid_action="terminate", invalid_penalty=7.0)
    obs, _ = ender.reset(seed=0)
    while ender.agents and obs[_actor(ender)]["action_mask"].all():
        obs, *_ = ender.step({_actor(ender): 0})
    actor = _actor(ender)
    _, rewards, terminations, _, infos = ender.step({actor: 2})
    assert set(rewards.values()) == {-7.0} and all(terminations.values())
    assert infos[actor]["invalid_action"] == 2 and ender.agents == []
    with pytest.raises(RuntimeError, match="reset"):
        ender.step({actor: 0})


def test_max_steps_truncates_with_a_partial_report(grid):
    """max_steps truncates the Gymnasium episode and reports the run so far."""
    env = PacketRoutingGymEnv(grid, max_steps=10)
    rewards, info = _play_gym(env, lambda obs: 0)
    assert len(rewards) == 10
    assert info["report"].window < grid.duration
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)


def test_spaces_follow_the_network():
    """Degree, node count and buffer size set the spaces; unlimited queues give open boxes."""
    network = random_geometric_network(12, seed=1, duration=20.0)
    env = PacketRoutingGymEnv(network)
    degree = max(len(network.neighbours(v)) for v in range(12))
    assert env.action_space.n == degree
    fields = env.observation_space
    assert (fields["node"], fields["destination"]) == (spaces.Discrete(12), spaces.Discrete(13))
    assert fields["neighbour_queue_lengths"].shape == (degree,)
    assert fields["queue_length"] == spaces.Box(0.0, np.inf, (1,), np.float32)
    bounded = PacketRoutingParallelEnv(_line(buffer_size=4))
    assert bounded.observation_space("router_1")["queue_length"] == spaces.Box(
        0.0, 4.0, (1,), np.float32
    )
    assert bounded.possible_agents == ["router_0", "router_1", "router_2", "router_3"]
    assert default_drop_penalty(network) == pytest.approx(11 * network.link_latencies().max())


def test_bad_arguments_are_refused(grid):
    """Bad modes, penalties, max_steps, render modes, idle traffic and reset options raise."""
    for kwargs, match in (
        ({"reward": "selfish"}, "reward"),
        ({"invalid_action": "ignore"}, "invalid_action"),
        ({"drop_penalty": -1.0}, "drop_penalty"),
        ({"invalid_penalty": math.inf}, "invalid_penalty"),
        ({"max_steps": 0}, "max_steps"),
        ({"render_mode": "human"}, "render_mode"),
    ):
        for cls in (PacketRoutingParallelEnv, PacketRoutingGymEnv):
            with pytest.raises(ValueError, match=match):
                cls(grid, **kwargs)
    with pytest.raises(ValueError, match="load"):
        PacketRoutingGymEnv(grid.with_traffic(load=0.0))
    with pytest.raises(ValueError, match="options"):
        PacketRoutingGymEnv(grid).reset(options={"index": 1})
    with pytest.raises(RuntimeError, match="reset"):
        PacketRoutingGymEnv(grid).step(0)
