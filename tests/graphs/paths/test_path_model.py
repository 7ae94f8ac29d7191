"""The path-query instance, its solution and the evaluator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vrpsolve.core.registry import family_of
from vrpsolve.graphs.paths.model import (
    PathQueryInstance,
    PathSolution,
    evaluate_paths,
    shortest_lengths,
)
from vrpsolve.report import evaluation_record

# A square 0-1-2-3 with a one-way diagonal 0 -> 2 of length 1.5 (the sides are 1).
EDGES = [(0, 1), (0, 2), (0, 3), (1, 0), (1, 2), (2, 1), (2, 3), (3, 0), (3, 2)]
LENGTHS = [1.0, 1.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]


def square(**changes: object) -> PathQueryInstance:
    """The square with queries 0 -> 2, 2 -> 0 and 1 -> 3."""
    tails = np.array([u for u, _ in EDGES])
    fields: dict[str, object] = {
        "name": "square",
        "indptr": np.concatenate([[0], np.cumsum(np.bincount(tails, minlength=4))]),
        "indices": [v for _, v in EDGES],
        "lengths": LENGTHS,
        "coordinates": [[0, 0], [1, 0], [1, 1], [0, 1]],
        "queries": [[0, 2], [2, 0], [1, 3]],
        "hop_limits": [3, 3, 3],
    }
    fields.update(changes)
    return PathQueryInstance(**fields)  # type: ignore[arg-type]


def test_instance_reports_sizes_direction_and_shortest_lengths():
    """The one-way diagonal makes the graph directed; Dijkstra takes it for 0 -> 2."""
    instance = square()
    assert (instance.num_nodes, instance.num_edges, instance.num_queries) == (4, 9, 3)
    assert instance.active_attributes() == {"directed"}
    assert instance.out_neighbours(0).tolist() == [1, 2, 3]
    assert shortest_lengths(instance).tolist() == [1.5, 2.0, 2.0]


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"lengths": [1.0] * 8}, "lengths has"),
        ({"lengths": [0.0, *LENGTHS[1:]]}, "positive"),
        ({"queries": [[0, 0]], "hop_limits": [3]}, "distinct"),
        ({"queries": [[0, 9]], "hop_limits": [3]}, "node ids"),
        ({"hop_limits": [3, 3]}, "hop_limits"),
        ({"coordinates": [[0, 0]] * 3}, "coordinates"),
        ({"indices": [1, 1, 3, 0, 2, 1, 3, 0, 2]}, "repeated"),
        ({"indices": [0, 2, 3, 0, 2, 1, 3, 0, 2]}, "self-loops"),
    ],
)
def test_instance_refuses_bad_fields(changes, match):
    """Wrong sizes, non-positive lengths, bad queries or edges name the field."""
    with pytest.raises(ValueError, match=match):
        square(**changes)


def test_evaluator_measures_success_and_stretch():
    """Valid paths succeed with stretch length / shortest; a None is a failure, not a violation."""
    solution = PathSolution.of([[0, 1, 2], [2, 3, 0], None])
    evaluation = evaluate_paths(square(), solution)
    assert evaluation.feasible
    assert evaluation.success_rate == pytest.approx(2 / 3)
    assert evaluation.stretch[0] == pytest.approx(2.0 / 1.5)
    assert evaluation.stretch[1] == 1.0 and math.isnan(evaluation.stretch[2])
    assert evaluation.mean_stretch == pytest.approx((2.0 / 1.5 + 1.0) / 2)
    assert evaluation.objective == evaluation.penalised_objective == evaluation.success_rate


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ([1, 2], "wrong_source"),
        ([0, 1], "wrong_target"),
        ([0, 3, 1, 2], "missing_edge"),
        ([0, 7, 2], "unknown_node"),
        ([0, 1, 0, 1, 2], "over_hop_limit"),
    ],
)
def test_evaluator_names_each_broken_rule(path, kind):
    """A path that breaks a rule is a violation and its query fails."""
    evaluation = evaluate_paths(square(), PathSolution.of([path, None, None]))
    assert [v.kind for v in evaluation.violations] == [kind]
    assert evaluation.violations[0].query == 0
    assert evaluation.success_rate == 0.0 and evaluation.penalised_objective == -math.inf


def test_evaluator_flags_a_solution_of_the_wrong_size():
    """Fewer paths than queries: a violation, the missing ones fail."""
    evaluation = evaluate_paths(square(), PathSolution.of([[0, 2]]))
    assert [v.kind for v in evaluation.violations] == ["solution_size"]
    assert evaluation.num_successes == 1


def test_path_query_is_a_maximising_family_with_a_json_record():
    """The family registry knows the instance; the report renders its verdict."""
    instance = square()
    family = family_of(instance)
    assert family.name == "path_query" and not family.minimise
    solution = PathSolution.of([[0, 2], None, [1, 2, 3]])
    record = evaluation_record(instance, solution, evaluate_paths(instance, solution))
    assert record["success_rate"] == pytest.approx(0.6667)
    assert (record["succeeded"], record["queries"], record["mean_stretch"]) == (2, 3, 1.0)
    assert record["feasible"] and record["violations"] == []
