"""graph-greedy, graph-beam and graph-learned through vrpsolve.solve, judged by evaluate_search."""

from __future__ import annotations

import dataclasses

import pytest

from vrpsolve.core.errors import InputError, InvalidOptionError, UnsupportedInstanceError
from vrpsolve.core.registry import choose_auto, solvers_supporting
from vrpsolve.core.solver import Status
from vrpsolve.graphs.search.algorithms import SimilarityGraph
from vrpsolve.graphs.search.build import build_nsw
from vrpsolve.graphs.search.datasets import clustered_gaussians
from vrpsolve.graphs.search.learned import (
    RoutingConfig,
    graph_fingerprint,
    save_checkpoint,
    train_routing,
)
from vrpsolve.graphs.search.model import SearchSolution, evaluate_search
from vrpsolve.report import result_record
from vrpsolve.solve import solve


@pytest.fixture(scope="module")
def setting():
    data = clustered_gaussians(1200, 60, 80, dim=16, clusters=6, intrinsic_dim=5, seed=9)
    graph = build_nsw(data.base, m=6, ef_construction=24)
    return data, graph, data.instance(graph, budget=64, name="toy")


def test_graph_solvers_are_judged_by_the_search_evaluator(setting):
    """Each classical graph solver's result carries evaluate_search's verdict and its stats."""
    _, _, instance = setting
    recall = {}
    for name in ("graph-greedy", "graph-beam"):
        result = solve(instance, solver=name)
        assert result.status is Status.FEASIBLE
        assert isinstance(result.solution, SearchSolution)
        again = evaluate_search(instance, result.solution)
        assert result.objective == again.recall_at_1
        assert result.stats["answered"] == 60 and result.stats["mean_dcs"] <= 64
        recall[name] = result.objective
    assert recall["graph-beam"] > recall["graph-greedy"]
    record = result_record(solve(instance, solver="graph-beam", ef=8))
    assert record["solver"] == "graph-beam" and record["stats"]["ef"] == 8
    assert set(record) >= {"recall_at_1", "recall_at_k", "mean_dcs", "budget", "feasible"}


def test_answers_spending_more_than_the_instance_budget_are_flagged(setting):
    """The evaluator, not the solver, enforces the instance's budget."""
    _, _, instance = setting
    generous = dataclasses.replace(instance, budget=400)
    result = solve(generous, solver="graph-beam", ef=64)
    assert result.status is Status.FEASIBLE and result.stats["budget"] == 400
    assert isinstance(result.solution, SearchSolution)
    judged = evaluate_search(instance, result.solution)
    assert not judged.feasible and {v.kind for v in judged.violations} == {"over_budget"}


def test_the_budget_is_the_instances_not_a_solver_option(setting):
    """A budget option is refused: the DCS budget belongs to the instance."""
    _, _, instance = setting
    with pytest.raises(InvalidOptionError, match="'graph-beam' has no option 'budget'"):
        solve(instance, solver="graph-beam", budget=400)


def test_auto_picks_beam_search_and_other_families_refuse(setting):
    """auto runs graph-beam; a routing solver names the graph solvers that can."""
    _, _, instance = setting
    assert choose_auto(instance) == "graph-beam"
    assert set(solvers_supporting(instance)) == {"graph-greedy", "graph-beam", "graph-learned"}
    with pytest.raises(UnsupportedInstanceError, match="graph-beam"):
        solve(instance, solver="pyvrp")


def test_queries_left_when_time_runs_out_are_empty_misses(setting):
    """With no time at all no query is answered: recall 0, still a valid answer."""
    _, _, instance = setting
    result = solve(instance, solver="graph-beam", time_limit=1e-9)
    assert result.stats["answered"] == 0 and result.feasible and result.objective == 0.0


def test_learned_solver_loads_a_policy_by_path(setting, tmp_path):
    """graph-learned routes with a checkpoint's model and reports whether it saw this graph."""
    data, graph, instance = setting
    config = RoutingConfig(dim=16, out_dim=8, hidden=8, budget=64, ef=8, rerank=8, steps=2)
    run = train_routing(data.base, graph, data.train_queries, data.train_neighbours[:, 0], config)
    path = tmp_path / "toy.pt"
    save_checkpoint(path, run, {"graph_fingerprint": graph_fingerprint(graph)})
    result = solve(instance, solver="graph-learned", policy=str(path))
    assert result.status is Status.FEASIBLE and result.stats["trained_graph"]
    assert result.stats["ef"] == 8 and result.stats["rerank"] == 8
    assert isinstance(result.solution, SearchSolution)
    assert result.objective == evaluate_search(instance, result.solution).recall_at_1 > 0.2
    other = SimilarityGraph(graph.indptr, graph.indices, (graph.entry + 1) % 1200)
    moved = data.instance(other, budget=64)
    assert not solve(moved, solver="graph-learned", policy=str(path)).stats["trained_graph"]
    with pytest.raises(InputError, match="no graph-routing checkpoint"):
        solve(instance, solver="graph-learned", policy=str(tmp_path / "missing.pt"))


def test_learned_solver_refuses_a_policy_for_other_dimensions(setting):
    """The shipped 96-dimensional policy does not route 16-dimensional vectors."""
    _, _, instance = setting
    with pytest.raises(InputError, match="96-dimensional"):
        solve(instance, solver="graph-learned")
