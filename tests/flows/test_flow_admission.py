"""Tests for the PFAR instance, its validation and the evaluator."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from vrpsolve.flows.model import (
    AdmissionMode,
    Flow,
    FlowAdmissionInstance,
    FlowSolution,
    Link,
    evaluate_flows,
)


def diamond(flows: tuple[Flow, ...], mode: str = "weighted") -> FlowAdmissionInstance:
    """A -> B -> D and A -> C -> D, capacity 10 each; the lower route is slower."""
    links = (
        Link("A", "B", 10, delay=1),
        Link("B", "D", 10, delay=1),
        Link("A", "C", 10, delay=3),
        Link("C", "D", 10, delay=3),
        Link("D", "A", 10, delay=1),
    )
    return FlowAdmissionInstance("diamond", ("A", "B", "C", "D"), links, flows, mode)


def kinds(instance: FlowAdmissionInstance, paths: list) -> list[str]:
    return [v.kind for v in evaluate_flows(instance, FlowSolution(tuple(paths))).violations]


def test_feasible_solution_objective_and_loads() -> None:
    """A feasible solution: objective sums admitted priorities, loads and utilisation per link."""
    inst = diamond((Flow("A", "D", 6, 3), Flow("A", "D", 6, 2), Flow("B", "A", 1, 5)))
    result = evaluate_flows(inst, FlowSolution((("A", "B", "D"), ("A", "C", "D"), None)))
    assert result.feasible
    assert result.objective == 5
    assert result.admitted == (0, 1)
    assert result.admitted_demand == 12
    np.testing.assert_allclose(result.link_load, [6, 6, 6, 6, 0])
    np.testing.assert_allclose(result.utilisation, [0.6, 0.6, 0.6, 0.6, 0])
    assert result.hops == (2, 2, None)
    assert result.delays == (2, 6, None)
    assert result.classes == (5, 3, 2)
    assert result.class_admitted == (0, 1, 1)
    assert result.class_mass == (0, 3, 2)


def test_capacity_violation_names_the_link() -> None:
    """Two flows over one link beyond its capacity give a capacity violation naming the link."""
    inst = diamond((Flow("A", "D", 6, 1), Flow("A", "D", 6, 1)))
    result = evaluate_flows(inst, FlowSolution((("A", "B", "D"), ("A", "B", "D"))))
    assert [(v.kind, v.link) for v in result.violations] == [("capacity", 0), ("capacity", 1)]
    assert result.penalised_objective == -math.inf


def test_capacity_tolerance() -> None:
    """A load equal to the capacity is feasible; a load clearly above it is not."""
    assert kinds(diamond((Flow("A", "D", 10, 1),)), [("A", "B", "D")]) == []
    assert kinds(diamond((Flow("A", "D", 10.0001, 1),)), [("A", "B", "D")]) == [
        "capacity",
        "capacity",
    ]


def test_endpoint_violations() -> None:
    """A path that does not start at the source or end at the target, or is too short."""
    inst = diamond((Flow("A", "D", 1, 1),))
    assert kinds(inst, [("B", "D")]) == ["endpoints"]
    assert kinds(inst, [("A", "B")]) == ["endpoints"]
    assert kinds(inst, [("A",)]) == ["endpoints"]
    assert kinds(inst, [()]) == ["endpoints"]


def test_unknown_node_and_missing_link() -> None:
    """Unknown nodes and hops that are not links are each reported with the flow index."""
    inst = diamond((Flow("A", "D", 1, 1),))
    result = evaluate_flows(inst, FlowSolution((("A", "X", "D"),)))
    assert [(v.kind, v.flow) for v in result.violations] == [("unknown_node", 0)]
    assert kinds(inst, [("A", "D")]) == ["missing_link"]
    assert kinds(inst, [("A", "B", "C", "D")]) == ["missing_link"]


def test_repeated_node() -> None:
    """A path that visits a node twice is reported."""
    inst = diamond((Flow("A", "D", 1, 1),))
    assert kinds(inst, [("A", "B", "D", "A", "B", "D")]) == ["repeated_node"] * 3


def test_hop_and_delay_limits() -> None:
    """Paths beyond a flow's hop or delay limit are reported; paths within them are not."""
    inst = diamond((Flow("A", "D", 1, 1, max_hops=1), Flow("A", "D", 1, 1, max_delay=2)))
    assert kinds(inst, [("A", "B", "D"), ("A", "B", "D")]) == ["hop_limit"]
    assert kinds(inst, [None, ("A", "C", "D")]) == ["delay_limit"]


def test_solution_size() -> None:
    """A solution with the wrong number of entries is reported; missing entries are rejections."""
    inst = diamond((Flow("A", "D", 1, 1), Flow("A", "D", 1, 1)))
    result = evaluate_flows(inst, FlowSolution((("A", "B", "D"),)))
    assert [v.kind for v in result.violations] == ["solution_size"]
    assert result.admitted == (0,)


def test_weighted_key_prefers_more_priority() -> None:
    """In weighted mode two low-priority flows beat one higher-priority flow worth less."""
    flows = (Flow("A", "D", 10, 3), Flow("A", "D", 10, 2), Flow("A", "D", 10, 2))
    inst = diamond(flows, "weighted")
    high = evaluate_flows(inst, FlowSolution((("A", "B", "D"), None, None)))
    lows = evaluate_flows(inst, FlowSolution((None, ("A", "B", "D"), ("A", "C", "D"))))
    assert lows.key() > high.key()


def test_lexicographic_key_prefers_higher_class() -> None:
    """In lexicographic mode one higher-priority flow beats any number of lower ones."""
    flows = (Flow("A", "D", 10, 3), Flow("A", "D", 10, 2), Flow("A", "D", 10, 2))
    inst = diamond(flows, "lexicographic")
    high = evaluate_flows(inst, FlowSolution((("A", "B", "D"), None, None)))
    lows = evaluate_flows(inst, FlowSolution((None, ("A", "B", "D"), ("A", "C", "D"))))
    assert high.key() > lows.key()
    assert high.key() == (1.0, 3.0, 0.0)
    assert lows.objective > high.objective


def test_infeasible_key_below_feasible() -> None:
    """Every feasible solution sorts above every infeasible one, in both modes."""
    for mode in AdmissionMode:
        inst = diamond((Flow("A", "D", 6, 5), Flow("A", "D", 6, 5)), mode)
        empty = evaluate_flows(inst, FlowSolution.rejecting_all(inst))
        over = evaluate_flows(inst, FlowSolution((("A", "B", "D"), ("A", "B", "D"))))
        assert empty.feasible and not over.feasible
        assert empty.key() > over.key()


def test_instance_lookups_and_networkx_view() -> None:
    """successors, link_index, out_links and the DiGraph view agree with the links."""
    inst = diamond(())
    assert inst.successors("A") == ("B", "C")
    assert inst.link_index("C", "D") == 3
    assert inst.out_links("D") == (4,)
    with pytest.raises(KeyError):
        inst.link_index("D", "C")
    graph = inst.to_networkx()
    assert isinstance(graph, nx.DiGraph)
    assert graph.number_of_edges() == 5
    assert graph.edges["A", "C"] == {"capacity": 10.0, "delay": 3.0, "index": 2}


def test_node_count() -> None:
    """An integer node count gives nodes 0..n-1."""
    inst = FlowAdmissionInstance("n", 3, (Link(0, 1, 1), Link(1, 2, 1)), (Flow(0, 2, 1, 1),))
    assert inst.nodes == (0, 1, 2)
    assert evaluate_flows(inst, FlowSolution(((0, 1, 2),))).feasible


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Link("A", "B", 0), "capacity must be positive"),
        (lambda: Link("A", "B", -1), "capacity must be positive"),
        (lambda: Link("A", "A", 1), "self-loop"),
        (lambda: Link("A", "B", 1, delay=-1), "delay"),
        (lambda: Flow("A", "B", -1, 1), "demand"),
        (lambda: Flow("A", "B", 1, -1), "priority"),
        (lambda: Flow("A", "A", 1, 1), "same node"),
        (lambda: Flow("A", "B", 1, 1, max_hops=0), "max_hops"),
        (lambda: Flow("A", "B", 1, 1, max_delay=-2), "max_delay"),
    ],
)
def test_link_and_flow_validation(make, message: str) -> None:
    """Bad link and flow fields raise ValueError naming the field."""
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"links": (Link("A", "X", 1),)}, r"links\[0\]\.target: unknown node 'X'"),
        ({"links": (Link("A", "B", 1), Link("A", "B", 2))}, r"links\[1\]: parallel link"),
        ({"flows": (Flow("Y", "A", 1, 1),)}, r"flows\[0\]\.source: unknown node 'Y'"),
        ({"nodes": ("A", "B", "A")}, r"nodes\[2\]: duplicate node 'A'"),
        ({"nodes": 0}, "node count must be positive"),
        ({"mode": "fifo"}, "mode must be"),
    ],
)
def test_instance_validation(kwargs: dict, message: str) -> None:
    """Inconsistent instances raise ValueError naming the field and index."""
    fields: dict = {"name": "x", "nodes": ("A", "B"), "links": (), "flows": ()}
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        FlowAdmissionInstance(**fields)
