"""Priority flow admission and routing (PFAR): instance, solution type and the one evaluator.

A directed network with link capacities (and optional link delays) receives flows, each with a
source, a target, a bandwidth demand and a priority. A solution admits some flows and gives each
admitted flow one path (a node sequence); a rejected flow has path ``None``. Only
:func:`evaluate_flows` decides whether a solution is feasible and how good it is.

Two objective modes exist (:class:`AdmissionMode`). In ``weighted`` mode the objective is the total
priority of the admitted flows. In ``lexicographic`` mode (strict priority) solutions are compared
priority class by priority class, from the highest priority down, on the priority mass admitted in
each class, so no number of lower-priority flows outweighs one higher-priority flow.
:meth:`FlowEvaluation.key` returns a tuple that sorts better solutions higher in both modes.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import networkx as nx

Node = str | int
"""A node name: a string (``"Paris"``) or an integer (``3``)."""

FloatArray = NDArray[np.float64]

TOLERANCE = 1e-9
"""Slack on capacity and delay limits, relative to the limit when the limit exceeds 1."""


MAX_NODES = 100_000
"""The most nodes a flow-admission instance (and a network file read as one) may have; the
largest bundled network (TNTP Anaheim) has 416."""

FLOW_ATTRIBUTES: frozenset[str] = frozenset({"lexicographic", "hop_limits", "delay_limits"})
"""Every attribute name :meth:`FlowAdmissionInstance.active_attributes` can report."""


def within(value: float, limit: float) -> bool:
    """Whether ``value`` respects ``limit`` up to :data:`TOLERANCE` (relative above 1).

    The evaluator and every solver use this one test, so a solver never admits what the evaluator
    would reject for a rounding difference.
    """
    return value <= limit + TOLERANCE * max(1.0, abs(limit))


class AdmissionMode(StrEnum):
    """How admitted flows are valued."""

    WEIGHTED = "weighted"
    """Maximise the total priority of the admitted flows."""
    LEXICOGRAPHIC = "lexicographic"
    """Strict priority: compare the admitted priority mass class by class, highest class first."""


def _check_node(value: object, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{what} must be a string or an integer node name, got {value!r}")


@dataclass(frozen=True)
class Link:
    """A directed link.

    Parameters
    ----------
    source, target
        Node names of its tail and head; they must differ.
    capacity
        Bandwidth it carries; positive, ``math.inf`` for an uncapacitated link.
    delay
        Propagation delay, non-negative and finite (the file formats use milliseconds).
    """

    source: Node
    target: Node
    capacity: float
    delay: float = 0.0

    def __post_init__(self) -> None:
        _check_node(self.source, "source")
        _check_node(self.target, "target")
        if self.source == self.target:
            raise ValueError(f"self-loop link at node {self.source!r}")
        capacity, delay = float(self.capacity), float(self.delay)
        if not capacity > 0:
            raise ValueError(f"capacity must be positive, got {self.capacity!r}")
        if not (math.isfinite(delay) and delay >= 0):
            raise ValueError(f"delay must be finite and non-negative, got {self.delay!r}")
        object.__setattr__(self, "capacity", capacity)
        object.__setattr__(self, "delay", delay)


@dataclass(frozen=True)
class Flow:
    """A flow asking for admission.

    Parameters
    ----------
    source, target
        Node names of its endpoints; they must differ.
    demand
        Bandwidth it needs on every link of its path; finite and non-negative.
    priority
        Its value when admitted; finite and non-negative (higher is more important).
    max_hops
        Optional limit on the number of links of its path (at least 1).
    max_delay
        Optional limit on the summed delay of its path (non-negative).
    """

    source: Node
    target: Node
    demand: float
    priority: float = 1.0
    max_hops: int | None = None
    max_delay: float | None = None

    def __post_init__(self) -> None:
        _check_node(self.source, "source")
        _check_node(self.target, "target")
        if self.source == self.target:
            raise ValueError(f"source and target are the same node {self.source!r}")
        for name in ("demand", "priority"):
            value = float(getattr(self, name))
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be finite and non-negative, got {value!r}")
            object.__setattr__(self, name, value)
        if self.max_hops is not None:
            hops = self.max_hops
            if isinstance(hops, bool) or not isinstance(hops, int | np.integer) or hops < 1:
                raise ValueError(f"max_hops must be a positive integer or None, got {hops!r}")
            object.__setattr__(self, "max_hops", int(hops))
        if self.max_delay is not None:
            limit = float(self.max_delay)
            if not (math.isfinite(limit) and limit >= 0):
                raise ValueError(f"max_delay must be finite and non-negative, got {limit!r}")
            object.__setattr__(self, "max_delay", limit)


@dataclass(frozen=True, init=False)
class FlowAdmissionInstance:
    """One PFAR problem: a directed network and the flows asking for admission.

    Parallel links (two links with the same source and target) are not allowed: a path is a node
    sequence, so each hop must name exactly one link. The network readers merge parallel links
    into one before building an instance.

    Parameters
    ----------
    name
        Instance name.
    nodes
        Node names (unique strings or integers), or a node count ``n`` for nodes ``0..n-1``.
    links
        Directed links between known nodes, no two with the same source and target.
    flows
        Flows between known nodes.
    mode
        ``"weighted"`` or ``"lexicographic"``; see :class:`AdmissionMode`.

    Raises
    ------
    ValueError
        Naming the bad field and index: duplicate or invalid node names, a link or flow endpoint
        that is not a node, or a parallel link.
    """

    name: str
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    flows: tuple[Flow, ...]
    mode: AdmissionMode
    _node_index: dict[Node, int] = field(repr=False, compare=False)
    _link_index: dict[tuple[Node, Node], int] = field(repr=False, compare=False)
    _out_links: tuple[tuple[int, ...], ...] = field(repr=False, compare=False)

    def __init__(
        self,
        name: str,
        nodes: Sequence[Node] | int,
        links: Iterable[Link],
        flows: Iterable[Flow] = (),
        mode: AdmissionMode | str = AdmissionMode.WEIGHTED,
    ) -> None:
        set_ = object.__setattr__
        if isinstance(nodes, int | np.integer) and not isinstance(nodes, bool):
            if nodes < 1:
                raise ValueError(f"nodes: a node count must be positive, got {nodes}")
            if nodes > MAX_NODES:
                raise ValueError(f"nodes: {nodes} nodes exceed the maximum of {MAX_NODES}")
            node_tuple: tuple[Node, ...] = tuple(range(int(nodes)))
        else:
            node_tuple = tuple(nodes)  # type: ignore[arg-type]
        if not node_tuple:
            raise ValueError("nodes: an instance needs at least one node")
        if len(node_tuple) > MAX_NODES:
            raise ValueError(f"nodes: {len(node_tuple)} nodes exceed the maximum of {MAX_NODES}")
        index: dict[Node, int] = {}
        for k, node in enumerate(node_tuple):
            _check_node(node, f"nodes[{k}]")
            if node in index:
                raise ValueError(f"nodes[{k}]: duplicate node {node!r} (also nodes[{index[node]}])")
            index[node] = k
        try:
            mode = AdmissionMode(mode)
        except ValueError:
            raise ValueError(f"mode must be 'weighted' or 'lexicographic', got {mode!r}") from None
        set_(self, "name", str(name))
        set_(self, "nodes", node_tuple)
        set_(self, "links", tuple(links))
        set_(self, "flows", tuple(flows))
        set_(self, "mode", mode)
        set_(self, "_node_index", index)
        link_index: dict[tuple[Node, Node], int] = {}
        out: list[list[int]] = [[] for _ in node_tuple]
        for k, link in enumerate(self.links):
            if not isinstance(link, Link):
                raise ValueError(f"links[{k}] must be a Link, got {type(link).__name__}")
            for end in ("source", "target"):
                if getattr(link, end) not in index:
                    raise ValueError(f"links[{k}].{end}: unknown node {getattr(link, end)!r}")
            pair = (link.source, link.target)
            if pair in link_index:
                raise ValueError(
                    f"links[{k}]: parallel link {link.source!r} -> {link.target!r} "
                    f"(also links[{link_index[pair]}]); parallel links are not allowed"
                )
            link_index[pair] = k
            out[index[link.source]].append(k)
        for k, flow in enumerate(self.flows):
            if not isinstance(flow, Flow):
                raise ValueError(f"flows[{k}] must be a Flow, got {type(flow).__name__}")
            for end in ("source", "target"):
                if getattr(flow, end) not in index:
                    raise ValueError(f"flows[{k}].{end}: unknown node {getattr(flow, end)!r}")
        set_(self, "_link_index", link_index)
        set_(self, "_out_links", tuple(tuple(ks) for ks in out))

    # -- sizes -----------------------------------------------------------------------------------
    @property
    def num_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def num_links(self) -> int:
        """Number of directed links."""
        return len(self.links)

    @property
    def num_flows(self) -> int:
        """Number of flows."""
        return len(self.flows)

    @property
    def priority_classes(self) -> tuple[float, ...]:
        """The distinct flow priorities, highest first."""
        return tuple(sorted({f.priority for f in self.flows}, reverse=True))

    @property
    def has_delays(self) -> bool:
        """Whether some link has a positive delay."""
        return any(link.delay > 0 for link in self.links)

    # -- lookups ---------------------------------------------------------------------------------
    def node_index(self, node: Node) -> int:
        """Position of a node in :attr:`nodes`; ``KeyError`` for an unknown node."""
        try:
            return self._node_index[node]
        except KeyError:
            raise KeyError(f"unknown node {node!r}") from None

    def has_node(self, node: object) -> bool:
        """Whether ``node`` names a node of the instance."""
        try:
            return node in self._node_index
        except TypeError:  # unhashable
            return False

    def link_index(self, source: Node, target: Node) -> int:
        """Index in :attr:`links` of the link ``source -> target``; ``KeyError`` when absent."""
        try:
            return self._link_index[(source, target)]
        except (KeyError, TypeError):
            raise KeyError(f"no link {source!r} -> {target!r}") from None

    def has_link(self, source: object, target: object) -> bool:
        """Whether the link ``source -> target`` exists."""
        try:
            return (source, target) in self._link_index
        except TypeError:
            return False

    def out_links(self, node: Node) -> tuple[int, ...]:
        """Indices of the links leaving ``node``, in link order."""
        return self._out_links[self.node_index(node)]

    def successors(self, node: Node) -> tuple[Node, ...]:
        """Heads of the links leaving ``node``, in link order."""
        return tuple(self.links[k].target for k in self.out_links(node))

    def capacities(self) -> FloatArray:
        """Link capacities as an array in link order."""
        return np.array([link.capacity for link in self.links], dtype=np.float64)

    def delays(self) -> FloatArray:
        """Link delays as an array in link order."""
        return np.array([link.delay for link in self.links], dtype=np.float64)

    def active_attributes(self) -> frozenset[str]:
        """Names of the active attributes, as used by solver capability checks."""
        flags = {
            "lexicographic": self.mode is AdmissionMode.LEXICOGRAPHIC,
            "hop_limits": any(f.max_hops is not None for f in self.flows),
            "delay_limits": any(f.max_delay is not None for f in self.flows),
        }
        return frozenset(name for name, on in flags.items() if on)

    def to_networkx(self) -> nx.DiGraph:
        """A new :class:`networkx.DiGraph` of the network.

        Edges carry ``capacity``, ``delay`` and ``index`` (the link's position in :attr:`links`);
        the graph's ``name`` is the instance name. Flows are not included.
        """
        import networkx as nx

        graph = nx.DiGraph(name=self.name)
        graph.add_nodes_from(self.nodes)
        for k, link in enumerate(self.links):
            graph.add_edge(
                link.source, link.target, capacity=link.capacity, delay=link.delay, index=k
            )
        return graph


Path = tuple[Node, ...]


@dataclass(frozen=True)
class FlowSolution:
    """One entry per flow, in flow order: its path (a node sequence), or ``None`` if rejected."""

    paths: tuple[Path | None, ...]

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "paths", tuple(None if p is None else tuple(p) for p in self.paths)
        )

    @classmethod
    def rejecting_all(cls, instance: FlowAdmissionInstance) -> FlowSolution:
        """The solution that admits no flow."""
        return cls((None,) * instance.num_flows)

    @property
    def admitted(self) -> tuple[int, ...]:
        """Indices of the flows with a path."""
        return tuple(k for k, p in enumerate(self.paths) if p is not None)


@dataclass(frozen=True)
class FlowViolation:
    """One way in which a solution breaks the instance's rules."""

    kind: str
    """One of ``solution_size``, ``endpoints``, ``unknown_node``, ``repeated_node``,
    ``missing_link``, ``hop_limit``, ``delay_limit``, ``capacity``."""
    message: str
    flow: int | None = None
    link: int | None = None


@dataclass(frozen=True, eq=False)
class FlowEvaluation:
    """The evaluator's verdict: feasibility, every violation, the objective and link loads."""

    mode: AdmissionMode
    objective: float
    """Total priority of the admitted flows (in both modes)."""
    classes: tuple[float, ...]
    """The instance's distinct priorities, highest first."""
    class_mass: tuple[float, ...]
    """Admitted priority mass per class (priority times admitted count), as ``classes``."""
    class_admitted: tuple[int, ...]
    """Number of admitted flows per class, aligned with ``classes``."""
    admitted: tuple[int, ...]
    """Indices of the admitted flows."""
    admitted_demand: float
    """Total demand of the admitted flows."""
    violations: tuple[FlowViolation, ...]
    link_load: FloatArray
    """Summed demand of the admitted flows on each link, in link order."""
    utilisation: FloatArray
    """``link_load / capacity`` per link (0 on uncapacitated links)."""
    hops: tuple[int | None, ...]
    """Links on each flow's path; ``None`` for a rejected flow."""
    delays: tuple[float | None, ...]
    """Summed link delay on each flow's path (existing links only); ``None`` when rejected."""

    @property
    def feasible(self) -> bool:
        """True when there is no violation."""
        return not self.violations

    @property
    def num_admitted(self) -> int:
        """Number of admitted flows."""
        return len(self.admitted)

    @property
    def penalised_objective(self) -> float:
        """The objective when feasible, ``-math.inf`` otherwise (a maximisation)."""
        return self.objective if self.feasible else -math.inf

    def key(self) -> tuple[float, ...]:
        """A tuple that sorts better solutions of the same instance higher.

        The first entry is 1 for a feasible solution and 0 otherwise, so every feasible solution
        beats every infeasible one. Then, in ``weighted`` mode, the objective; in
        ``lexicographic`` mode, :attr:`class_mass` (highest priority class first).
        """
        head = 1.0 if self.feasible else 0.0
        if self.mode is AdmissionMode.LEXICOGRAPHIC:
            return (head, *self.class_mass)
        return (head, self.objective)


def _check_path(
    instance: FlowAdmissionInstance, k: int, path: Path
) -> tuple[list[FlowViolation], list[int]]:
    """Structural violations of one path, and the indices of its links that exist."""
    flow = instance.flows[k]
    violations: list[FlowViolation] = []
    if len(path) < 2 or path[0] != flow.source or path[-1] != flow.target:
        shown = " -> ".join(map(repr, path)) or "empty"
        violations.append(
            FlowViolation(
                "endpoints",
                f"flow {k}: path {shown} does not run from {flow.source!r} to {flow.target!r}",
                flow=k,
            )
        )
    unknown = [node for node in path if not instance.has_node(node)]
    for node in unknown:
        violations.append(
            FlowViolation("unknown_node", f"flow {k}: node {node!r} does not exist", flow=k)
        )
    if unknown:
        return violations, []
    for node, count in Counter(path).items():
        if count > 1:
            violations.append(
                FlowViolation(
                    "repeated_node", f"flow {k}: node {node!r} appears {count} times", flow=k
                )
            )
    used: list[int] = []
    for u, v in itertools.pairwise(path):
        if instance.has_link(u, v):
            used.append(instance.link_index(u, v))
        else:
            violations.append(
                FlowViolation("missing_link", f"flow {k}: there is no link {u!r} -> {v!r}", flow=k)
            )
    return violations, used


def evaluate_flows(instance: FlowAdmissionInstance, solution: FlowSolution) -> FlowEvaluation:
    """Check a solution against a PFAR instance and compute its objective.

    Every rule is checked and every violation is reported: the solution has one entry per flow;
    an admitted flow's path starts at its source, ends at its target, uses only existing nodes and
    links, repeats no node, and keeps the flow's hop and delay limits; the admitted demand on each
    link is within its capacity. Capacity and delay limits allow a slack of :data:`TOLERANCE`
    (see :func:`within`). Loads count every existing link of every admitted path, valid or not.

    Parameters
    ----------
    instance
        The PFAR instance.
    solution
        One path or ``None`` per flow; paths name nodes by their names.

    Returns
    -------
    FlowEvaluation
        Objective, per-class masses, violations, link loads and per-flow hops and delays.
    """
    violations: list[FlowViolation] = []
    paths = list(solution.paths)
    if len(paths) != instance.num_flows:
        violations.append(
            FlowViolation(
                "solution_size",
                f"the solution has {len(paths)} entries for {instance.num_flows} flows",
            )
        )
        paths = (paths + [None] * instance.num_flows)[: instance.num_flows]
    on_link: list[list[float]] = [[] for _ in instance.links]
    hops: list[int | None] = []
    delays: list[float | None] = []
    admitted: list[int] = []
    for k, path in enumerate(paths):
        if path is None:
            hops.append(None)
            delays.append(None)
            continue
        admitted.append(k)
        flow = instance.flows[k]
        found, used = _check_path(instance, k, path)
        violations += found
        delay = math.fsum(instance.links[j].delay for j in used)
        hops.append(len(path) - 1)
        delays.append(delay)
        for j in used:
            on_link[j].append(flow.demand)
        if flow.max_hops is not None and len(path) - 1 > flow.max_hops:
            violations.append(
                FlowViolation(
                    "hop_limit",
                    f"flow {k}: path has {len(path) - 1} hops, more than its limit {flow.max_hops}",
                    flow=k,
                )
            )
        if flow.max_delay is not None and not within(delay, flow.max_delay):
            violations.append(
                FlowViolation(
                    "delay_limit",
                    f"flow {k}: path delay {delay:g} exceeds its limit {flow.max_delay:g}",
                    flow=k,
                )
            )
    load = np.array([math.fsum(d) for d in on_link], dtype=np.float64)
    capacity = instance.capacities()
    for j, link in enumerate(instance.links):
        if not within(load[j], link.capacity):
            violations.append(
                FlowViolation(
                    "capacity",
                    f"link {j} ({link.source!r} -> {link.target!r}): load {load[j]:g} exceeds "
                    f"capacity {link.capacity:g}",
                    link=j,
                )
            )
    utilisation = np.where(np.isinf(capacity), 0.0, load / capacity)
    classes = instance.priority_classes
    per_class = Counter(instance.flows[k].priority for k in admitted)
    load.setflags(write=False)
    utilisation.setflags(write=False)
    return FlowEvaluation(
        mode=instance.mode,
        objective=math.fsum(instance.flows[k].priority for k in admitted),
        classes=classes,
        class_mass=tuple(p * per_class[p] for p in classes),
        class_admitted=tuple(per_class[p] for p in classes),
        admitted=tuple(admitted),
        admitted_demand=math.fsum(instance.flows[k].demand for k in admitted),
        violations=tuple(violations),
        link_load=load,
        utilisation=utilisation,
        hops=tuple(hops),
        delays=tuple(delays),
    )
