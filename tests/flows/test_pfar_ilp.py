"""Tests for the exact PFAR integer programs (path and arc-flow formulations)."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from typing import Any

import networkx as nx
import pulp
import pytest

from vrpsolve.flows.generator import generate_instance
from vrpsolve.flows.greedy import greedy_admission
from vrpsolve.flows.ilp import (
    IlpOutcome,
    _ArcModel,
    _repair,
    candidate_paths,
    enumerate_candidates,
    solve_arc_ilp,
    solve_path_ilp,
)
from vrpsolve.flows.model import (
    Flow,
    FlowAdmissionInstance,
    FlowEvaluation,
    Link,
    Path,
    evaluate_flows,
    within,
)

Solver = Callable[..., IlpOutcome]
SOLVERS: list[Solver] = [solve_arc_ilp, solve_path_ilp]


def checked(instance: FlowAdmissionInstance, outcome: IlpOutcome) -> FlowEvaluation:
    """The evaluation of an outcome's solution, which must be feasible and match its objective."""
    result = evaluate_flows(instance, outcome.solution)
    assert result.feasible, result.violations
    assert math.isclose(result.objective, outcome.objective)
    return result


def tiny(
    kind: str = "grid",
    num_nodes: int = 6,
    seed: int = 0,
    mode: str = "weighted",
    num_flows: int = 5,
    **limits: Any,
) -> FlowAdmissionInstance:
    """A small generated instance whose capacities bind (1 and 2 Gbit/s links, large demands)."""
    return generate_instance(
        kind,  # type: ignore[arg-type]
        num_nodes,
        num_flows,
        seed=seed,
        mode=mode,
        link_speeds=(1000.0, 2000.0),
        demand_range=(400, 1000),
        priority_shares={1: 0.5, 2: 0.5},
        **limits,
    )


TIGHT: dict[str, Any] = {"hop_slack": 1, "delay_slack": 0.3}
BRUTE_FORCE_CASES: list[tuple[str, int, int, dict[str, Any]]] = [
    ("grid", 6, 0, {}),
    ("grid", 6, 6, {}),
    ("grid", 6, 12, {}),
    ("grid", 5, 17, {}),
    ("waxman", 5, 0, {}),
    ("barabasi_albert", 6, 1, {}),
    ("grid", 6, 2, TIGHT),
    ("grid", 5, 3, TIGHT),
    ("grid", 6, 29, {"hop_slack": 0}),
]
"""Tiny instances (kind, nodes, seed, limits) for brute force; greedy misses the optimum on most."""


def all_paths(instance: FlowAdmissionInstance, f: int) -> list[Path]:
    """Every simple path of flow ``f`` within its limits through links that hold its demand."""
    flow = instance.flows[f]
    graph = nx.DiGraph()
    for link in instance.links:
        if within(flow.demand, link.capacity):
            graph.add_edge(link.source, link.target, delay=link.delay)
    if flow.source not in graph or flow.target not in graph:
        return []
    paths = []
    for path in nx.all_simple_paths(graph, flow.source, flow.target, cutoff=flow.max_hops):
        delay = math.fsum(graph[u][v]["delay"] for u, v in itertools.pairwise(path))
        if flow.max_delay is None or within(delay, flow.max_delay):
            paths.append(tuple(path))
    return paths


def brute_force(instance: FlowAdmissionInstance) -> tuple[float, ...]:
    """The best evaluator key over all admission and path choices (depth-first, capacity-pruned)."""
    options = [all_paths(instance, f) for f in range(instance.num_flows)]
    assert math.prod(len(o) + 1 for o in options) < 200_000, "instance too big to enumerate"
    links = {(link.source, link.target): k for k, link in enumerate(instance.links)}
    load = [0.0] * instance.num_links
    chosen: list[Path | None] = []
    best: tuple[float, ...] = ()
    classes = instance.priority_classes

    def key() -> tuple[float, ...]:
        admitted = [instance.flows[f].priority for f, p in enumerate(chosen) if p is not None]
        if instance.mode.value == "weighted":
            return (1.0, math.fsum(admitted))
        return (1.0, *(c * admitted.count(c) for c in classes))

    def search(f: int) -> None:
        nonlocal best
        if f == instance.num_flows:
            best = max(best, key())
            return
        chosen.append(None)
        search(f + 1)
        chosen.pop()
        demand = instance.flows[f].demand
        for path in options[f]:
            used = [links[u, v] for u, v in itertools.pairwise(path)]
            if all(within(load[j] + demand, instance.links[j].capacity) for j in used):
                for j in used:
                    load[j] += demand
                chosen.append(path)
                search(f + 1)
                chosen.pop()
                for j in used:
                    load[j] -= demand

    search(0)
    return best


def test_candidate_paths_shortest_first_within_limits() -> None:
    """Candidates come by delay, skip thin links and keep the hop and delay limits."""
    links = (
        Link("A", "B", 10, 1.0),
        Link("B", "D", 10, 1.0),
        Link("A", "C", 10, 1.0),
        Link("C", "D", 10, 2.0),
        Link("A", "D", 10, 5.0),
        Link("B", "C", 1, 0.0),
    )
    flows = (Flow("A", "D", 5), Flow("A", "D", 5, max_delay=3.0), Flow("A", "D", 5, max_hops=1))
    instance = FlowAdmissionInstance("paths", "ABCD", links, flows)
    assert candidate_paths(instance, 0, 5) == [("A", "B", "D"), ("A", "C", "D"), ("A", "D")]
    assert candidate_paths(instance, 0, 2) == [("A", "B", "D"), ("A", "C", "D")]
    assert candidate_paths(instance, 1, 5) == [("A", "B", "D"), ("A", "C", "D")]
    assert candidate_paths(instance, 2, 5) == [("A", "D")]


def test_candidate_set_completeness() -> None:
    """A candidate set is complete exactly when no usable path is left out."""
    instance = tiny(seed=1, num_flows=8)
    for f in range(instance.num_flows):
        every = all_paths(instance, f)
        full = enumerate_candidates(instance, f, len(every) + 1)
        assert full.complete and sorted(full.paths) == sorted(every)
        if len(every) > 1:
            assert not enumerate_candidates(instance, f, len(every) - 1).complete


@pytest.mark.parametrize("mode", ["weighted", "lexicographic"])
@pytest.mark.parametrize(("kind", "num_nodes", "seed", "limits"), BRUTE_FORCE_CASES)
def test_formulations_match_brute_force(
    kind: str, num_nodes: int, seed: int, limits: dict[str, Any], mode: str
) -> None:
    """Arc and path ILPs reach the brute-force optimum on tiny instances and prove it."""
    instance = tiny(kind, num_nodes, seed, mode, **limits)
    best = brute_force(instance)
    arc = solve_arc_ilp(instance, time_limit=20)
    path = solve_path_ilp(instance, k=50, time_limit=20)
    for outcome in (arc, path):
        assert outcome.status == "optimal", outcome.stats
        assert checked(instance, outcome).key() == best
        if mode == "weighted":
            assert outcome.bound == outcome.objective and outcome.gap == 0


def test_brute_force_cases_beat_greedy() -> None:
    """Most brute-force cases are ones where greedy misses the optimum (so the check has teeth)."""
    misses = 0
    for kind, num_nodes, seed, limits in BRUTE_FORCE_CASES:
        instance = tiny(kind, num_nodes, seed, **limits)
        misses += evaluate_flows(instance, greedy_admission(instance)).key() < brute_force(instance)
    assert misses >= len(BRUTE_FORCE_CASES) // 2


@pytest.mark.parametrize("seed", range(3))
def test_without_warm_start(seed: int) -> None:
    """Without the greedy MIP start both formulations still reach the optimum."""
    instance = tiny(seed=seed, mode="lexicographic", num_flows=8)
    keys = set()
    for solve in SOLVERS:
        outcome = solve(instance, time_limit=20, warm_start=False)
        assert outcome.status == "optimal"
        keys.add(checked(instance, outcome).key())
    assert len(keys) == 1


def test_path_ilp_with_few_candidates_is_not_claimed_optimal() -> None:
    """With k below the number of paths the optimum holds only for the restricted problem."""
    instance = tiny(seed=6)
    outcome = solve_path_ilp(instance, k=1, time_limit=20, warm_start=False)
    checked(instance, outcome)
    assert outcome.status == "feasible"
    assert outcome.stats["restricted_optimal"] is True
    assert outcome.stats["incomplete_flows"] > 0
    assert outcome.bound is not None and outcome.bound >= brute_force(instance)[1]


def bottleneck(mode: str) -> FlowAdmissionInstance:
    """One link of capacity 10: a priority-4 flow of demand 10 against five priority-1 flows."""
    low = [Flow("S", "T", 2, priority=1) for _ in range(5)]
    return FlowAdmissionInstance(
        "bottleneck",
        ("S", "T"),
        (Link("S", "T", 10),),
        (*low, Flow("S", "T", 10, priority=4)),
        mode,
    )


@pytest.mark.parametrize("solve", SOLVERS)
def test_lexicographic_never_trades_a_higher_flow(solve: Solver) -> None:
    """Strict priority admits the high flow alone; weighted mode prefers the five low ones."""
    weighted = solve(bottleneck("weighted"), time_limit=20)
    assert weighted.solution.admitted == (0, 1, 2, 3, 4) and weighted.objective == 5
    for method in ("sequential", "weights"):
        instance = bottleneck("lexicographic")
        outcome = solve(instance, time_limit=20, lexicographic=method)
        assert outcome.status == "optimal"
        assert outcome.solution.admitted == (5,)
        assert checked(instance, outcome).class_mass == (4.0, 0.0)


@pytest.mark.parametrize("solve", SOLVERS)
@pytest.mark.parametrize("seed", range(3))
def test_lexicographic_methods_agree(solve: Solver, seed: int) -> None:
    """Sequential solves and exact weights give the same class masses on generated instances."""
    instance = tiny(seed=seed, mode="lexicographic", num_flows=12)
    options = {"k": 50} if solve is solve_path_ilp else {}
    keys = []
    for method in ("sequential", "weights"):
        outcome = solve(instance, time_limit=20, lexicographic=method, **options)
        assert outcome.status == "optimal"
        keys.append(checked(instance, outcome).key())
    assert keys[0] == keys[1]


def test_lexicographic_weights_fall_back_when_too_large() -> None:
    """With very many priority classes the weights method solves sequentially and says so."""
    flows = [Flow("S", "T", 1, priority=p + 1) for p in range(40)]
    instance = FlowAdmissionInstance(
        "classes", ("S", "T"), (Link("S", "T", 25),), flows, "lexicographic"
    )
    outcome = solve_arc_ilp(instance, time_limit=20, lexicographic="weights")
    assert outcome.stats["lexicographic"] == "sequential"
    assert any("sequentially" in note for note in outcome.stats["notes"])
    assert outcome.status == "optimal"
    assert outcome.solution.admitted == tuple(range(15, 40))


@pytest.mark.parametrize("mode", ["weighted", "lexicographic"])
@pytest.mark.parametrize("solve", SOLVERS)
def test_at_least_greedy(solve: Solver, mode: str) -> None:
    """The ILPs never do worse than greedy under the evaluator's key, and sometimes better."""
    better = 0
    for seed in range(4):
        instance = tiny(seed=seed, mode=mode, num_flows=15)
        greedy = evaluate_flows(instance, greedy_admission(instance))
        result = checked(instance, solve(instance, time_limit=20))
        assert result.key() >= greedy.key()
        better += result.key() > greedy.key()
    assert better > 0


def detour(max_hops: int | None = None, max_delay: float | None = None) -> FlowAdmissionInstance:
    """A direct link S -> T (delay 1) that a one-hop flow fills, beside a detour of delay 4."""
    links = (Link("S", "T", 10, 1.0), Link("S", "M", 10, 2.0), Link("M", "T", 10, 2.0))
    flows = (
        Flow("S", "T", 10, priority=2, max_hops=1),
        Flow("S", "T", 10, priority=1, max_hops=max_hops, max_delay=max_delay),
    )
    return FlowAdmissionInstance("detour", ("S", "M", "T"), links, flows)


@pytest.mark.parametrize("solve", SOLVERS)
def test_hop_and_delay_limits(solve: Solver) -> None:
    """A flow whose only free route breaks its hop or delay limit is rejected, else detoured."""
    for instance in (detour(), detour(max_hops=2, max_delay=4.0)):
        outcome = solve(instance, time_limit=20)
        assert outcome.status == "optimal" and outcome.objective == 3
        assert checked(instance, outcome).hops == (1, 2)
    for instance in (detour(max_hops=1), detour(max_delay=3.5)):
        outcome = solve(instance, time_limit=20)
        assert outcome.status == "optimal" and outcome.objective == 2
        assert checked(instance, outcome).admitted == (0,)


@pytest.mark.parametrize("solve", SOLVERS)
def test_limits_kept_on_generated_instances(solve: Solver) -> None:
    """With tight generated hop and delay limits every admitted path keeps them."""
    instance = tiny("waxman", 8, seed=4, num_flows=12, hop_slack=0, delay_slack=0.1)
    result = checked(instance, solve(instance, time_limit=20))
    for f in result.admitted:
        flow = instance.flows[f]
        assert flow.max_hops is not None and flow.max_delay is not None
        assert result.hops[f] <= flow.max_hops  # type: ignore[operator]
        assert within(result.delays[f], flow.max_delay)  # type: ignore[arg-type]


def cbc_available() -> bool:
    """Whether PuLP's bundled CBC runs here."""
    try:
        with warnings.catch_warnings():  # PuLP 3.3 announces PULP_CBC_CMD's removal in 4.0
            warnings.simplefilter("ignore", DeprecationWarning)
            return bool(pulp.PULP_CBC_CMD(msg=False).available())
    except Exception:
        return False


@pytest.mark.skipif(not cbc_available(), reason="PuLP's CBC is not available")
@pytest.mark.parametrize("mode", ["weighted", "lexicographic"])
def test_cbc_backend(mode: str) -> None:
    """The CBC backend reaches the same optimum as brute force in both formulations."""
    instance = tiny(seed=6, mode=mode)
    best = brute_force(instance)
    for solve in SOLVERS:
        outcome = solve(instance, time_limit=20, backend="cbc")
        assert outcome.stats["backend"] == "cbc"
        assert outcome.status == "optimal"
        assert checked(instance, outcome).key() == best


@pytest.mark.parametrize("solve", SOLVERS)
def test_time_limit_returns_a_feasible_solution(solve: Solver) -> None:
    """A time limit too short to solve anything still returns a feasible (greedy) solution."""
    instance = generate_instance("waxman", 25, 120, seed=5, demand_range=(500, 3000))
    outcome = solve(instance, time_limit=1e-4)
    assert outcome.status == "feasible"
    greedy = evaluate_flows(instance, greedy_admission(instance))
    assert checked(instance, outcome).key() >= greedy.key()
    assert outcome.bound is None or outcome.bound >= outcome.objective


def test_arc_extraction_drops_cycles() -> None:
    """Chosen links forming a cycle beside the path are dropped when reading the path."""
    links = [Link(u, v, 10) for u, v in ("SA", "AT", "AB", "BC", "CB", "BT")]
    instance = FlowAdmissionInstance("cycle", "SABCT", links, (Flow("S", "T", 1),))
    model = _ArcModel(instance)
    model.y[0].varValue = 1.0
    chosen = {instance.link_index(u, v) for u, v in ("SA", "AT", "BC", "CB")}
    for j, var in model.x[0].items():
        var.varValue = 1.0 if j in chosen else 0.0
    paths, info = model.extract()
    assert paths == [("S", "A", "T")]
    assert info["cycle_links_dropped"] == 2


def test_repair_rejects_lowest_priority_on_overload() -> None:
    """An overloaded link loses its lowest-priority flow first."""
    flows = (Flow("S", "T", 6, priority=3), Flow("S", "T", 6, priority=1))
    instance = FlowAdmissionInstance("over", ("S", "T"), (Link("S", "T", 10),), flows)
    paths: list[Path | None] = [("S", "T"), ("S", "T")]
    assert _repair(instance, paths) == [1]
    assert paths == [("S", "T"), None]


def test_bad_arguments() -> None:
    """Unknown backends, lexicographic methods, k and time limits are refused."""
    instance = bottleneck("weighted")
    with pytest.raises(ValueError, match="backend"):
        solve_arc_ilp(instance, backend="gurobi")
    with pytest.raises(ValueError, match="lexicographic"):
        solve_arc_ilp(instance, lexicographic="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="time_limit"):
        solve_path_ilp(instance, time_limit=0)
    with pytest.raises(ValueError, match="k must be positive"):
        solve_path_ilp(instance, k=0)
