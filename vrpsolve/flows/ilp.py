"""Exact integer programs for PFAR: a path formulation and an arc-flow formulation.

Both are solved with PuLP through :class:`vrpsolve.milp.MilpBackend` (HiGHS via
``highspy``, or CBC), one thread, zero relative gap, a time limit and a MIP start from
:func:`vrpsolve.flows.greedy.greedy_admission`.

- **Path formulation** (:func:`solve_path_ilp`): a binary ``z[f, p]`` per flow ``f`` and candidate
  path ``p`` (:func:`candidate_paths`: the ``k`` shortest simple paths within the flow's hop and
  delay limits, through links that can hold its demand), at most one path per flow, and the
  demand on each link within its capacity. Its optimum is proven only for the *restricted*
  problem over the candidate paths; the outcome is ``"optimal"`` only when every flow's candidate
  set holds all its usable paths (``k`` at least their number), else ``"feasible"``. The greedy
  path of each admitted flow is added to the candidates, so the result is never worse than greedy.
- **Arc-flow formulation** (:func:`solve_arc_ilp`): an admission binary ``y[f]`` and a binary
  ``x[f, l]`` per flow and link, with flow conservation (``y`` units out of the source and into the
  target), at most ``y`` chosen links out of every node, ``sum_l x[f, l] <= max_hops`` and
  ``sum_l delay_l x[f, l] <= max_delay``. Links no feasible path of the flow can use are left out:
  links that cannot hold its demand, links into its source or out of its target, and links whose
  shortest detour ``source -> u -> v -> target`` already breaks a limit. A solution may hold
  cycles disjoint from the flow's path; the path is read by following the chosen links from the
  source (with at most one chosen link out of each node and none into the source this walk is a
  simple path to the target) and the cycles are dropped, which never raises a link load, a hop
  count or a delay. Every simple path is representable, so this formulation is exact for the full
  problem: the outcome is ``"optimal"`` when the MILP is solved to optimality.

Objectives. In ``weighted`` mode the total priority of the admitted flows is maximised. In
``lexicographic`` mode (see :meth:`~vrpsolve.flows.model.FlowEvaluation.key`) either

- ``lexicographic="sequential"`` (default): for each priority class from the highest, maximise the
  number of admitted flows of that class, then fix that number as a constraint and go on; or
- ``lexicographic="weights"``: one solve with a weight per admitted flow of class ``c`` of
  ``w_c = 1 + sum over lower classes d of w_d n_d`` (``n_d`` the number of class-``d`` flows that
  could be admitted at all), so one more flow of a class outweighs every lower-class flow. When
  the weights grow beyond ``1e9`` (many classes) the sequential method is used instead, noted in
  the stats.

Classes of priority 0 carry no weight in either mode.

At the time limit the best solution found is returned with status ``"feasible"`` and, in
``weighted`` mode, the solver's upper bound (gap in ``stats``). Nothing is raised on a hard
instance. Extracted solutions are checked with the evaluator's tolerance
(:func:`~vrpsolve.flows.model.within`); should a solver tolerance let a load or delay
slip past a limit, the offending flows are rejected (listed in ``stats["repaired"]``) and the
result is not claimed optimal.
"""

from __future__ import annotations

import itertools
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pulp

from vrpsolve.core.stop import expired
from vrpsolve.flows.greedy import greedy_admission
from vrpsolve.flows.model import (
    AdmissionMode,
    FlowAdmissionInstance,
    FlowSolution,
    Node,
    Path,
    evaluate_flows,
    within,
)
from vrpsolve.milp import BACKENDS, MilpBackend, MilpOutcome, default_backend

if TYPE_CHECKING:
    import networkx as nx

IlpStatus = Literal["optimal", "feasible", "no_solution"]
LexicographicMethod = Literal["sequential", "weights"]

DEFAULT_TIME_LIMIT = 60.0
"""Seconds allowed when ``time_limit`` is ``None``."""
DEFAULT_K = 10
"""Candidate paths per flow of the path formulation."""
MAX_LEX_WEIGHT = 1e9
"""Largest total lexicographic weight before ``"weights"`` falls back to ``"sequential"``."""


# -- candidate paths -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CandidatePaths:
    """Candidate paths of one flow, shortest first.

    Attributes
    ----------
    paths
        Simple paths (node sequences) within the flow's hop and delay limits, through links whose
        capacity holds the flow's demand.
    complete
        Whether ``paths`` holds every such path.
    """

    paths: tuple[Path, ...]
    complete: bool


def _usable_graph(instance: FlowAdmissionInstance, demand: float) -> nx.DiGraph:
    """The network without the links whose capacity cannot hold ``demand``."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(instance.nodes)
    for k, link in enumerate(instance.links):
        if within(demand, link.capacity):
            graph.add_edge(link.source, link.target, delay=link.delay, index=k)
    return graph


def _path_delay(instance: FlowAdmissionInstance, path: Sequence[Node]) -> float:
    return math.fsum(instance.links[instance.link_index(u, v)].delay for u, v in _hops(path))


def _hops(path: Sequence[Node]) -> Iterable[tuple[Node, Node]]:
    return itertools.pairwise(path)


def enumerate_candidates(
    instance: FlowAdmissionInstance,
    flow_index: int,
    k: int,
    *,
    max_examined: int | None = None,
) -> CandidatePaths:
    """Up to ``k`` shortest simple paths of one flow, and whether they are all its paths.

    Paths come from :func:`networkx.shortest_simple_paths` in order of delay (of hops when no
    link has a delay) through the links that can hold the flow's demand. Paths that break the
    flow's hop or delay limit are skipped; the search stops once the order guarantees that every
    later path breaks the limit that orders it. The set is complete when no usable path is left
    out: the search ran out of paths, stopped at the ordering limit, or found no ``k + 1``-th path.

    Parameters
    ----------
    instance
        The PFAR instance.
    flow_index
        Index of the flow in ``instance.flows``.
    k
        Largest number of paths returned (positive).
    max_examined
        Largest number of paths drawn from the generator, counting skipped ones (default
        ``50 * k + 50``); reaching it leaves the set incomplete. It only matters for a hop limit
        on a network with delays, where paths are ordered by delay and too long ones are skipped.

    Returns
    -------
    CandidatePaths
        The paths, shortest first, and whether the set is complete.
    """
    import networkx as nx

    if k < 1:
        raise ValueError(f"k must be positive, got {k}")
    flow = instance.flows[flow_index]
    limit = 50 * k + 50 if max_examined is None else max_examined
    by_delay = instance.has_delays
    graph = _usable_graph(instance, flow.demand)
    found: list[Path] = []
    generator = nx.shortest_simple_paths(
        graph, flow.source, flow.target, weight="delay" if by_delay else None
    )
    examined = 0
    try:
        for path in generator:
            examined += 1
            hops = len(path) - 1
            delay = _path_delay(instance, path)
            delay_ok = flow.max_delay is None or within(delay, flow.max_delay)
            hops_ok = flow.max_hops is None or hops <= flow.max_hops
            if (by_delay and not delay_ok) or (not by_delay and not hops_ok):
                return CandidatePaths(tuple(found), True)  # every later path is longer still
            if delay_ok and hops_ok:
                if len(found) == k:
                    return CandidatePaths(tuple(found), False)
                found.append(tuple(path))
            if examined >= limit:
                return CandidatePaths(tuple(found), False)
    except nx.NetworkXNoPath:
        pass
    return CandidatePaths(tuple(found), True)


def candidate_paths(
    instance: FlowAdmissionInstance, flow_index: int, k: int, *, max_examined: int | None = None
) -> list[Path]:
    """Up to ``k`` shortest simple paths of one flow within its hop and delay limits.

    See :func:`enumerate_candidates`, which also tells whether the paths are all there are.

    Parameters
    ----------
    instance
        The PFAR instance.
    flow_index
        Index of the flow in ``instance.flows``.
    k
        Largest number of paths (positive).
    max_examined
        Largest number of paths examined, skipped ones included.

    Returns
    -------
    list of tuple
        Node sequences from the flow's source to its target, by delay (by hops without delays).
    """
    return list(enumerate_candidates(instance, flow_index, k, max_examined=max_examined).paths)


# -- outcome ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IlpOutcome:
    """The result of an exact PFAR solve.

    Attributes
    ----------
    solution
        The best solution found (always one entry per flow; rejecting all when nothing was found).
    status
        ``"optimal"``: proven optimal for the full problem in the instance's mode;
        ``"feasible"``: a solution without that proof (time limit, or an incomplete candidate set
        of the path formulation); ``"no_solution"``: neither the solver nor the MIP start gave one.
    objective
        Total priority of the admitted flows (the evaluator's ``objective``, in both modes).
    bound
        Upper bound on ``objective`` over all feasible solutions in ``weighted`` mode (``None``
        when unknown); in ``lexicographic`` mode ``objective`` when optimal, else ``None`` (see
        ``stats["stages"]`` for per-class bounds).
    runtime
        Wall-clock seconds, candidate generation and model building included.
    stats
        Formulation, backend, model size, per-solve status and bounds, gap, notes.
    """

    solution: FlowSolution
    status: IlpStatus
    objective: float
    bound: float | None
    runtime: float
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """``(bound - objective) / bound``, or ``None`` without a bound (0 when both are 0)."""
        if self.bound is None:
            return None
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)


# -- formulations ----------------------------------------------------------------------------------
class _Formulation(ABC):
    """A PuLP model with an admission expression per flow that can be admitted at all."""

    prob: pulp.LpProblem
    admit: dict[int, pulp.LpAffineExpression]

    @abstractmethod
    def extract(self) -> tuple[list[Path | None], dict[str, Any]]:
        """Paths read from the variable values, and extraction statistics."""

    @abstractmethod
    def start(self, solution: FlowSolution) -> dict[pulp.LpVariable, float]:
        """Variable values of a solution (flows it cannot represent are left out)."""

    def size(self) -> dict[str, int]:
        """Numbers of variables and constraints."""
        return {"variables": self.prob.numVariables(), "constraints": self.prob.numConstraints()}


def _capacity_rows(
    instance: FlowAdmissionInstance,
    prob: pulp.LpProblem,
    terms: Mapping[int, list[tuple[pulp.LpVariable, float]]],
) -> None:
    """``sum demand * var <= capacity`` on every link whose users could overload it."""
    for j, items in terms.items():
        capacity = instance.links[j].capacity
        if math.isinf(capacity) or within(math.fsum(d for _, d in items), capacity):
            continue
        prob.addConstraint(pulp.LpAffineExpression(items) <= capacity, f"cap_{j}")


class _PathModel(_Formulation):
    def __init__(
        self, instance: FlowAdmissionInstance, candidates: Sequence[Sequence[Path]]
    ) -> None:
        self.num_flows = instance.num_flows
        self.prob = pulp.LpProblem("pfar_path", pulp.LpMinimize)
        self.admit = {}
        self.z: dict[int, dict[Path, pulp.LpVariable]] = {}
        on_link: dict[int, list[tuple[pulp.LpVariable, float]]] = {}
        for f, paths in enumerate(candidates):
            if not paths:
                continue
            demand = instance.flows[f].demand
            self.z[f] = {}
            for p, path in enumerate(paths):
                var = self.prob.add_variable(f"z_{f}_{p}", cat=pulp.LpBinary)
                self.z[f][path] = var
                for u, v in _hops(path):
                    on_link.setdefault(instance.link_index(u, v), []).append((var, demand))
            self.admit[f] = pulp.lpSum(self.z[f].values())
            # also when redundant: it keeps every variable in the model PuLP hands the solver
            self.prob.addConstraint(self.admit[f] <= 1, f"one_{f}")
        _capacity_rows(instance, self.prob, on_link)

    def extract(self) -> tuple[list[Path | None], dict[str, Any]]:
        paths: list[Path | None] = []
        for f in range(self.num_flows):
            chosen = [p for p, var in self.z.get(f, {}).items() if (var.varValue or 0.0) > 0.5]
            paths.append(chosen[0] if chosen else None)
        return paths, {}

    def start(self, solution: FlowSolution) -> dict[pulp.LpVariable, float]:
        values = {var: 0.0 for by_path in self.z.values() for var in by_path.values()}
        for f, path in enumerate(solution.paths):
            if path is not None and path in self.z.get(f, {}):
                values[self.z[f][path]] = 1.0
        return values


class _ArcModel(_Formulation):
    def __init__(self, instance: FlowAdmissionInstance, deadline: float = math.inf) -> None:
        """The arc-flow model, its flows added until ``deadline`` (then no solve is made)."""
        self.instance = instance
        self.prob = pulp.LpProblem("pfar_arc", pulp.LpMinimize)
        self.admit = {}
        self.y: dict[int, pulp.LpVariable] = {}
        self.x: dict[int, dict[int, pulp.LpVariable]] = {}
        on_link: dict[int, list[tuple[pulp.LpVariable, float]]] = {}
        for f in range(instance.num_flows):
            if expired(deadline):
                return
            arcs = _useful_links(instance, f)
            if not arcs:
                continue
            flow = instance.flows[f]
            y = self.prob.add_variable(f"y_{f}", cat=pulp.LpBinary)
            self.y[f] = y
            self.admit[f] = pulp.LpAffineExpression([(y, 1.0)])
            x = {j: self.prob.add_variable(f"x_{f}_{j}", cat=pulp.LpBinary) for j in arcs}
            self.x[f] = x
            out: dict[Node, list[pulp.LpVariable]] = {}
            into: dict[Node, list[pulp.LpVariable]] = {}
            for j, var in x.items():
                link = instance.links[j]
                out.setdefault(link.source, []).append(var)
                into.setdefault(link.target, []).append(var)
                on_link.setdefault(j, []).append((var, flow.demand))
            for node in out.keys() | into.keys():
                leaving = pulp.lpSum(out.get(node, []))
                entering = pulp.lpSum(into.get(node, []))
                if node == flow.source:
                    self.prob.addConstraint(leaving == y, f"src_{f}")
                elif node == flow.target:
                    self.prob.addConstraint(entering == y, f"dst_{f}")
                else:
                    self.prob.addConstraint(leaving == entering, f"bal_{f}_{node}")
                    self.prob.addConstraint(leaving <= y, f"deg_{f}_{node}")
            if flow.max_hops is not None and len(x) > flow.max_hops:
                self.prob.addConstraint(pulp.lpSum(x.values()) <= flow.max_hops, f"hops_{f}")
            if flow.max_delay is not None:
                delays = [(var, instance.links[j].delay) for j, var in x.items()]
                if not within(math.fsum(d for _, d in delays), flow.max_delay):
                    self.prob.addConstraint(
                        pulp.LpAffineExpression(delays) <= flow.max_delay, f"delay_{f}"
                    )
        _capacity_rows(instance, self.prob, on_link)

    def extract(self) -> tuple[list[Path | None], dict[str, Any]]:
        instance = self.instance
        paths: list[Path | None] = [None] * instance.num_flows
        cycle_links = 0
        broken: list[int] = []
        for f, y in self.y.items():
            if (y.varValue or 0.0) <= 0.5:
                continue
            flow = instance.flows[f]
            chosen = [j for j, var in self.x[f].items() if (var.varValue or 0.0) > 0.5]
            successor = {instance.links[j].source: instance.links[j].target for j in chosen}
            path = [flow.source]
            while path[-1] != flow.target and path[-1] in successor:
                path.append(successor[path[-1]])
                if len(path) > instance.num_nodes:
                    break
            if path[-1] != flow.target or len(set(path)) != len(path):
                broken.append(f)  # cannot happen with the degree constraints; reject safely
                continue
            paths[f] = tuple(path)
            cycle_links += len(chosen) - (len(path) - 1)
        return paths, {"cycle_links_dropped": cycle_links, "unreadable_paths": broken}

    def start(self, solution: FlowSolution) -> dict[pulp.LpVariable, float]:
        instance = self.instance
        values: dict[pulp.LpVariable, float] = {}
        for f, y in self.y.items():
            values[y] = 0.0
            values.update({var: 0.0 for var in self.x[f].values()})
        for f, path in enumerate(solution.paths):
            if path is None or f not in self.y:
                continue
            links = [instance.link_index(u, v) for u, v in _hops(path)]
            if all(j in self.x[f] for j in links):
                values[self.y[f]] = 1.0
                for j in links:
                    values[self.x[f][j]] = 1.0
        return values


def _useful_links(instance: FlowAdmissionInstance, f: int) -> list[int]:
    """Links some feasible path of flow ``f`` may use (empty when the flow cannot be admitted).

    A link ``u -> v`` is kept when it holds the demand, does not enter the source or leave the
    target, and the shortest ``source -> u`` plus the link plus the shortest ``v -> target`` keeps
    the hop and the delay limit (separately shortest in hops and in delay).
    """
    import networkx as nx

    flow = instance.flows[f]
    graph = _usable_graph(instance, flow.demand)
    graph.remove_edges_from(list(graph.in_edges(flow.source)))
    graph.remove_edges_from(list(graph.out_edges(flow.target)))
    if not nx.has_path(graph, flow.source, flow.target):
        return []
    reverse = graph.reverse(copy=False)
    hops_from = nx.single_source_shortest_path_length(graph, flow.source)
    hops_to = nx.single_source_shortest_path_length(reverse, flow.target)
    delay_from: dict[Node, float] = {}
    delay_to: dict[Node, float] = {}
    if flow.max_delay is not None:
        delay_from = nx.single_source_dijkstra_path_length(graph, flow.source, weight="delay")
        delay_to = nx.single_source_dijkstra_path_length(reverse, flow.target, weight="delay")
    kept = []
    for u, v, data in graph.edges(data=True):
        if u not in hops_from or v not in hops_to:
            continue
        if flow.max_hops is not None and hops_from[u] + 1 + hops_to[v] > flow.max_hops:
            continue
        if flow.max_delay is not None and not within(
            delay_from[u] + data["delay"] + delay_to[v], flow.max_delay
        ):
            continue
        kept.append(int(data["index"]))
    return sorted(kept)


# -- checks and repair -----------------------------------------------------------------------------
def _repair(instance: FlowAdmissionInstance, paths: list[Path | None]) -> list[int]:
    """Reject flows until the paths keep every limit under :func:`within`; the rejected flows.

    Flows breaking their own hop or delay limit go first; then, while a link is overloaded, the
    flow on it with the lowest priority (largest demand among equals) is rejected.
    """
    dropped = []
    for f, path in enumerate(paths):
        if path is None:
            continue
        flow = instance.flows[f]
        if (flow.max_hops is not None and len(path) - 1 > flow.max_hops) or (
            flow.max_delay is not None and not within(_path_delay(instance, path), flow.max_delay)
        ):
            paths[f] = None
            dropped.append(f)
    users: dict[int, list[int]] = {}
    for f, path in enumerate(paths):
        if path is not None:
            for u, v in _hops(path):
                users.setdefault(instance.link_index(u, v), []).append(f)
    for j, flows in sorted(users.items()):
        capacity = instance.links[j].capacity
        active = [f for f in flows if paths[f] is not None]
        while not within(math.fsum(instance.flows[f].demand for f in active), capacity):
            worst = min(
                active, key=lambda f: (instance.flows[f].priority, -instance.flows[f].demand)
            )
            paths[worst] = None
            dropped.append(worst)
            active.remove(worst)
    return sorted(dropped)


def _drop_order(instance: FlowAdmissionInstance, f: int) -> tuple[float, float]:
    return (instance.flows[f].priority, -instance.flows[f].demand)


# -- the driver ------------------------------------------------------------------------------------
def _lex_weights(
    instance: FlowAdmissionInstance, admissible: Iterable[int]
) -> dict[int, float] | None:
    """Per-flow weights that order solutions like the lexicographic key, or ``None`` if too big."""
    members: dict[float, list[int]] = {}
    for f in admissible:
        priority = instance.flows[f].priority
        if priority > 0:
            members.setdefault(priority, []).append(f)
    class_weight: dict[float, float] = {}
    total = 0.0
    for priority in sorted(members):  # lowest class first
        class_weight[priority] = total + 1.0
        total += class_weight[priority] * len(members[priority])
        if total > MAX_LEX_WEIGHT:
            return None
    return {f: class_weight[p] for p, flows in members.items() for f in flows}


@dataclass
class _Stage:
    """One MILP objective: weights on the admission expressions, and the class it fixes."""

    weights: dict[int, float]
    integral: bool
    fixes: float | None = None
    """Priority class whose admitted count is fixed after an optimal solve (sequential)."""


def _stages(
    instance: FlowAdmissionInstance, form: _Formulation, method: str, stats: dict[str, Any]
) -> list[_Stage]:
    admissible = sorted(form.admit)
    if instance.mode is AdmissionMode.WEIGHTED:
        weights = {f: instance.flows[f].priority for f in admissible}
        weights = {f: w for f, w in weights.items() if w > 0}
        return [_Stage(weights, all(float(w).is_integer() for w in weights.values()))]
    if method == "weights":
        lex = _lex_weights(instance, admissible)
        if lex is not None:
            stats["lex_weights"] = sorted(set(lex.values()), reverse=True)
            return [_Stage(lex, True)]
        stats["notes"].append(
            f"lexicographic weights exceed {MAX_LEX_WEIGHT:g}; solved sequentially instead"
        )
        stats["lexicographic"] = "sequential"
    stages = []
    for priority in instance.priority_classes:
        if priority <= 0:
            continue
        members = [f for f in admissible if instance.flows[f].priority == priority]
        if members:
            stages.append(_Stage({f: 1.0 for f in members}, True, fixes=priority))
    return stages


def _value(weights: Mapping[int, float], solution: FlowSolution) -> float:
    return math.fsum(w for f, w in weights.items() if solution.paths[f] is not None)


def _run_stages(
    instance: FlowAdmissionInstance,
    form: _Formulation,
    backend_name: str,
    *,
    seed: int,
    deadline: float,
    method: str,
    incumbent: FlowSolution | None,
    stats: dict[str, Any],
) -> tuple[FlowSolution | None, bool, float | None]:
    """Solve the stages in turn; the best solution, whether it is proven optimal, and a bound.

    The bound is an upper bound on the weighted objective of the (single) weighted stage, valid
    for this formulation; ``None`` in lexicographic mode.
    """
    best = incumbent
    proven = True
    bound: float | None = None
    records: list[dict[str, Any]] = []
    stats["stages"] = records
    for stage in _stages(instance, form, method, stats):
        remaining = deadline - time.perf_counter()
        if expired(deadline):
            proven = False
            stats["notes"].append("time limit or stop request reached before all solves ran")
            break
        backend = MilpBackend(backend_name, integral_objective=stage.integral, seed=seed)
        form.prob.setObjective(
            pulp.LpAffineExpression(
                [
                    (var, -w * c)
                    for f, w in stage.weights.items()
                    for var, c in form.admit[f].items()
                ]
            )
        )
        start = None if best is None else form.start(best)
        outcome = backend.solve(form.prob, remaining, start=start)
        record = _record(stage, outcome)
        records.append(record)
        if not outcome.has_solution:
            proven = False
            break
        paths, info = form.extract()
        dropped = _repair(instance, paths)
        stats.update(info)
        if dropped:
            stats["repaired"] = sorted({*stats.get("repaired", []), *dropped})
        found = FlowSolution(tuple(paths))
        if best is None or _value(stage.weights, found) >= _value(stage.weights, best):
            best = found
        record["value"] = _value(stage.weights, best)
        if record["bound"] is not None:
            record["bound"] = max(record["bound"], record["value"])
        if stage.fixes is None:
            bound = record["bound"]
        if outcome.status != "optimal" or dropped or info.get("unreadable_paths"):
            proven = False
            break
        if stage.fixes is not None:
            count = sum(1 for f in stage.weights if best.paths[f] is not None)
            form.prob.addConstraint(
                pulp.lpSum(form.admit[f] for f in stage.weights) >= count,
                f"lex_{len(records)}",
            )
    if not records and proven and best is None:  # nothing to admit: rejecting all is optimal
        best = FlowSolution.rejecting_all(instance)
    return best, proven and best is not None, bound


def _record(stage: _Stage, outcome: MilpOutcome) -> dict[str, Any]:
    """Status and upper bound of one solve (the backend minimises the negated objective)."""
    upper = None
    if outcome.bound is not None:
        upper = -outcome.bound
        if stage.integral:
            upper = float(math.floor(upper + 1e-6))
    return {"priority_class": stage.fixes, "status": outcome.status, "bound": upper}


def _finish(
    instance: FlowAdmissionInstance,
    best: FlowSolution | None,
    status: IlpStatus,
    bound: float | None,
    start: float,
    stats: dict[str, Any],
) -> IlpOutcome:
    solution = best if best is not None else FlowSolution.rejecting_all(instance)
    evaluation = evaluate_flows(instance, solution)
    objective = evaluation.objective
    if instance.mode is AdmissionMode.LEXICOGRAPHIC:
        bound = objective if status == "optimal" else None
    elif status == "optimal":
        bound = objective
    elif bound is not None:
        bound = max(bound, objective)
    stats["class_mass"] = evaluation.class_mass
    stats["admitted"] = evaluation.num_admitted
    runtime = time.perf_counter() - start
    outcome = IlpOutcome(solution, status, objective, bound, runtime, stats)
    stats["gap"] = outcome.gap
    return outcome


def _prepare(
    instance: FlowAdmissionInstance,
    time_limit: float | None,
    backend: str | None,
    lexicographic: str,
    warm_start: bool,
) -> tuple[float, float, str, FlowSolution | None, dict[str, Any]]:
    start = time.perf_counter()
    limit = DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
    if not limit > 0:
        raise ValueError(f"time_limit must be positive, got {time_limit!r}")
    name = backend or default_backend()
    if name not in BACKENDS:
        raise ValueError(f"unknown ILP backend {name!r}; choose one of {', '.join(BACKENDS)}")
    if lexicographic not in ("sequential", "weights"):
        raise ValueError(f"lexicographic must be 'sequential' or 'weights', got {lexicographic!r}")
    incumbent = greedy_admission(instance) if warm_start else None
    stats: dict[str, Any] = {
        "backend": name,
        "mode": instance.mode.value,
        "lexicographic": lexicographic if instance.mode is AdmissionMode.LEXICOGRAPHIC else None,
        "time_limit": limit,
        "notes": [],
    }
    if incumbent is not None:
        stats["greedy_objective"] = evaluate_flows(instance, incumbent).objective
    return start, start + limit, name, incumbent, stats


def solve_path_ilp(
    instance: FlowAdmissionInstance,
    *,
    k: int = DEFAULT_K,
    time_limit: float | None = None,
    backend: str | None = None,
    lexicographic: LexicographicMethod = "sequential",
    warm_start: bool = True,
    max_examined: int | None = None,
    seed: int = 0,
) -> IlpOutcome:
    """Solve PFAR with the path formulation over ``k`` candidate paths per flow.

    The MILP optimum is optimal for the problem restricted to the candidate paths (plus the
    greedy paths of the warm start). The status is ``"optimal"`` only when that optimum is proven
    and every flow's candidate set is complete (:func:`enumerate_candidates`), i.e. the
    restricted problem is the full one; otherwise ``"feasible"``, with
    ``stats["restricted_optimal"]`` telling whether the restricted optimum was proven.

    Parameters
    ----------
    instance
        The PFAR instance (``weighted`` or ``lexicographic`` mode).
    k
        Candidate paths per flow.
    time_limit
        Wall-clock seconds for everything (default :data:`DEFAULT_TIME_LIMIT`). Flows reached
        only after it has passed get no candidates beyond their greedy path.
    backend
        ``"highs"`` (default when highspy imports) or ``"cbc"``.
    lexicographic
        ``"sequential"`` or ``"weights"`` (lexicographic mode only; see the module docstring).
    warm_start
        Start from the greedy solution (and add its paths to the candidates).
    max_examined
        Passed to :func:`enumerate_candidates`.
    seed
        Random seed handed to HiGHS.

    Returns
    -------
    IlpOutcome
        The best solution, its status, objective and bound. In ``weighted`` mode the bound is
        the MILP's bound when every candidate set is complete, else the total priority of the
        flows that have a usable path (the restricted bound is in ``stats["restricted_bound"]``).
    """
    start, deadline, name, incumbent, stats = _prepare(
        instance, time_limit, backend, lexicographic, warm_start
    )
    stats["formulation"] = "path"
    stats["k"] = k
    candidates: list[list[Path]] = []
    incomplete: list[int] = []
    added = 0
    for f in range(instance.num_flows):
        if not expired(deadline):
            found = enumerate_candidates(instance, f, k, max_examined=max_examined)
        else:  # out of time (or asked to stop): the flow keeps its greedy path only
            found = CandidatePaths((), False)
        paths = list(found.paths)
        greedy_path = None if incumbent is None else incumbent.paths[f]
        if greedy_path is not None and greedy_path not in paths:
            paths.append(greedy_path)
            added += 1
        candidates.append(paths)
        if not found.complete:
            incomplete.append(f)
    stats["candidate_paths"] = sum(len(p) for p in candidates)
    stats["greedy_paths_added"] = added
    stats["incomplete_flows"] = len(incomplete)
    if expired(deadline):
        stats["notes"].append("time limit or stop request reached while generating candidate paths")
    form = _PathModel(instance, candidates)
    stats.update(form.size())
    stats["build_time"] = time.perf_counter() - start
    best, proven, bound = _run_stages(
        instance,
        form,
        name,
        seed=seed,
        deadline=deadline,
        method=lexicographic,
        incumbent=incumbent,
        stats=stats,
    )
    stats["restricted_optimal"] = proven
    if incomplete:
        stats["notes"].append(
            f"{len(incomplete)} flows have more usable paths than the {k} candidates: the "
            "solution is optimal at most for the restricted problem"
        )
        stats["restricted_bound"] = bound
        reachable = set(incomplete) | {f for f, paths in enumerate(candidates) if paths}
        bound = math.fsum(instance.flows[f].priority for f in reachable)
    status: IlpStatus = "no_solution" if best is None else "feasible"
    if proven and not incomplete:
        status = "optimal"
    return _finish(instance, best, status, bound, start, stats)


def solve_arc_ilp(
    instance: FlowAdmissionInstance,
    *,
    time_limit: float | None = None,
    backend: str | None = None,
    lexicographic: LexicographicMethod = "sequential",
    warm_start: bool = True,
    seed: int = 0,
) -> IlpOutcome:
    """Solve PFAR exactly with the arc-flow formulation.

    Parameters
    ----------
    instance
        The PFAR instance (``weighted`` or ``lexicographic`` mode).
    time_limit
        Wall-clock seconds for everything (default :data:`DEFAULT_TIME_LIMIT`): building the
        model stops when they run out, and then the greedy warm start is returned.
    backend
        ``"highs"`` (default when highspy imports) or ``"cbc"``.
    lexicographic
        ``"sequential"`` or ``"weights"`` (lexicographic mode only; see the module docstring).
    warm_start
        Start from the greedy solution.
    seed
        Random seed handed to HiGHS.

    Returns
    -------
    IlpOutcome
        The best solution; ``"optimal"`` when every MILP was solved to optimality, which is then
        optimal for the full problem.
    """
    start, deadline, name, incumbent, stats = _prepare(
        instance, time_limit, backend, lexicographic, warm_start
    )
    stats["formulation"] = "arc"
    form = _ArcModel(instance, deadline)
    stats["arcs"] = sum(len(x) for x in form.x.values())
    stats.update(form.size())
    stats["build_time"] = time.perf_counter() - start
    best, proven, bound = _run_stages(
        instance,
        form,
        name,
        seed=seed,
        deadline=deadline,
        method=lexicographic,
        incumbent=incumbent,
        stats=stats,
    )
    status: IlpStatus = "optimal" if proven else "feasible" if best is not None else "no_solution"
    return _finish(instance, best, status, bound, start, stats)
