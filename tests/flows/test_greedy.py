"""Tests for the greedy PFAR baseline."""

from __future__ import annotations

import pytest

from vrpsolve.flows.generator import TOPOLOGY_KINDS, generate_instance
from vrpsolve.flows.greedy import admission_order, greedy_admission
from vrpsolve.flows.model import (
    Flow,
    FlowAdmissionInstance,
    FlowSolution,
    Link,
    evaluate_flows,
)


@pytest.mark.parametrize("kind", TOPOLOGY_KINDS)
@pytest.mark.parametrize("od", ["uniform", "gravity"])
def test_feasible_on_generated_instances(kind: str, od: str) -> None:
    """Greedy solutions are feasible under the evaluator and admit only part of a heavy load."""
    for seed in range(2):
        instance = generate_instance(
            kind,  # type: ignore[arg-type]
            15,
            80,
            seed=seed,
            od=od,  # type: ignore[arg-type]
            demand_range=(200, 2000),
        )
        result = evaluate_flows(instance, greedy_admission(instance))
        assert result.feasible, result.violations
        assert 0 < result.num_admitted < instance.num_flows


@pytest.mark.parametrize("kind", TOPOLOGY_KINDS)
def test_feasible_with_hop_and_delay_limits(kind: str) -> None:
    """With tight hop and delay limits every admitted path keeps them."""
    instance = generate_instance(kind, 12, 60, seed=3, hop_slack=0, delay_slack=0.2)  # type: ignore[arg-type]
    result = evaluate_flows(instance, greedy_admission(instance))
    assert result.feasible, result.violations
    assert result.num_admitted > 0


@pytest.mark.parametrize("kind", TOPOLOGY_KINDS)
def test_huge_capacities_admit_everything(kind: str) -> None:
    """When capacities dwarf the demands every flow is admitted."""
    instance = generate_instance(kind, 15, 100, seed=1, link_speeds=(1e9,))  # type: ignore[arg-type]
    result = evaluate_flows(instance, greedy_admission(instance))
    assert result.feasible
    assert result.num_admitted == instance.num_flows


def bottleneck(mode: str = "weighted") -> FlowAdmissionInstance:
    """A single link S -> T of capacity 10; a low-priority flow comes first in the list."""
    return FlowAdmissionInstance(
        "bottleneck",
        ("S", "T"),
        (Link("S", "T", 10),),
        (Flow("S", "T", 8, priority=1), Flow("S", "T", 8, priority=4)),
        mode,
    )


def test_high_priority_wins_bottleneck() -> None:
    """The high-priority flow takes the bottleneck and the earlier low-priority one is rejected."""
    solution = greedy_admission(bottleneck())
    assert solution == FlowSolution((None, ("S", "T")))
    assert evaluate_flows(bottleneck(), solution).objective == 4


def test_detour_when_shortest_path_is_full() -> None:
    """A lower-priority flow takes the longer route when the short one is used up."""
    instance = FlowAdmissionInstance(
        "detour",
        ("A", "B", "C"),
        (Link("A", "C", 5, delay=1), Link("A", "B", 5, delay=1), Link("B", "C", 5, delay=1)),
        (Flow("A", "C", 5, 1), Flow("A", "C", 5, 2), Flow("A", "C", 5, 1, max_hops=1)),
    )
    solution = greedy_admission(instance)
    assert solution.paths == (("A", "B", "C"), ("A", "C"), None)
    assert evaluate_flows(instance, solution).feasible


def test_fewest_hops_without_delays() -> None:
    """On a network without delays the path with the fewest hops is chosen."""
    instance = FlowAdmissionInstance(
        "hops",
        4,
        (Link(0, 1, 1), Link(1, 2, 1), Link(2, 3, 1), Link(0, 3, 1)),
        (Flow(0, 3, 1, 1),),
    )
    assert greedy_admission(instance).paths == ((0, 3),)


def test_hop_limit_trades_delay() -> None:
    """A hop limit makes the greedy take a slower but shorter path."""
    instance = FlowAdmissionInstance(
        "trade",
        4,
        (Link(0, 1, 9, 1), Link(1, 2, 9, 1), Link(2, 3, 9, 1), Link(0, 3, 9, 10)),
        (Flow(0, 3, 1, 1), Flow(0, 3, 1, 1, max_hops=2), Flow(0, 3, 1, 1, max_delay=5)),
    )
    assert greedy_admission(instance).paths == ((0, 1, 2, 3), (0, 3), (0, 1, 2, 3))


def test_admission_order() -> None:
    """Order is priority first, then priority per unit demand, then index; zero demand first."""
    instance = FlowAdmissionInstance(
        "order",
        ("S", "T"),
        (Link("S", "T", 1),),
        (Flow("S", "T", 4, 2), Flow("S", "T", 2, 2), Flow("S", "T", 1, 1), Flow("S", "T", 0, 2)),
    )
    assert admission_order(instance) == [3, 1, 0, 2]
