"""Learned routing: the untrained model, the DCS convention, training by imitation, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vrpsolve.graphs.search.algorithms import SimilarityGraph
from vrpsolve.graphs.search.build import build_nsw
from vrpsolve.graphs.search.datasets import clustered_gaussians
from vrpsolve.graphs.search.learned import (
    RoutingConfig,
    RoutingModel,
    graph_fingerprint,
    hop_distances,
    learned_search,
    load_checkpoint,
    load_router,
    make_router,
    save_checkpoint,
    train_routing,
)
from vrpsolve.graphs.search.model import evaluate_search

LINE = np.array([[float(v), 0.1 * (v % 2)] for v in range(5)], dtype=np.float32)
PATH = SimilarityGraph(np.array([0, 1, 3, 5, 7, 8]), np.array([1, 0, 2, 1, 3, 2, 4, 3]), 0)


@pytest.fixture(scope="module")
def trained():
    """A small model trained with its validation queries taken from its training queries."""
    data = clustered_gaussians(1500, 50, 150, dim=16, clusters=8, intrinsic_dim=6, seed=5)
    graph = build_nsw(data.base, m=6, ef_construction=24)
    queries = np.concatenate([data.train_queries, data.train_queries])
    nearest = np.concatenate([data.train_neighbours[:, 0]] * 2)
    config = RoutingConfig(
        dim=16, out_dim=8, hidden=16, budget=40, ef=8, rerank=4, steps=150, eval_every=50,
        queries_per_step=16, validation_queries=150, learning_rate=3e-3,
    )  # fmt: skip
    run = train_routing(data.base, graph, queries, nearest, config, seed=0)
    return data, graph, run


def line_model():
    model = RoutingModel(RoutingConfig(dim=2, out_dim=1, hidden=4, layers=1))
    model.fit_input(LINE)
    return model


def test_an_untrained_model_routes_by_principal_components():
    """Before training f(v) and g(q) are the same linear map (the graph part starts at zero)."""
    router = make_router(line_model(), PATH, LINE)
    assert np.allclose(router.vertex_vectors, router.encode(LINE), atol=1e-5)
    order = np.argsort(router.vertex_vectors[:, 0])
    assert order.tolist() in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0])


def test_learned_search_charges_query_mapping_routing_and_reranking():
    """DCS = out_dim for g(q) + out_dim/dim per learned distance + 1 per exact re-rank."""
    router = make_router(line_model(), PATH, LINE)
    query = np.array([3.9, 0.0], dtype=np.float32)
    mapped = router.encode(query[None])[0]
    trace = learned_search(
        PATH, router.vertex_vectors, mapped, LINE, query, budget=100, ef=2, rerank=3
    )
    assert trace.dcs == 1 + 5 * 0.5 + 3 and trace.ids.tolist() == [4, 3, 2]
    tight = learned_search(
        PATH, router.vertex_vectors, mapped, LINE, query, budget=5, ef=2, rerank=3
    )
    assert tight.dcs == 1 + 2 * 0.5 + 2 and tight.ids.tolist() == [1, 0]
    with pytest.raises(ValueError, match="nothing for routing"):
        learned_search(PATH, router.vertex_vectors, mapped, LINE, query, budget=4, ef=2, rerank=3)


def test_hop_distances_follow_edge_directions():
    """BFS hops to a target along one-way edges; vertices that cannot reach it get -1."""
    one_way = SimilarityGraph(np.array([0, 1, 2, 3, 4, 4]), np.array([1, 2, 3, 4]), 0)
    hops = hop_distances(one_way, np.array([4, 2]))
    assert hops.tolist() == [[4, 3, 2, 1, 0], [2, 1, 0, -1, -1]]


def test_imitation_training_raises_recall_and_keeps_the_best_policy(trained):
    """Training on rollouts labelled by the BFS oracle beats the untrained model it starts from."""
    data, graph, run = trained
    first, best = run.history[0], max(run.history, key=lambda r: r.recall_at_1)
    assert best.recall_at_1 >= first.recall_at_1 + 0.1
    assert run.best_step == best.step and all(np.isfinite(r.loss) for r in run.history[1:])
    router = make_router(run.model, graph, data.base)
    held = slice(-75, None)  # a quarter of the 300 training queries is held out
    found = router.search(data.base, data.train_queries[held], budget=40, ef=8, rerank=4, k=1)
    assert np.mean(found.ids[:, 0] == data.train_neighbours[held, 0]) == best.recall_at_1


def test_learned_answers_pass_the_evaluator_within_budget(trained):
    """On held-out test queries the learned search's claims respect the budget."""
    data, graph, run = trained
    router = make_router(run.model, graph, data.base)
    instance = data.instance(graph, budget=40)
    evaluation = evaluate_search(instance, router.search(data.base, data.queries, budget=40,
                                                         ef=8, rerank=4, k=10))  # fmt: skip
    assert evaluation.feasible and evaluation.max_dcs <= 40 and evaluation.recall_at_1 > 0.2


def test_checkpoints_round_trip_weights_config_and_metadata(trained, tmp_path):
    """A saved policy reloads to the same representations; other files are refused."""
    data, graph, run = trained
    path = tmp_path / "policy.pt"
    save_checkpoint(path, run, {"dataset": "test", "graph_fingerprint": graph_fingerprint(graph)})
    model, checkpoint = load_checkpoint(path)
    assert model.config == run.model.config and checkpoint["best_step"] == run.best_step
    assert checkpoint["metadata"]["graph_fingerprint"] == graph_fingerprint(graph)
    assert len(checkpoint["history"]) == len(run.history)
    again = load_router(path, graph, data.base)
    assert np.array_equal(
        again.vertex_vectors, make_router(run.model, graph, data.base).vertex_vectors
    )
    assert path.stat().st_size < 200_000
    torch.save({"kind": "other"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a graph-routing checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    with pytest.raises(ValueError, match="expects 16-d"):
        load_router(path, PATH, LINE)


def test_representations_wider_than_the_vectors_are_refused():
    """A learned space wider than the base vectors is refused when the config is made."""
    with pytest.raises(ValueError, match="out_dim"):
        RoutingConfig(dim=4, out_dim=8)
