"""Learned routing policies that learn online while they route: Q-routing and OLPOMDP.

Both are tabular and distributed, one agent per router, and both are their own
:class:`~vrpsolve.packets.simulator.SimulationHooks`: simulating a network under one of them
(:func:`~vrpsolve.packets.simulator.evaluate_policy`, :meth:`Simulation.run
<vrpsolve.packets.simulator.Simulation.run>` or :func:`train_online`) trains it, as in the
papers, until :meth:`~QRoutingPolicy.freeze` turns learning off for evaluation.

- :class:`QRoutingPolicy` (Boyan and Littman, 1994). Router ``x`` keeps ``Q_x(d, y)``, its
  estimate of the time a packet for ``d`` sent through neighbour ``y`` needs to be delivered,
  counting the time it still waits in ``x``'s queue. It sends to the neighbour of least
  estimate. When the packet reaches ``y``, ``y`` answers ``t = min_z Q_y(d, z)`` (0 when
  ``y == d``) and ``x`` moves ``Q_x(d, y)`` towards ``q + s + t`` at rate ``learning_rate``,
  where ``q + s`` is the time from the packet joining ``x``'s queue to its arrival at ``y``.
- :class:`OlpomdpPolicy` (Tao, Baxter and Weaver, 2001). Router ``x`` draws the next hop from a
  softmax over its neighbours with parameters ``theta_x[d, y]`` (the observation is the
  destination) and keeps an eligibility trace ``z_x``, decayed by ``beta`` and increased by
  ``grad log pi(y | d)`` at each of its own decisions. Every delivery or drop gives a reward
  that all routers share and that moves every router's parameters by ``step_size * r * z_x``;
  optional shaping penalises, locally, the decision that made a packet revisit a router.

Tables
------
Both keep one number per (link, destination). Inside, each router's outgoing links are
contiguous and sorted by neighbour, so a router's table is a view of shape ``(degree,
num_nodes)`` and ties between neighbours go to the lowest-numbered one. The public tables
(:meth:`QRoutingPolicy.q_table`, :meth:`OlpomdpPolicy.theta_table`) and the saved files use the
network's link order: row ``k`` belongs to ``network.links[k]``, column ``d`` to destination
``d``.

Files
-----
:meth:`~QRoutingPolicy.save` writes one ``.npz`` holding the tables in link order and a JSON
string ``meta``: format tag, policy kind, the network's name, size and links (checked on
loading), the parameters, whether it was learning, its counters (and OLPOMDP's traces and
baseline) and its random generator's state, so a loaded policy routes and keeps learning exactly
as the saved one would have. :func:`load_policy` reads either kind.

Training runs
-------------
:func:`train_online` is one training simulation; :func:`train_segment` continues a policy's
training by one more, up to a total simulated time, and reports its learning curve
(:data:`CURVE_COLUMNS`) as it goes; :class:`TrainingProgress`, saved in a policy file's ``info``,
says how far it has come (``vrpsolve train q-routing|olpomdp`` resumes from it).
"""

from __future__ import annotations

import json
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

import numpy as np

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import atomic_writer
from vrpsolve.packets.model import DropReason, FloatArray, PacketNetwork
from vrpsolve.packets.policies import shortest_distances
from vrpsolve.packets.simulator import NodeView, Packet, Simulation

POLICY_FORMAT = "vrpsolve-packet-policy"
"""The ``format`` field of a saved policy's metadata."""

POLICY_VERSION = 1
"""Version of the saved-policy layout."""

QInitial = Literal["latency", "zero"] | float
"""How :class:`QRoutingPolicy` starts its table: the empty-network latencies, zeros or a value."""

ThetaInitial = Literal["uniform", "shortest"]
"""How :class:`OlpomdpPolicy` starts: uniform choices, or a soft preference for short paths."""

_UNREACHABLE = 1e9
"""Stand-in, in hops, for an infinite distance in OLPOMDP's initial logits."""


def mean_empty_delivery_time(network: PacketNetwork) -> float:
    """Mean delivery time of the traffic on an empty network along least-latency paths.

    The OD-weighted mean of the shortest transmission-plus-propagation times; the unit in
    which :class:`OlpomdpPolicy` measures its rewards. Unreachable pairs are left out.
    """
    distances = shortest_distances(network, "delay")
    weights = network.od_probabilities()
    finite = np.isfinite(distances) & (weights > 0)
    if not finite.any():
        raise ValueError(f"network {network.name!r}: no demanded pair is connected")
    return float((weights[finite] * distances[finite]).sum() / weights[finite].sum())


class _TabularPolicy(ABC):
    """Shared machinery: the per-router layout of the tables, freezing, saving and loading."""

    kind: ClassVar[str]
    _arrays: ClassVar[tuple[str, ...]]

    def __init__(self, network: PacketNetwork, seed: int) -> None:
        self.network = network
        self.seed = int(seed)
        links = network.links
        order = sorted(range(len(links)), key=lambda k: (links[k].source, links[k].target))
        self._slot_links = np.array(order, dtype=np.int64)
        offsets = [0] * (network.num_nodes + 1)
        for k in order:
            offsets[links[k].source + 1] += 1
        for v in range(network.num_nodes):
            offsets[v + 1] += offsets[v]
        self._offsets = offsets
        self._neighbours: tuple[tuple[int, ...], ...] = tuple(
            tuple(links[k].target for k in order[offsets[v] : offsets[v + 1]])
            for v in range(network.num_nodes)
        )
        self._position: list[dict[int, int]] = [
            {y: i for i, y in enumerate(ys)} for ys in self._neighbours
        ]
        latency = network.link_latencies()[self._slot_links]
        self._latency: list[FloatArray] = self._split(latency[:, None])
        self._rng = np.random.default_rng(self.seed)
        self.learning = True
        """Whether the hooks update the tables; :meth:`freeze` sets it to ``False``."""

    # -- layout ----------------------------------------------------------------------------------
    def _split(self, table: FloatArray) -> list[FloatArray]:
        """Views of a slot-ordered table, one ``(degree, ...)`` block per router."""
        offsets = self._offsets
        return [table[offsets[v] : offsets[v + 1]] for v in range(self.network.num_nodes)]

    def _to_link_order(self, table: FloatArray) -> FloatArray:
        out = np.empty_like(table)
        out[self._slot_links] = table
        return out

    def _from_link_order(self, table: FloatArray) -> FloatArray:
        return np.ascontiguousarray(table[self._slot_links], dtype=np.float64)

    def neighbours(self, node: int) -> tuple[int, ...]:
        """The neighbours of ``node`` in the order of its table rows (ascending)."""
        return self._neighbours[node]

    # -- learning on and off ---------------------------------------------------------------------
    def freeze(self) -> Self:
        """Stop learning (evaluation mode): the tables no longer change. Returns the policy."""
        self.learning = False
        return self

    def unfreeze(self) -> Self:
        """Resume learning. Returns the policy."""
        self.learning = True
        return self

    # -- files -----------------------------------------------------------------------------------
    @abstractmethod
    def parameters(self) -> dict[str, Any]:
        """The constructor's arguments (besides the network), as saved in the metadata."""

    @abstractmethod
    def _tables(self) -> dict[str, FloatArray]:
        """Slot-ordered arrays to save, by name."""

    @abstractmethod
    def _set_tables(self, tables: dict[str, FloatArray]) -> None:
        """Restore the arrays :meth:`_tables` saved."""

    def _state(self) -> dict[str, Any]:
        """Scalars a continued training needs besides the tables (counters, baselines)."""
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`_state` gave (a policy without extra state accepts none)."""
        if state:
            raise ValueError(f"unexpected saved state {sorted(state)}")

    def save(self, path: str | Path, **info: Any) -> Path:
        """Write the policy to ``path`` (an ``.npz``; written atomically).

        Parameters
        ----------
        path
            Destination file; ``.npz`` is the conventional suffix but not added.
        **info
            Extra JSON-serialisable facts to keep in the metadata (e.g. training settings).

        Returns
        -------
        Path
            The file written.
        """
        network = self.network
        meta = {
            "format": POLICY_FORMAT,
            "version": POLICY_VERSION,
            "kind": self.kind,
            "network": {
                "name": network.name,
                "num_nodes": network.num_nodes,
                "links": [[link.source, link.target] for link in network.links],
            },
            "parameters": self.parameters(),
            "learning": self.learning,
            "rng_state": self._rng.bit_generator.state,
            "state": self._state(),
            "info": info,
        }
        arrays: dict[str, Any] = {
            name: self._to_link_order(table) for name, table in self._tables().items()
        }
        arrays["meta"] = np.array(json.dumps(meta))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_writer(path) as handle:
            np.savez_compressed(handle, **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path, network: PacketNetwork) -> Self:
        """Read a policy written by :meth:`save`, for ``network``.

        Raises
        ------
        InputError
            When the file is missing or not a saved policy of this kind, or was trained on a
            network with other nodes or links.
        """
        meta, arrays = read_policy_file(path)
        if meta["kind"] != cls.kind:
            raise InputError(f"a {meta['kind']!r} policy, not {cls.kind!r}", path)
        saved = meta["network"]
        links = [[link.source, link.target] for link in network.links]
        if saved["num_nodes"] != network.num_nodes or saved["links"] != links:
            raise InputError(
                f"trained on network {saved['name']!r} ({saved['num_nodes']} nodes, "
                f"{len(saved['links'])} links), which differs from {network.name!r} "
                f"({network.num_nodes} nodes, {network.num_links} links)",
                path,
            )
        try:
            policy = cls(network, **meta["parameters"])
        except TypeError as exc:
            raise InputError(f"bad parameters: {exc}", path) from None
        missing = [name for name in cls._arrays if name not in arrays]
        if missing:
            raise InputError(f"missing array(s) {', '.join(missing)}", path)
        expected = (network.num_links, network.num_nodes)
        for name in cls._arrays:
            if arrays[name].shape != expected:
                raise InputError(
                    f"array {name!r} has shape {arrays[name].shape}, not {expected}", path
                )
        policy._set_tables({name: policy._from_link_order(arrays[name]) for name in cls._arrays})
        policy.learning = bool(meta.get("learning", True))
        if "rng_state" in meta:
            policy._rng.bit_generator.state = meta["rng_state"]
        policy._set_state(meta.get("state") or {})
        return policy


def read_policy_file(path: str | Path) -> tuple[dict[str, Any], dict[str, FloatArray]]:
    """The metadata and arrays of a saved policy file; ``InputError`` if it is none."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: np.asarray(data[name]) for name in data.files}
    except (OSError, ValueError) as exc:
        raise InputError(f"not a saved policy ({exc})", path) from None
    if "meta" not in arrays:
        raise InputError("not a saved policy (no 'meta')", path)
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except json.JSONDecodeError as exc:
        raise InputError(f"bad metadata ({exc})", path) from None
    if not isinstance(meta, dict) or meta.get("format") != POLICY_FORMAT:
        raise InputError(f"not a {POLICY_FORMAT!r} file", path)
    if meta.get("version") != POLICY_VERSION:
        raise InputError(f"unsupported version {meta.get('version')!r}", path)
    return meta, {name: a.astype(np.float64) for name, a in arrays.items()}


def load_policy(path: str | Path, network: PacketNetwork) -> QRoutingPolicy | OlpomdpPolicy:
    """Read a policy of either kind written by ``save``, for ``network``.

    Raises
    ------
    InputError
        As :meth:`QRoutingPolicy.load`, or for an unknown kind.
    """
    meta, _ = read_policy_file(path)
    kinds: dict[str, type[QRoutingPolicy] | type[OlpomdpPolicy]] = {
        QRoutingPolicy.kind: QRoutingPolicy,
        OlpomdpPolicy.kind: OlpomdpPolicy,
    }
    if meta.get("kind") not in kinds:
        raise InputError(f"unknown policy kind {meta.get('kind')!r}", path)
    return kinds[meta["kind"]].load(path, network)


def _check_rate(value: float, what: str, low_open: bool = True) -> float:
    number = float(value)
    ok = (0 < number <= 1) if low_open else (0 <= number <= 1)
    if not ok:
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise ValueError(f"{what} must lie in {interval}, got {value!r}")
    return number


# -- Q-routing -----------------------------------------------------------------------------------
class QRoutingPolicy(_TabularPolicy):
    """Boyan and Littman's Q-routing: each router learns delivery-time estimates per neighbour.

    Router ``x`` sends a packet for ``d`` to the neighbour ``y`` of least ``Q_x(d, y)``
    (ties: lowest-numbered ``y``); while learning, with probability ``exploration`` to a
    uniformly random neighbour instead. :meth:`on_arrival` performs the paper's update when the
    packet reaches ``y``::

        Q_x(d, y) += learning_rate * (elapsed + t - Q_x(d, y)),  t = 0 if y == d
                                                                 else min_z Q_y(d, z)

    where ``elapsed`` is what the simulator passes: the time from the packet joining ``x``'s
    queue to its arrival at ``y``, i.e. queueing plus transmission plus the link's propagation
    delay (the paper's ``q + s``, whose links have no propagation delay). So the estimates are
    whole delivery times, propagation included. The paper has ``y`` answer when the packet is
    sent; here ``y`` answers with its estimate at the packet's arrival, which is the same when
    propagation is zero. Drops teach nothing (a packet dropped at a full queue or by its hop
    limit still gives the update for the hop that brought it).

    Parameters
    ----------
    network
        The packet network the routers belong to.
    learning_rate
        ``eta`` in ``(0, 1]``; the paper uses 0.5.
    initial
        ``"latency"``: ``Q_x(d, y)`` starts at the empty-network time through ``y`` (link
        latency plus ``y``'s least-latency distance to ``d``; ``inf`` where ``y`` cannot reach
        ``d``), so the policy starts as delay shortest paths. ``"zero"`` or a number: every
        entry starts there.
    exploration
        Probability in ``[0, 1]`` of a uniformly random next hop while learning (never once
        frozen).
    seed
        Seed of the policy's own generator (exploration draws only).

    Notes
    -----
    Learning under load has a long transient. On the 6x6 grid at load 2.5, starting from the
    latency table, queues form at the bridges, the untried alternatives still look fast, and
    packets wander and loop until the estimates catch up: windowed mean delivery times climb
    to several hundred before settling near 7 after some 4,000 to 9,000 time units (traffic
    seeds 0 to 5), after which it beats static shortest paths by far. At load 3.0 it had not
    settled after 30,000 time units. ``learning_rate=1.0`` settles faster at 2.5.
    """

    kind = "q-routing"
    _arrays = ("q",)

    def __init__(
        self,
        network: PacketNetwork,
        learning_rate: float = 0.5,
        initial: QInitial = "latency",
        exploration: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__(network, seed)
        self.learning_rate = _check_rate(learning_rate, "learning_rate")
        self.exploration = _check_rate(exploration, "exploration", low_open=False)
        if isinstance(initial, str):
            if initial not in ("latency", "zero"):
                raise ValueError(f"initial must be 'latency', 'zero' or a number, got {initial!r}")
        elif not math.isfinite(float(initial)):
            raise ValueError(f"initial must be finite, got {initial!r}")
        self.initial: QInitial = initial
        n = network.num_nodes
        if initial == "latency":
            distances = shortest_distances(network, "delay")
            heads = np.array([network.links[k].target for k in self._slot_links], dtype=np.int64)
            latency = network.link_latencies()[self._slot_links]
            table = latency[:, None] + distances[heads]
        else:
            table = np.full((network.num_links, n), 0.0 if initial == "zero" else float(initial))
        self._set_tables({"q": table})
        self.updates = 0
        """Number of updates made so far (one per hop while learning)."""

    def _set_tables(self, tables: dict[str, FloatArray]) -> None:
        self._q = np.array(tables["q"], dtype=np.float64)
        self._node_q = self._split(self._q)

    def _tables(self) -> dict[str, FloatArray]:
        return {"q": self._q}

    def _state(self) -> dict[str, Any]:
        return {"updates": self.updates}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.updates = int(state.get("updates", 0))

    def parameters(self) -> dict[str, Any]:
        """The constructor's arguments (besides the network), as saved in the metadata."""
        return {
            "learning_rate": self.learning_rate,
            "initial": self.initial,
            "exploration": self.exploration,
            "seed": self.seed,
        }

    # -- tables ----------------------------------------------------------------------------------
    def q_table(self) -> FloatArray:
        """A copy of the estimates, ``[link, destination]`` in the network's link order."""
        return self._to_link_order(self._q)

    def estimates(self, node: int, destination: int) -> FloatArray:
        """``Q_node(destination, y)`` for each ``y`` in :meth:`neighbours` order (a copy)."""
        return self._node_q[node][:, destination].copy()

    def delivery_estimates(self) -> FloatArray:
        """``[x, d] = min_y Q_x(d, y)``, each router's estimated delivery time (0 on the
        diagonal)."""
        best = np.stack([block.min(axis=0) for block in self._node_q])
        np.fill_diagonal(best, 0.0)
        return best

    # -- routing and learning --------------------------------------------------------------------
    def next_hop(self, node: int, destination: int, packet: Packet, view: NodeView) -> int:
        """The neighbour of least estimate (or, while learning, a random one with probability
        ``exploration``)."""
        neighbours = self._neighbours[node]
        if self.learning and self.exploration > 0 and self._rng.random() < self.exploration:
            return neighbours[int(self._rng.integers(len(neighbours)))]
        return neighbours[int(self._node_q[node][:, destination].argmin())]

    def on_arrival(
        self, node: int, packet: Packet, previous: int, elapsed: float, time: float
    ) -> None:
        """The update of ``Q_previous(d, node)`` towards ``elapsed + min_z Q_node(d, z)``."""
        if not self.learning:
            return
        destination = packet.destination
        remaining = 0.0 if node == destination else float(self._node_q[node][:, destination].min())
        block = self._node_q[previous]
        i = self._position[previous][node]
        old = float(block[i, destination])
        target = elapsed + remaining
        if math.isfinite(old) and math.isfinite(target):
            block[i, destination] = old + self.learning_rate * (target - old)
        else:
            block[i, destination] = target
        self.updates += 1


# -- OLPOMDP -------------------------------------------------------------------------------------
class OlpomdpPolicy(_TabularPolicy):
    """Tao, Baxter and Weaver's OLPOMDP: one softmax policy-gradient agent per router.

    Router ``x`` sends a packet for ``d`` to neighbour ``y`` with probability
    ``softmax(theta_x[d, :] / temperature)[y]`` (``greedy``: the most probable one). While
    learning, each of its decisions first decays its own trace, ``z_x *= beta``, then adds
    ``grad log pi(y | d) = (e_y - pi) / temperature`` to row ``d``; a global reward ``r``
    moves every router, ``theta_x += step_size * r * z_x``.

    Rewards (the reward clock is event-driven):

    - **global**, shared by all routers as in the paper: at a delivery, ``-(delivery time) /
      time_scale``; at a drop (full queue or hop limit), ``-drop_penalty``. Each is centred by
      a running mean of these rewards, ``b += baseline_rate * (r - b)``, and ``r - b`` is
      applied (a variance-reducing baseline, not in the paper; ``baseline_rate=0`` gives the
      paper's raw rewards, which let the always-negative rewards push down every router's
      latest choices and in our runs made the policy worse);
    - **shaping** (``shaping=True``), local and immediate: when a packet arrives at a router
      it has already visited, the router that sent it there gets ``-loop_penalty`` for that
      one decision, ``theta_x[d] -= step_size * loop_penalty * grad log pi(y | d)`` (the
      gradient at the current parameters). Broadcasting this penalty as a global reward, too,
      was tried and made loops more frequent: its noise on every router's trace outweighed the
      signal. The visited set is kept in :attr:`Packet.data
      <vrpsolve.packets.simulator.Packet.data>` as an integer bit mask.

    Rewards are in units of ``time_scale``, by default :func:`mean_empty_delivery_time`, so
    that ``step_size`` and the penalties do not depend on the network's time unit. The traces
    are dense, one ``(degree, num_nodes)`` block per router (small), decayed in place at the
    router's decisions; a global reward updates all of them with one vectorised operation.

    Parameters
    ----------
    network
        The packet network the routers belong to.
    step_size
        ``gamma``, the learning rate of the parameters (positive).
    beta
        Trace discount in ``[0, 1)``, applied at each decision of the router.
    temperature
        Softmax temperature (positive).
    shaping
        Whether to penalise revisits (see above).
    loop_penalty
        Shaping penalty per revisit, in units of ``time_scale`` (non-negative).
    drop_penalty
        Reward ``-drop_penalty`` per dropped packet, in units of ``time_scale``; keep it above
        the delivery times the policy should prefer to a drop.
    baseline_rate
        Rate in ``[0, 1]`` of the running mean subtracted from the global rewards; 0 for none.
    initial
        ``"uniform"``: all parameters zero (a random walk). ``"shortest"``: ``theta_x[d, y]``
        starts at minus the empty-network time to ``d`` through ``y``, in units of the mean
        link latency, so the policy starts as a soft delay shortest path.
    greedy
        Route by the most probable neighbour instead of sampling (for evaluation; while not
        frozen, the trace still takes the gradient of the softmax policy at the chosen hop).
    time_scale
        The reward unit; ``None`` for :func:`mean_empty_delivery_time`.
    seed
        Seed of the policy's own generator (its draws of next hops).
    """

    kind = "olpomdp"
    _arrays = ("theta", "trace")

    def __init__(
        self,
        network: PacketNetwork,
        step_size: float = 0.03,
        beta: float = 0.8,
        temperature: float = 1.0,
        shaping: bool = True,
        loop_penalty: float = 10.0,
        drop_penalty: float = 20.0,
        baseline_rate: float = 0.01,
        initial: ThetaInitial = "uniform",
        greedy: bool = False,
        time_scale: float | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(network, seed)
        for value, what in [(step_size, "step_size"), (temperature, "temperature")]:
            if not (math.isfinite(float(value)) and float(value) > 0):
                raise ValueError(f"{what} must be positive and finite, got {value!r}")
        if not 0 <= float(beta) < 1:
            raise ValueError(f"beta must lie in [0, 1), got {beta!r}")
        for value, what in [(loop_penalty, "loop_penalty"), (drop_penalty, "drop_penalty")]:
            if not (math.isfinite(float(value)) and float(value) >= 0):
                raise ValueError(f"{what} must be finite and non-negative, got {value!r}")
        if initial not in ("uniform", "shortest"):
            raise ValueError(f"initial must be 'uniform' or 'shortest', got {initial!r}")
        self.step_size = float(step_size)
        self.beta = float(beta)
        self.temperature = float(temperature)
        self.shaping = bool(shaping)
        self.loop_penalty = float(loop_penalty)
        self.drop_penalty = float(drop_penalty)
        self.baseline_rate = _check_rate(baseline_rate, "baseline_rate", low_open=False)
        self.initial: ThetaInitial = initial
        self.greedy = bool(greedy)
        """Whether :meth:`next_hop` takes the most probable neighbour instead of sampling."""
        if time_scale is None:
            time_scale = mean_empty_delivery_time(network)
        if not (math.isfinite(float(time_scale)) and float(time_scale) > 0):
            raise ValueError(f"time_scale must be positive and finite, got {time_scale!r}")
        self.time_scale = float(time_scale)
        theta = np.zeros((network.num_links, network.num_nodes))
        if initial == "shortest":
            latency = network.link_latencies()
            hop = float(latency.mean()) if latency.mean() > 0 else 1.0
            distances = np.minimum(shortest_distances(network, "delay") / hop, _UNREACHABLE)
            heads = np.array([network.links[k].target for k in self._slot_links], dtype=np.int64)
            theta = -(latency[self._slot_links][:, None] / hop + distances[heads])
        self._set_tables({"theta": theta, "trace": np.zeros_like(theta)})
        self.baseline: float | None = None
        """The running mean of the global rewards (``None`` before the first one)."""
        self.decisions = 0
        """Decisions that updated a trace so far."""
        self.rewards = 0
        """Global rewards (deliveries and drops) applied so far."""
        self.loops = 0
        """Revisits penalised so far (with shaping)."""

    def _set_tables(self, tables: dict[str, FloatArray]) -> None:
        self._theta = np.array(tables["theta"], dtype=np.float64)
        self._trace = np.array(tables["trace"], dtype=np.float64)
        self._node_theta = self._split(self._theta)
        self._node_trace = self._split(self._trace)

    def _tables(self) -> dict[str, FloatArray]:
        return {"theta": self._theta, "trace": self._trace}

    def _state(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "decisions": self.decisions,
            "rewards": self.rewards,
            "loops": self.loops,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        baseline = state.get("baseline")
        self.baseline = None if baseline is None else float(baseline)
        self.decisions = int(state.get("decisions", 0))
        self.rewards = int(state.get("rewards", 0))
        self.loops = int(state.get("loops", 0))

    def parameters(self) -> dict[str, Any]:
        """The constructor's arguments (besides the network), as saved in the metadata."""
        return {
            "step_size": self.step_size,
            "beta": self.beta,
            "temperature": self.temperature,
            "shaping": self.shaping,
            "loop_penalty": self.loop_penalty,
            "drop_penalty": self.drop_penalty,
            "baseline_rate": self.baseline_rate,
            "initial": self.initial,
            "greedy": self.greedy,
            "time_scale": self.time_scale,
            "seed": self.seed,
        }

    # -- tables ----------------------------------------------------------------------------------
    def theta_table(self) -> FloatArray:
        """A copy of the parameters, ``[link, destination]`` in the network's link order."""
        return self._to_link_order(self._theta)

    def probabilities(self, node: int, destination: int) -> FloatArray:
        """The next-hop distribution at ``node`` for ``destination``, in :meth:`neighbours`
        order."""
        logits = self._node_theta[node][:, destination] / self.temperature
        weights = np.exp(logits - logits.max())
        return weights / weights.sum()

    # -- routing and learning --------------------------------------------------------------------
    def next_hop(self, node: int, destination: int, packet: Packet, view: NodeView) -> int:
        """A neighbour drawn from the softmax (or its mode when ``greedy``); while learning, the
        router's trace takes the decision's log-probability gradient."""
        probabilities = self.probabilities(node, destination)
        if self.greedy:
            i = int(probabilities.argmax())
        else:
            i = int(np.searchsorted(probabilities.cumsum(), self._rng.random(), side="right"))
            i = min(i, len(probabilities) - 1)
        if self.learning:
            trace = self._node_trace[node]
            trace *= self.beta
            column = trace[:, destination]
            column -= probabilities / self.temperature
            column[i] += 1.0 / self.temperature
            self.decisions += 1
        return self._neighbours[node][i]

    def _global_reward(self, value: float) -> None:
        """Centre ``value`` by the running baseline and move every router along its trace."""
        if not self.learning:
            return
        if self.baseline_rate > 0:
            if self.baseline is None:
                self.baseline = value
            else:
                self.baseline += self.baseline_rate * (value - self.baseline)
            value -= self.baseline
        if value != 0:
            self._theta += (self.step_size * value) * self._trace
        self.rewards += 1

    def on_arrival(
        self, node: int, packet: Packet, previous: int, elapsed: float, time: float
    ) -> None:
        """With shaping: when ``packet`` revisits ``node``, penalise ``previous``'s decision."""
        if not (self.learning and self.shaping):
            return
        seen = packet.data if isinstance(packet.data, int) else 1 << packet.source
        if seen >> node & 1:
            self.loops += 1
            destination = packet.destination
            gradient = -self.probabilities(previous, destination)
            gradient[self._position[previous][node]] += 1.0
            scale = self.step_size * self.loop_penalty / self.temperature
            self._node_theta[previous][:, destination] -= scale * gradient
        packet.data = seen | 1 << node

    def on_delivered(self, packet: Packet, time: float) -> None:
        """The global delivery reward, ``-(time - packet.created) / time_scale``."""
        self._global_reward(-(time - packet.created) / self.time_scale)

    def on_dropped(self, packet: Packet, node: int, reason: DropReason, time: float) -> None:
        """The global drop reward, ``-drop_penalty``."""
        self._global_reward(-self.drop_penalty)


# -- training ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingWindow:
    """What happened in one window ``[start, end)`` of an online training run."""

    end: float
    """Simulated time at the end of the window."""
    mean_delivery_time: float
    """Mean delivery time of the packets delivered in the window (``nan`` if none was)."""
    delivered: int
    dropped: int


class _WindowRecorder:
    """Hooks that pass every event on to the policy and tally deliveries and drops per window,
    handing each window to ``on_window`` as soon as an event after it (or the end) closes it."""

    def __init__(
        self,
        policy: object,
        window: float,
        duration: float,
        on_window: Callable[[TrainingWindow], None] | None,
    ) -> None:
        def bound(name: str) -> Callable[..., None] | None:
            method = getattr(policy, name, None)
            return method if callable(method) else None

        self._forward = bound("on_forward")
        self._arrival = bound("on_arrival")
        self._delivered = bound("on_delivered")
        self._dropped = bound("on_dropped")
        self._window, self._duration, self._on_window = window, duration, on_window
        self._count = math.ceil(duration / window - 1e-9)
        self._open = 0
        self._sum, self._delivered_here, self._dropped_here = 0.0, 0, 0
        self.windows: list[TrainingWindow] = []

    def _advance(self, time: float) -> None:
        """Close the windows before the one holding ``time``."""
        index = min(int(time // self._window), self._count - 1)
        while self._open < index:
            self.close_window()

    def close_window(self) -> None:
        """Close the open window: record it, hand it on, open the next."""
        hits = self._delivered_here
        closed = TrainingWindow(
            end=min((self._open + 1) * self._window, self._duration),
            mean_delivery_time=self._sum / hits if hits else math.nan,
            delivered=hits,
            dropped=self._dropped_here,
        )
        self.windows.append(closed)
        if self._on_window is not None:
            self._on_window(closed)
        self._open += 1
        self._sum, self._delivered_here, self._dropped_here = 0.0, 0, 0

    def finish(self) -> None:
        """Close the windows still open at the end of the run."""
        while self._open < self._count:
            self.close_window()

    def on_forward(self, node: int, packet: Packet, neighbour: int, time: float) -> None:
        if self._forward is not None:
            self._forward(node, packet, neighbour, time)

    def on_arrival(
        self, node: int, packet: Packet, previous: int, elapsed: float, time: float
    ) -> None:
        if self._arrival is not None:
            self._arrival(node, packet, previous, elapsed, time)

    def on_delivered(self, packet: Packet, time: float) -> None:
        self._advance(time)
        self._sum += time - packet.created
        self._delivered_here += 1
        if self._delivered is not None:
            self._delivered(packet, time)

    def on_dropped(self, packet: Packet, node: int, reason: DropReason, time: float) -> None:
        self._advance(time)
        self._dropped_here += 1
        if self._dropped is not None:
            self._dropped(packet, node, reason, time)


def train_online(
    network: PacketNetwork,
    policy: Any,
    duration: float | None = None,
    seed: int = 0,
    window: float | None = None,
    on_window: Callable[[TrainingWindow], None] | None = None,
) -> list[tuple[float, float]]:
    """Route ``network``'s traffic with ``policy``, which learns as it routes; its learning curve.

    One :class:`~vrpsolve.packets.simulator.Simulation` of ``duration`` (no warmup) with the
    traffic drawn from ``seed``, the policy deciding and receiving every hook, as in the papers'
    online training. The policy keeps what it learned.

    Parameters
    ----------
    network
        The packet network (its traffic, limits and, unless ``duration`` is given, duration).
    policy
        A routing policy; a learning one (e.g. :class:`QRoutingPolicy`) learns.
    duration
        Simulated time to train for; ``network.duration`` by default.
    seed
        Seed of the traffic.
    window
        Length of the curve's windows; ``duration / 20`` by default.
    on_window
        Called with each :class:`TrainingWindow` while the simulation runs, as it closes.

    Returns
    -------
    list of (float, float)
        For each window ``[start, end)``: ``end`` and the mean delivery time of the packets
        delivered in the window (``nan`` if none was).
    """
    duration = network.duration if duration is None else float(duration)
    if not (math.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be positive and finite, got {duration!r}")
    window = duration / 20 if window is None else float(window)
    if not (math.isfinite(window) and window > 0):
        raise ValueError(f"window must be positive and finite, got {window!r}")
    recorder = _WindowRecorder(policy, window, duration, on_window)
    Simulation(replace(network, duration=duration, warmup=0.0), seed=seed, hooks=recorder).run(
        policy
    )
    recorder.finish()
    return [(w.end, w.mean_delivery_time) for w in recorder.windows]


CURVE_COLUMNS = ("time", "seconds", "mean_delivery_time", "delivered", "dropped")
"""The learning curve's columns, one row per window: simulated time trained at its end (all
segments together), wall-clock seconds, mean delivery time of the packets delivered in it
(``nan`` if none was), packets delivered and packets dropped."""


@dataclass(frozen=True)
class TrainingProgress:
    """How far a saved policy's online training has come, kept in its file (``info``)."""

    time: float = 0.0
    """Simulated time trained, all segments together."""
    segments: int = 0
    """Training simulations run so far."""
    seconds: float = 0.0
    """Wall-clock seconds they took."""


def training_progress(path: str | Path) -> TrainingProgress:
    """The :class:`TrainingProgress` saved with a policy file (none for a file without it)."""
    meta, _ = read_policy_file(path)
    saved = meta.get("info", {}).get("training", {})
    try:
        return TrainingProgress(**saved)
    except TypeError as exc:
        raise InputError(f"bad training progress ({exc})", path) from None


def train_segment(
    network: PacketNetwork,
    policy: QRoutingPolicy | OlpomdpPolicy,
    progress: TrainingProgress,
    *,
    duration: float,
    seed: int,
    window: float | None = None,
    curve: Callable[[dict[str, float]], None] | None = None,
) -> tuple[TrainingProgress, list[TrainingWindow]]:
    """Continue a policy's online training until it has learned for ``duration`` in all.

    One :func:`train_online` simulation of the time left, its traffic drawn from ``seed +
    progress.segments`` (so a first segment is the same run as ``train_online(..., seed=seed)``
    and a resumed one sees new traffic).

    Parameters
    ----------
    network, policy
        The network, and the (unfrozen) policy that learns on it.
    progress
        The policy's training so far.
    duration
        Simulated time to have trained for in all, more than ``progress.time``.
    seed
        The run's seed.
    window
        Length of the curve's windows; a twentieth of the segment by default.
    curve
        Called with a row of :data:`CURVE_COLUMNS` as each window closes.

    Returns
    -------
    tuple of TrainingProgress and list of TrainingWindow
        The progress after the segment, and its windows.
    """
    remaining = float(duration) - progress.time
    if not remaining > 0:
        raise ValueError(f"already trained for {progress.time:g}, not less than {duration:g}")
    start = time.perf_counter()
    windows: list[TrainingWindow] = []

    def record(closed: TrainingWindow) -> None:
        windows.append(closed)
        if curve is not None:
            curve(
                {
                    "time": progress.time + closed.end,
                    "seconds": progress.seconds + time.perf_counter() - start,
                    "mean_delivery_time": closed.mean_delivery_time,
                    "delivered": closed.delivered,
                    "dropped": closed.dropped,
                }
            )

    train_online(network, policy, remaining, seed + progress.segments, window, record)
    done = TrainingProgress(
        progress.time + remaining,
        progress.segments + 1,
        progress.seconds + time.perf_counter() - start,
    )
    return done, windows
