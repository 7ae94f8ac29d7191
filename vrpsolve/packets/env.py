"""Packet routing as a multi-agent (PettingZoo) and a single-agent (Gymnasium) environment.

Both environments drive one :class:`~vrpsolve.packets.simulator.Simulation` of a
:class:`~vrpsolve.packets.model.PacketNetwork` through its step-wise interface
(:meth:`~vrpsolve.packets.simulator.Simulation.run_until_decision` and
:meth:`~vrpsolve.packets.simulator.Simulation.apply`): every time a free router has a packet at the
head of its queue, the simulation stops and waits for that router's choice of neighbour.

- :class:`PacketRoutingParallelEnv` (PettingZoo's ``ParallelEnv``): the routers are the agents,
  ``"router_0"`` to ``"router_{n-1}"``, and each one routes its own packets.
- :class:`PacketRoutingGymEnv` (Gymnasium): one policy routes every decision in turn, so its
  observation also names the deciding router.

One decision per step
---------------------
The simulator hands out one decision at a time and cannot show the next one before the current one
is applied, so every environment step carries out exactly **one** routing decision. Decisions the
simulator has at the same simulated time (common on Boyan and Littman's grid, where every
transmission lasts one time unit) come in consecutive steps with the same ``info["time"]`` and no
time passing between them, in the simulator's own order. The router that decides second sees the
queues after the first one's packet has left, as it would in
:meth:`~vrpsolve.packets.simulator.Simulation.run`. So an environment driven with a policy's
choices reproduces ``Simulation(network, seed=seed).run(policy)`` exactly, report included.

In the parallel environment every router is a live agent for the whole episode and gets an
observation, a reward, flags and an info at every step, but only the router whose decision is
pending (the *active* one) has anything to decide: its ``action_mask`` allows its neighbours. The
others get the same observation fields with ``destination == n`` ("no packet") and an all-zero
mask, and whatever action they are given is ignored (it may also be left out of the action dict).
PettingZoo's ``parallel_api_test`` samples each agent's action under its mask, and a Gymnasium
``Discrete`` space samples ``0`` under an all-zero mask, so idle routers' sampled actions are
harmless.

Rewards
-------
``reward="global"`` (Tao, Baxter and Weaver, "A multi-agent, policy-gradient approach to network
routing", ICML 2001): at each step every agent receives minus the delivery times (generation to
delivery) of the packets delivered since the previous step, and minus ``drop_penalty`` for each
packet dropped meanwhile; over an episode, each agent's return is minus the total delivery time of
the delivered packets minus ``drop_penalty`` times the drops. ``reward="local"``: the acting router
receives minus the time its packet waited in its queue plus the chosen link's transmission and
propagation time (Q-routing's ``q + s``, which for a delivered packet sums over its hops to its
delivery time), and a router whose packet is dropped on arrival (full queue, hop limit) receives
minus ``drop_penalty`` at the step in which that happens (a packet dropped at its source, before
any hop, is charged to the source). Rewards count every packet, warmup or not; the
:class:`~vrpsolve.packets.model.SimulationReport` counts only those generated after the
network's warmup.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray
from pettingzoo import ParallelEnv

from vrpsolve.envs.base import (
    DEFAULT_INVALID_ACTION,
    INVALID_ACTIONS,
    MaskedEnv,
    Observation,
    StepResult,
    check_invalid_action,
    check_render_mode,
    draw_seed,
)
from vrpsolve.packets.model import DropReason, PacketNetwork, SimulationReport
from vrpsolve.packets.simulator import Decision, Packet, Simulation

RewardMode = Literal["global", "local"]
"""Who is rewarded for what (see the module docstring)."""

InvalidAction = Literal["raise", "terminate", "noop"]
"""What a step does with an action the active router's mask forbids."""

INVALID_MODES = (*INVALID_ACTIONS, "noop")

AGENT_PREFIX = "router_"
"""Agent names are this prefix and the router's node index."""


def default_drop_penalty(network: PacketNetwork) -> float:
    """``(n - 1)`` times the slowest link's latency (transmission plus propagation).

    No path without repeated nodes takes longer than that on an empty network, so a drop costs at
    least as much as the slowest uncongested delivery.
    """
    return (network.num_nodes - 1) * float(network.link_latencies().max())


def _agent_name(node: int) -> str:
    return f"{AGENT_PREFIX}{node}"


class _Routing:
    """The simulation an environment drives: decisions, reward bookkeeping and observations.

    It is also the simulation's hooks object, to see deliveries and drops as they happen.
    """

    def __init__(
        self,
        network: PacketNetwork,
        reward: RewardMode,
        drop_penalty: float | None,
        invalid_action: InvalidAction,
        invalid_penalty: float | None,
        max_steps: int | None,
    ) -> None:
        if not isinstance(network, PacketNetwork):
            raise ValueError(f"network must be a PacketNetwork, got {type(network).__name__}")
        if network.traffic.load <= 0:
            raise ValueError("network.traffic.load must be positive: an episode needs packets")
        if reward not in ("global", "local"):
            raise ValueError(f"reward must be 'global' or 'local', got {reward!r}")
        check_invalid_action(invalid_action, INVALID_MODES)
        if max_steps is not None and (
            isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1
        ):
            raise ValueError(f"max_steps must be a positive integer or None, got {max_steps!r}")
        self.network = network
        self.reward: RewardMode = reward
        self.invalid_action: InvalidAction = invalid_action
        self.max_steps = max_steps
        self.drop_penalty = _penalty(
            default_drop_penalty(network) if drop_penalty is None else drop_penalty,
            "drop_penalty",
        )
        self.invalid_penalty = _penalty(
            self.drop_penalty if invalid_penalty is None else invalid_penalty, "invalid_penalty"
        )

        n = network.num_nodes
        neighbours = [network.neighbours(v) for v in range(n)]
        self.max_degree = max(len(heads) for heads in neighbours)
        table = np.full((n, self.max_degree), -1, dtype=np.int64)
        for v, heads in enumerate(neighbours):
            table[v, : len(heads)] = heads
        table.setflags(write=False)
        self.table: NDArray[np.int64] = table
        self._gather = np.where(table >= 0, table, n)  # padding reads a trailing zero
        self._masks = (table >= 0).astype(np.int8)
        self._no_mask = np.zeros(self.max_degree, dtype=np.int8)
        latency = network.link_latencies()
        self._latency: list[list[float]] = [
            latency[list(network.out_links(v))].tolist() for v in range(n)
        ]
        self._rows: list[list[int]] = table.tolist()
        high = math.inf if network.buffer_size is None else float(network.buffer_size)
        self.queue_high = high
        self.fields: dict[str, spaces.Space[Any]] = {
            "destination": spaces.Discrete(n + 1),
            "queue_length": spaces.Box(0.0, high, shape=(1,), dtype=np.float32),
            "neighbour_queue_lengths": spaces.Box(
                0.0, high, shape=(self.max_degree,), dtype=np.float32
            ),
            "action_mask": spaces.MultiBinary(self.max_degree),
        }

        self.sim: Simulation | None = None
        self.decision: Decision | None = None
        self.steps = 0
        self._delivered: list[float] = []
        self._drops = 0
        self._charged = [0] * n
        self._sender = -1

    # -- the simulation's hooks ------------------------------------------------------------------
    def on_arrival(
        self, node: int, packet: Packet, previous: int, elapsed: float, time: float
    ) -> None:
        """Remember who sent the arriving packet, in case it is dropped here."""
        self._sender = previous

    def on_delivered(self, packet: Packet, time: float) -> None:
        """Count the delivery time."""
        self._delivered.append(time - packet.created)

    def on_dropped(self, packet: Packet, node: int, reason: DropReason, time: float) -> None:
        """Count the drop against the router that sent it (its source, before any hop)."""
        self._drops += 1
        self._charged[node if packet.hops == 0 else self._sender] += 1

    # -- episodes --------------------------------------------------------------------------------
    def start(self, seed: int) -> None:
        """A new simulation with traffic seed ``seed``, run to its first decision."""
        self._delivered, self._drops = [], 0
        self._charged = [0] * self.network.num_nodes
        self.steps = 0
        self.sim = Simulation(self.network, seed=seed, hooks=self)
        self.decision = self.sim.run_until_decision()

    @property
    def over(self) -> bool:
        """Whether the run reached the network's duration."""
        return self.decision is None

    @property
    def truncated(self) -> bool:
        """Whether ``max_steps`` steps ended a run that has not reached its end."""
        return self.max_steps is not None and self.steps >= self.max_steps and not self.over

    def allowed(self, index: int) -> bool:
        """Whether the pending decision may take action ``index``."""
        assert self.decision is not None
        return bool(self._masks[self.decision.node, index])

    def refusal(self, index: int) -> str:
        """The message for a forbidden action ``index``."""
        assert self.decision is not None
        node = self.decision.node
        heads = self.network.neighbours(node)
        return (
            f"action {index} is not allowed at router {node}, which has {len(heads)} "
            f"neighbours {list(heads)}; allowed actions: {list(range(len(heads)))}"
        )

    def act(self, index: int) -> float:
        """Send the pending packet over action ``index`` and run to the next decision.

        Returns the packet's queueing time plus the link's latency (the local cost).
        """
        assert self.sim is not None and self.decision is not None
        node, time = self.decision.node, self.decision.time
        cost = (time - self.decision.packet.enqueued_at) + self._latency[node][index]
        self.sim.apply(self._rows[node][index])
        self.steps += 1
        self.decision = self.sim.run_until_decision()
        return cost

    def collect(self) -> tuple[float, list[int]]:
        """Summed delivery times and drops per charged router since the last call; both reset."""
        delivered = math.fsum(self._delivered)
        charged = self._charged
        self._delivered, self._drops = [], 0
        self._charged = [0] * self.network.num_nodes
        return delivered, charged

    def shared_reward(self, delivered: float, charged: list[int]) -> float:
        """Minus the delivery times and the drop penalties (``+ 0.0`` turns ``-0.0`` into 0)."""
        return -(delivered + self.drop_penalty * sum(charged)) + 0.0

    # -- observations ----------------------------------------------------------------------------
    @property
    def time(self) -> float:
        """The current simulated time."""
        return 0.0 if self.sim is None else self.sim.time

    def queues(self) -> NDArray[np.float32]:
        """Packets waiting at each router, with a trailing zero for padding."""
        assert self.sim is not None
        lengths = np.zeros(self.network.num_nodes + 1, dtype=np.float32)
        lengths[:-1] = self.sim.queue_lengths()
        return lengths

    def observation(self, node: int, queues: NDArray[np.float32], active: bool) -> Observation:
        """Router ``node``'s observation; ``active`` when it is the one deciding."""
        decision = self.decision
        destination = self.network.num_nodes
        mask = self._no_mask
        if active and decision is not None:
            destination = decision.packet.destination
            mask = self._masks[node]
        return {
            "destination": np.int64(destination),
            "queue_length": queues[node : node + 1].copy(),
            "neighbour_queue_lengths": queues[self._gather[node]],
            "action_mask": mask.copy(),
        }

    def report(self) -> SimulationReport:
        """The simulation's report so far."""
        assert self.sim is not None
        return self.sim.report()


def _penalty(value: object, what: str) -> float:
    number = float(value)  # type: ignore[arg-type]
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{what} must be finite and non-negative, got {value!r}")
    return number


def _seed(value: int | None, rng: np.random.Generator) -> int:
    """The traffic seed: ``value`` itself, or one drawn from ``rng``."""
    return draw_seed(rng) if value is None else int(value)


class _CoreView:
    """Read-only state both environments expose from their routing core."""

    _core: _Routing

    @property
    def network(self) -> PacketNetwork:
        """The packet network."""
        return self._core.network

    @property
    def neighbour_table(self) -> NDArray[np.int64]:
        """``[router, action]``: the neighbour an action sends to; -1 past a router's degree."""
        return self._core.table

    @property
    def drop_penalty(self) -> float:
        """What a dropped packet costs."""
        return self._core.drop_penalty

    @property
    def decision(self) -> Decision | None:
        """The pending :class:`~vrpsolve.packets.simulator.Decision` (read it, never apply it)."""
        return self._core.decision

    @property
    def simulation(self) -> Simulation:
        """The episode's simulation (for inspection; stepping it directly breaks the env)."""
        if self._core.sim is None:
            raise RuntimeError("no episode yet: call reset() first")
        return self._core.sim


# -- PettingZoo ----------------------------------------------------------------------------------
class PacketRoutingParallelEnv(_CoreView, ParallelEnv[str, Observation, np.int64]):
    """Multi-agent packet routing: each router picks the next hop of the packets it sends.

    ``n`` is the network's number of routers and ``D`` its largest out-degree; router ``v``'s
    action ``i`` sends its packet to ``network.neighbours(v)[i]`` (link order; also
    :attr:`neighbour_table`). One step carries out one decision (see the module docstring).

    Parameters
    ----------
    network
        The packet network: topology, traffic (its load must be positive), limits, duration.
    reward
        ``"global"`` (default) or ``"local"``; see the module docstring (it is the reward).
    drop_penalty
        What a dropped packet costs, finite and non-negative; by default
        :func:`default_drop_penalty`.
    invalid_action
        What the active router's forbidden action (an index past its degree) does.
        ``"terminate"`` (default): the episode ends for every agent (state unchanged, no
        report), with reward minus :attr:`invalid_penalty` (to every agent under the global
        reward, to the router under the local one) and ``infos[agent]["invalid_action"]``.
        ``"raise"``: ``ValueError`` naming the allowed ones. ``"noop"``: the action is ignored
        and the same decision is asked again (the same reward and info, nothing else happens). An
        action
        outside the action space always raises ``ValueError``.
    invalid_penalty
        The reward lost on a forbidden action in those modes; by default ``drop_penalty``.
    max_steps
        When given, the episode is truncated for every agent after this many steps.
    render_mode
        Only ``None``: the environment does not render.

    Observation
        Per router, a dict: ``destination`` (``Discrete(n + 1)``: the head packet's destination,
        ``n`` when the router has no decision to make; flattening gives a one-hot vector),
        ``queue_length`` (``(1,)``: packets in its queue, the one being decided included),
        ``neighbour_queue_lengths`` (``(D,)``: packets queued at each neighbour, zero-padded) and
        ``action_mask`` (``MultiBinary(D)``, ``int8``: its neighbours when it decides, all zero
        otherwise). The boxes are ``float32`` in ``[0, buffer_size]``, or ``[0, inf)`` for
        unlimited queues. :meth:`state` gives every router's queue length.
    Actions
        ``Discrete(D)`` per router; only the active router's action is used.
    Constraints
        A router sends only to its neighbours (the mask); queues hold at most ``buffer_size``
        packets and packets live at most ``ttl`` hops (else they are dropped).
    Finish
        Every agent terminates when the simulated time reaches ``network.duration`` (or, in
        ``"terminate"`` mode, after a forbidden action); all are truncated after ``max_steps``.
        Agents then leave :attr:`agents`; :meth:`step` raises ``RuntimeError`` until
        :meth:`reset`.
    Info
        Per router: ``"time"``, the simulated time of the decision now pending (the duration at
        the end); ``reset`` adds ``"seed"``, the traffic seed; the last step of an episode that
        ran to its end or was truncated adds ``"report"``, the
        :class:`~vrpsolve.packets.model.SimulationReport` (the same object for all).

    Notes
    -----
    ``reset(seed=s)`` runs the traffic of ``Simulation(network, seed=s)``; an unseeded reset
    draws the traffic seed from a generator seeded by the last seeded reset (or by fresh
    entropy), so the same seeds and actions give the same episode. ``reset`` takes no options;
    any given are ignored (PettingZoo's API test passes a dummy one).
    """

    metadata = {  # noqa: RUF012 (PettingZoo declares it per class)
        "name": "packet_routing_v0",
        "render_modes": [],
        "is_parallelizable": True,
    }

    def __init__(
        self,
        network: PacketNetwork,
        *,
        reward: RewardMode = "global",
        drop_penalty: float | None = None,
        invalid_action: InvalidAction = DEFAULT_INVALID_ACTION,
        invalid_penalty: float | None = None,
        max_steps: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        self.render_mode = check_render_mode(render_mode, self.metadata)
        self._core = _Routing(
            network, reward, drop_penalty, invalid_action, invalid_penalty, max_steps
        )
        n = network.num_nodes
        self.possible_agents: list[str] = [_agent_name(v) for v in range(n)]
        self.agents: list[str] = []
        self._index = {name: v for v, name in enumerate(self.possible_agents)}
        space = spaces.Dict(dict(self._core.fields))
        action = spaces.Discrete(self._core.max_degree)
        # One object per agent, returned every time (PettingZoo's API test checks identity).
        self.observation_spaces: dict[str, spaces.Dict] = dict.fromkeys(self.possible_agents, space)
        self.action_spaces: dict[str, spaces.Discrete] = dict.fromkeys(self.possible_agents, action)
        self.state_space = spaces.Box(0.0, self._core.queue_high, shape=(n,), dtype=np.float32)
        self._np_random: np.random.Generator | None = None

    # -- public state ----------------------------------------------------------------------------
    @property
    def invalid_action(self) -> InvalidAction:
        """What a forbidden action does (see the class parameters)."""
        return self._core.invalid_action

    @property
    def invalid_penalty(self) -> float:
        """The reward lost on a forbidden action in ``"terminate"`` and ``"noop"`` modes."""
        return self._core.invalid_penalty

    @property
    def active_agent(self) -> str | None:
        """The router whose decision is pending; ``None`` once the run is over."""
        decision = self._core.decision
        return None if decision is None else self.possible_agents[decision.node]

    def observation_space(self, agent: str) -> spaces.Dict:
        """The observation space of ``agent`` (one object shared by all routers)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Discrete:
        """The action space of ``agent`` (one object shared by all routers)."""
        return self.action_spaces[agent]

    def state(self) -> NDArray[np.float32]:
        """Packets waiting at every router (``float32``, in :attr:`state_space`)."""
        if self._core.sim is None:
            raise RuntimeError("no episode yet: call reset() first")
        return self._core.queues()[:-1]

    # -- PettingZoo API --------------------------------------------------------------------------
    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Observation], dict[str, dict[str, Any]]]:
        """Start an episode (``seed`` as in the class notes); ``options`` are ignored."""
        if seed is not None or self._np_random is None:
            self._np_random = np.random.default_rng(seed)
        traffic_seed = _seed(seed, self._np_random)
        core = self._core
        core.start(traffic_seed)
        self.agents = list(self.possible_agents)
        observations = self._observations()
        infos: dict[str, dict[str, Any]] = {
            name: {"time": core.time, "seed": traffic_seed} for name in self.agents
        }
        if core.over:
            report = core.report()
            for info in infos.values():
                info["report"] = report
            self.agents = []
        return observations, infos

    def step(
        self, actions: Mapping[str, int | np.integer]
    ) -> tuple[
        dict[str, Observation],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        """Carry out the active router's action; the other routers' actions are ignored."""
        core = self._core
        if not self.agents or core.decision is None:
            raise RuntimeError("the episode has ended: call reset() before step()")
        node = core.decision.node
        actor = self.possible_agents[node]
        if actor not in actions:
            raise ValueError(f"{actor} has a packet to route: actions needs an entry for it")
        action = actions[actor]
        space = self.action_spaces[actor]
        if not space.contains(action):
            raise ValueError(f"{actor}: action {action!r} is not in the action space {space}")
        index = int(action)
        names = self.agents
        infos: dict[str, dict[str, Any]] = {name: {"time": core.time} for name in names}
        if not core.allowed(index):
            if core.invalid_action == "raise":
                raise ValueError(f"{actor}: {core.refusal(index)}")
            core.steps += 1
            ended = core.invalid_action == "terminate"
            truncated = not ended and core.truncated
            penalty = -core.invalid_penalty + 0.0
            if core.reward == "global":
                rewards = dict.fromkeys(names, penalty)
            else:
                rewards = dict.fromkeys(names, 0.0)
                rewards[actor] = penalty
            infos[actor]["invalid_action"] = index
            if truncated:
                report = core.report()
                for info in infos.values():
                    info["report"] = report
            observations = self._observations()
            terminations = dict.fromkeys(names, ended)
            truncations = dict.fromkeys(names, truncated)
            if ended or truncated:
                self.agents = []
            return observations, rewards, terminations, truncations, infos

        cost = core.act(index)
        delivered, charged = core.collect()
        if core.reward == "global":
            rewards = dict.fromkeys(names, core.shared_reward(delivered, charged))
        else:
            penalty = core.drop_penalty
            rewards = {name: -penalty * charged[self._index[name]] + 0.0 for name in names}
            rewards[actor] -= cost
        ended, truncated = core.over, core.truncated
        infos = {name: {"time": core.time} for name in names}
        if ended or truncated:
            report = core.report()
            for info in infos.values():
                info["report"] = report
        observations = self._observations()
        terminations = dict.fromkeys(names, ended)
        truncations = dict.fromkeys(names, truncated)
        if ended or truncated:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def render(self) -> None:
        """Nothing to render: the environment has no render modes."""
        return None

    def close(self) -> None:
        """Nothing to release."""

    def _observations(self) -> dict[str, Observation]:
        """Fresh observations of every live agent (no array is shared with earlier ones)."""
        core = self._core
        queues = core.queues()
        active = -1 if core.decision is None else core.decision.node
        return {
            name: core.observation(self._index[name], queues, self._index[name] == active)
            for name in self.agents
        }


# -- Gymnasium -----------------------------------------------------------------------------------
class PacketRoutingGymEnv(_CoreView, MaskedEnv):
    """Single-agent packet routing: one policy picks the next hop at every decision in turn.

    ``n`` is the network's number of routers and ``D`` its largest out-degree. The observation
    is a router's observation in :class:`PacketRoutingParallelEnv` plus the router itself; the
    action ``i`` sends the packet to ``network.neighbours(node)[i]`` (also
    :attr:`neighbour_table`). One step carries out one decision (see the module docstring).

    Parameters
    ----------
    network
        The packet network: topology, traffic (its load must be positive), limits, duration.
    reward
        ``"global"`` (default): minus the delivery times of the packets delivered during the step
        and ``drop_penalty`` per packet dropped. ``"local"``: minus the decided packet's queueing
        time plus the chosen link's latency, and ``drop_penalty`` per packet dropped during the
        step (one policy makes every decision, so every drop is its own).
    drop_penalty
        What a dropped packet costs, finite and non-negative; by default
        :func:`default_drop_penalty`.
    invalid_action
        What a forbidden action (an index past the router's degree) does. ``"terminate"``
        (default): the episode ends (state unchanged, no report) with reward minus
        :attr:`invalid_penalty` and ``info["invalid_action"]``, so agents and checkers that
        sample the whole action space, such as Gymnasium's ``check_env``, run. ``"raise"``:
        ``ValueError`` naming the allowed ones. ``"noop"``: the action is ignored and the same
        decision is asked again, with the same reward and info. An action outside the action
        space always raises ``ValueError``.
    invalid_penalty
        The reward lost on a forbidden action in those modes; by default ``drop_penalty``.
    max_steps
        When given, the episode is truncated after this many steps.
    render_mode
        Only ``None``: the environment does not render.

    Observation
        A dict: ``node`` (``Discrete(n)``: the deciding router; 0 once the run is over),
        ``destination`` (``Discrete(n + 1)``: its head packet's destination; ``n`` once the run
        is over), ``queue_length`` (``(1,)``: packets in the router's queue, the one being
        decided included), ``neighbour_queue_lengths`` (``(D,)``: packets queued at each
        neighbour, zero-padded) and ``action_mask`` (``MultiBinary(D)``, ``int8``: the router's
        neighbours; all zero once the run is over). The boxes are ``float32`` in ``[0,
        buffer_size]``, or ``[0, inf)`` for unlimited queues: those have no finite bound
        (Gymnasium's checker warns about them).
    Actions
        ``Discrete(D)``; sample allowed ones with
        ``env.action_space.sample(mask=obs["action_mask"])``.
    Constraints
        A router sends only to its neighbours (the mask); queues hold at most ``buffer_size``
        packets and packets live at most ``ttl`` hops (else they are dropped).
    Reward
        See ``reward``.
    Finish
        ``terminated`` when the simulated time reaches ``network.duration`` (or, in
        ``"terminate"`` mode, after a forbidden action); ``truncated`` after ``max_steps``. A
        :meth:`step` after either raises ``RuntimeError``: call :meth:`reset`.
    Info
        ``"time"``: the simulated time of the decision now pending (the duration at the end);
        ``reset`` adds ``"seed"``, the traffic seed; the last step of an episode that ran to its
        end or was truncated adds ``"report"``, the
        :class:`~vrpsolve.packets.model.SimulationReport`.

    Notes
    -----
    ``reset(seed=s)`` runs the traffic of ``Simulation(network, seed=s)``; an unseeded reset
    draws the traffic seed from :attr:`np_random`, so the same seeds and actions give the same
    episode. ``reset`` takes no options.
    """

    reset_option_names = ()

    def __init__(
        self,
        network: PacketNetwork,
        *,
        reward: RewardMode = "global",
        drop_penalty: float | None = None,
        invalid_action: InvalidAction = DEFAULT_INVALID_ACTION,
        invalid_penalty: float | None = None,
        max_steps: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(
            invalid_action=invalid_action, render_mode=render_mode, invalid_modes=INVALID_MODES
        )
        self._core = _Routing(
            network, reward, drop_penalty, invalid_action, invalid_penalty, max_steps
        )
        self.invalid_penalty = self._core.invalid_penalty
        """The reward lost on a forbidden action in ``"terminate"`` and ``"noop"`` modes."""
        self.observation_space: spaces.Dict = spaces.Dict(
            {"node": spaces.Discrete(network.num_nodes), **self._core.fields}
        )
        self.action_space = spaces.Discrete(self._core.max_degree)

    def action_mask(self) -> NDArray[np.int8]:
        """``int8`` per action: the deciding router's neighbours (all zero once the run is over)."""
        if self._core.sim is None:
            raise RuntimeError("no episode yet: call reset() first")
        mask: NDArray[np.int8] = self._observation()["action_mask"]
        return mask

    # -- hooks of MaskedEnv ----------------------------------------------------------------------
    def _start(
        self, options: dict[str, Any], seed: int | None
    ) -> tuple[Observation, dict[str, Any]]:
        """An episode (``seed`` as in the class notes); there are no options."""
        traffic_seed = _seed(seed, self.np_random)
        core = self._core
        core.start(traffic_seed)
        info: dict[str, Any] = {"time": core.time, "seed": traffic_seed}
        if core.over:
            info["report"] = core.report()
            self._end()
        return self._observation(), info

    def _transition(self, action: int) -> StepResult:
        core = self._core
        cost = core.act(action)
        delivered, charged = core.collect()
        if core.reward == "global":
            reward = core.shared_reward(delivered, charged)
        else:
            reward = -(cost + core.drop_penalty * sum(charged)) + 0.0
        terminated, truncated = core.over, core.truncated
        info: dict[str, Any] = {"time": core.time}
        if terminated or truncated:
            info["report"] = core.report()
        return self._observation(), reward, terminated, truncated, info

    def _refusal(self, action: int) -> str:
        return self._core.refusal(action)

    def _forbidden(self, action: int) -> StepResult:
        """``"noop"`` asks the same decision again (and counts the step); else as the base."""
        core = self._core
        if self.invalid_action != "noop":
            if self.invalid_action == "terminate":
                core.steps += 1
            return super()._forbidden(action)
        core.steps += 1
        truncated = core.truncated
        info: dict[str, Any] = {"time": core.time, "invalid_action": action}
        if truncated:
            info["report"] = core.report()
            self._end()
        return self._observation(), -self.invalid_penalty + 0.0, False, truncated, info

    def _forbidden_info(self) -> dict[str, Any]:
        return {"time": self._core.time}

    def _observation(self) -> Observation:
        """A fresh observation of the pending decision (no array is shared with earlier ones)."""
        core = self._core
        decision = core.decision
        node = 0 if decision is None else decision.node
        return {"node": np.int64(node)} | core.observation(node, core.queues(), True)
