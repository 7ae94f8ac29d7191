"""The graph-search instance, its solution type and the one judge, evaluate_search."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from vrpsolve.core.registry import family_of
from vrpsolve.graphs.search.model import (
    EMPTY,
    GraphSearchInstance,
    SearchSolution,
    evaluate_search,
)
from vrpsolve.report import evaluation_record

# Five points on a line, linked as a path in both directions; vertex v sits at x = v.
BASE = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [4.0, 0.0]])
INDPTR = np.array([0, 1, 3, 5, 7, 8])
INDICES = np.array([1, 0, 2, 1, 3, 2, 4, 3])
QUERIES = np.array([[3.9, 0.0], [0.2, 0.0], [2.1, 0.0]])
NEIGHBOURS = np.array([[4, 3], [0, 1], [2, 3]])


def line(**changes):
    fields: dict[str, Any] = dict(
        name="line",
        base=BASE,
        queries=QUERIES,
        neighbours=NEIGHBOURS,
        indptr=INDPTR,
        indices=INDICES,
        entry=0,
        budget=4,
    )
    fields.update(changes)
    return GraphSearchInstance(**fields)


def test_instance_copies_arrays_read_only_and_reports_sizes():
    """Arrays are stored as read-only copies; sizes, neighbours and one-way edges are exposed."""
    source = BASE.copy()
    instance = line(base=source)
    source[0, 0] = 99.0
    assert instance.base[0, 0] == 0.0 and instance.base.dtype == np.float32
    with pytest.raises(ValueError):
        instance.base[0, 0] = 1.0
    assert (instance.num_vectors, instance.dim, instance.num_queries, instance.k) == (5, 2, 3, 2)
    assert instance.num_edges == 8 and instance.out_neighbours(2).tolist() == [1, 3]
    assert instance.active_attributes() == frozenset()
    one_way = line(indptr=np.array([0, 1, 2, 3, 4, 4]), indices=np.array([1, 2, 3, 4]))
    assert one_way.directed and one_way.active_attributes() == {"directed"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"indices": np.array([1, 1, 2, 1, 3, 2, 4, 3])}, "self-loops"),
        (
            {"indptr": np.array([0, 2, 3, 5, 7, 8]), "indices": np.array([1, 1, 2, 1, 3, 2, 4, 3])},
            "repeated edge",
        ),
        ({"indices": np.array([1, 0, 2, 1, 3, 2, 9, 3])}, "indices"),
        ({"indptr": np.array([0, 1, 3, 5, 7])}, "indptr"),
        ({"entry": 5}, "entry"),
        ({"budget": 0}, "budget"),
        ({"queries": np.zeros((3, 3))}, "dimension"),
        ({"neighbours": np.array([[4], [0], [7]])}, "neighbours"),
        ({"base": np.array([[0.0, np.nan]] * 5)}, "finite"),
    ],
)
def test_instance_rejects_malformed_data(changes, message):
    """Self-loops, repeated edges, bad ids, bad entry or budget and shape mismatches raise."""
    with pytest.raises(ValueError, match=message):
        line(**changes)


def test_right_answers_score_full_recall_and_are_feasible():
    """Exact answers within budget: Recall@1 = Recall@k = 1, mean DCS as claimed, feasible."""
    solution = SearchSolution(NEIGHBOURS, np.array([4.0, 2.0, 3.0]))
    evaluation = evaluate_search(line(), solution)
    assert evaluation.feasible and evaluation.objective == 1.0
    assert evaluation.recall_at_1 == 1.0 and evaluation.recall_at_k == 1.0
    assert evaluation.mean_dcs == 3.0 and evaluation.max_dcs == 4.0
    assert evaluation.hits.tolist() == [True, True, True]


def test_recall_counts_first_ids_and_true_neighbours_among_the_first_k():
    """Recall@1 checks the first id only; Recall@k the share of true neighbours in the first k."""
    ids = np.array([[3, 4], [0, EMPTY], [EMPTY, EMPTY]])
    evaluation = evaluate_search(line(), SearchSolution(ids, np.array([2.0, 1.0, 0.0])))
    assert evaluation.hits.tolist() == [False, True, False]
    assert evaluation.recall_at_1 == pytest.approx(1 / 3)
    assert evaluation.recall_at_k == pytest.approx((2 + 1 + 0) / 6)
    assert evaluation.feasible


def test_a_first_id_tied_with_the_nearest_counts_as_a_hit():
    """A query halfway between two vertices: either one first is a hit."""
    instance = line(queries=np.array([[1.5, 0.0]]), neighbours=np.array([[1, 2]]))
    for first in (1, 2):
        ids = np.array([[first, 3 - first]])
        assert evaluate_search(instance, SearchSolution(ids, np.array([2.0]))).recall_at_1 == 1


@pytest.mark.parametrize(
    ("ids", "dcs", "kind"),
    [
        (NEIGHBOURS, [5.0, 2.0, 2.0], "over_budget"),
        (NEIGHBOURS, [2.0, 1.0, 2.0], "undercounted_dcs"),
        (np.array([[4, 7], [0, 1], [2, 3]]), [2.0, 2.0, 2.0], "unknown_vertex"),
        (np.array([[4, 4], [0, 1], [2, 3]]), [2.0, 2.0, 2.0], "repeated_vertex"),
        (NEIGHBOURS, [np.nan, 2.0, 2.0], "invalid_dcs"),
        (NEIGHBOURS[:2], [2.0, 2.0], "solution_size"),
    ],
)
def test_evaluator_catches_wrong_claims(ids, dcs, kind):
    """Over budget, below the ids ranked, unknown or repeated ids, bad sizes: violations."""
    evaluation = evaluate_search(line(), SearchSolution(ids, np.array(dcs)))
    assert not evaluation.feasible
    assert kind in {v.kind for v in evaluation.violations}
    assert evaluation.penalised_objective == -np.inf


def test_solution_requires_one_claim_per_row():
    """A solution with a DCS count per row only."""
    with pytest.raises(ValueError, match="dcs"):
        SearchSolution(NEIGHBOURS, np.array([1.0, 2.0]))


def test_graph_search_is_a_maximising_family_with_a_json_record():
    """The family registry knows the instance; the report renders its verdict."""
    family = family_of(line())
    assert family.name == "graph_search" and not family.minimise
    solution = SearchSolution(NEIGHBOURS, np.array([5.0, 2.0, 2.0]))
    judged = family.evaluate(line(), solution, 0)
    assert judged.objective == evaluate_search(line(), solution).objective
    record = evaluation_record(line(), solution, evaluate_search(line(), solution))
    assert record["recall_at_1"] == 1.0 and record["budget"] == 4 and not record["feasible"]
    assert record["violations"][0]["kind"] == "over_budget"
    assert record["violations"][0]["query"] == 0
