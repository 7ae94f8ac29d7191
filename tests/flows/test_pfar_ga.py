"""Tests for the PFAR genetic algorithm."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from vrpsolve.flows.ga import _candidate_lists, _Encoding, genetic_admission
from vrpsolve.flows.generator import TOPOLOGY_KINDS, generate_instance
from vrpsolve.flows.greedy import greedy_admission
from vrpsolve.flows.model import (
    Flow,
    FlowAdmissionInstance,
    FlowSolution,
    Link,
    evaluate_flows,
)

MODES = ("weighted", "lexicographic")


def brute_force_key(instance: FlowAdmissionInstance) -> tuple[float, ...]:
    """The best evaluator key over every choice of a simple path or rejection per flow."""
    graph = instance.to_networkx()
    options = [
        [None, *(tuple(p) for p in nx.all_simple_paths(graph, f.source, f.target))]
        for f in instance.flows
    ]
    return max(
        evaluate_flows(instance, FlowSolution(choice)).key()
        for choice in itertools.product(*options)
    )


@pytest.mark.parametrize("kind", TOPOLOGY_KINDS)
@pytest.mark.parametrize("mode", MODES)
def test_feasible_on_generated_instances(kind: str, mode: str) -> None:
    """Solutions are feasible, with and without hop and delay limits, in both modes."""
    for slack in (None, 1):
        instance = generate_instance(
            kind,  # type: ignore[arg-type]
            12,
            60,
            seed=2,
            mode=mode,
            demand_range=(200, 2000),
            hop_slack=slack,
            delay_slack=None if slack is None else 0.3,
        )
        outcome = genetic_admission(instance, time_limit=0.5, max_generations=5, seed=1)
        result = evaluate_flows(instance, outcome.solution)
        assert result.feasible, result.violations
        assert outcome.objective == result.objective
        assert 0 < result.num_admitted < instance.num_flows


@pytest.mark.parametrize("mode", MODES)
def test_never_worse_than_greedy(mode: str) -> None:
    """The best key is at least greedy's on loaded instances of every topology kind."""
    for kind in TOPOLOGY_KINDS:
        instance = generate_instance(kind, 15, 80, seed=4, mode=mode, demand_range=(300, 3000))  # type: ignore[arg-type]
        greedy = evaluate_flows(instance, greedy_admission(instance)).key()
        outcome = genetic_admission(instance, time_limit=0.5, max_generations=5, seed=0)
        assert evaluate_flows(instance, outcome.solution).key() >= greedy


def test_reproducible_with_seed_and_generation_cap() -> None:
    """The same seed and generation cap give the same solution and improvement history."""
    instance = generate_instance("waxman", 15, 80, seed=5, demand_range=(300, 3000))
    runs = [genetic_admission(instance, max_generations=8, seed=3) for _ in range(2)]
    assert runs[0].solution == runs[1].solution
    assert runs[0].generations == runs[1].generations == 8
    assert [h[::2] for h in runs[0].history] == [h[::2] for h in runs[1].history]


@pytest.mark.parametrize(("kind", "nodes", "seed"), [("grid", 4, 3), ("barabasi_albert", 5, 5)])
@pytest.mark.parametrize("mode", MODES)
def test_reaches_brute_force_optimum(kind: str, nodes: int, seed: int, mode: str) -> None:
    """On five-flow instances where greedy falls short, the GA finds the brute-force optimum."""
    instance = generate_instance(
        kind,  # type: ignore[arg-type]
        nodes,
        5,
        seed=seed,
        mode=mode,
        link_speeds=(1000,),
        demand_range=(300, 1000),
    )
    best = brute_force_key(instance)
    assert evaluate_flows(instance, greedy_admission(instance)).key() < best
    outcome = genetic_admission(instance, k=10, population=20, max_generations=30, seed=0)
    assert evaluate_flows(instance, outcome.solution).key() == best


def bottleneck(mode: str) -> FlowAdmissionInstance:
    """One link of capacity 10: five priority-1 flows of demand 2, one priority-4 flow of 10."""
    flows = [Flow("S", "T", 2, priority=1) for _ in range(5)] + [Flow("S", "T", 10, priority=4)]
    return FlowAdmissionInstance("bottleneck", ("S", "T"), (Link("S", "T", 10),), flows, mode)


def test_lexicographic_mode_respects_priority() -> None:
    """At a bottleneck, lexicographic mode admits the high flow and weighted mode the five low."""
    strict = genetic_admission(bottleneck("lexicographic"), max_generations=10, seed=0)
    assert strict.solution.admitted == (5,)
    weighted = genetic_admission(bottleneck("weighted"), max_generations=10, seed=0)
    assert weighted.solution.admitted == (0, 1, 2, 3, 4)
    assert weighted.objective == 5


@pytest.mark.parametrize("mode", MODES)
def test_fast_fitness_matches_evaluator(mode: str) -> None:
    """Decoded random chromosomes are feasible and their vectorised keys equal the evaluator's."""
    instance = generate_instance("barabasi_albert", 12, 50, seed=6, mode=mode, hop_slack=1)
    greedy = greedy_admission(instance)
    encoding = _Encoding(instance, _candidate_lists(instance, greedy, 4, None))
    rng = np.random.default_rng(0)
    genes = rng.integers(-1, encoding.num_candidates[None, :], size=(20, instance.num_flows))
    assert encoding.decode(genes)
    keys, objectives = encoding.keys(genes), encoding.objectives(genes)
    for row, key, objective in zip(genes, keys, objectives, strict=True):
        result = evaluate_flows(instance, encoding.solution(row))
        assert result.feasible, result.violations
        assert tuple(key[:-1]) == pytest.approx(result.key()[1:])
        assert objective == pytest.approx(result.objective)


def test_hard_instances_do_not_raise() -> None:
    """No flows, unreachable targets, impossible hop limits and a zero time limit all work."""
    links = (Link("A", "B", 5), Link("B", "C", 5))
    flows = (
        Flow("A", "C", 3, priority=2),
        Flow("C", "A", 1),
        Flow("A", "D", 1),
        Flow("A", "C", 1, max_hops=1),
        Flow("A", "B", 4),
    )
    instance = FlowAdmissionInstance("hard", ("A", "B", "C", "D"), links, flows)
    for time_limit in (0.0, 0.5):
        outcome = genetic_admission(instance, time_limit=time_limit, max_generations=5)
        assert evaluate_flows(instance, outcome.solution).feasible
        assert outcome.objective == 2
    empty = FlowAdmissionInstance("empty", ("A", "B"), (Link("A", "B", 1),))
    outcome = genetic_admission(empty, max_generations=3)
    assert outcome.solution.paths == ()
    assert outcome.objective == 0
