"""Path queries on networks: builders, greedy geographic and learned routing, packet policy."""

from __future__ import annotations

import numpy as np
import pytest

import vrpsolve
from vrpsolve.core.errors import InputError
from vrpsolve.graphs.paths.model import PathQueryInstance, evaluate_paths, shortest_lengths
from vrpsolve.graphs.paths.routers import (
    GreedyPacketPolicy,
    geographic_paths,
    geometric_network,
    greedy_route,
    learned_paths,
    load_path_checkpoint,
    osm_network,
    packet_paths_network,
    path_config,
    save_path_checkpoint,
    train_path_routing,
    vertex_vectors,
    with_queries,
)
from vrpsolve.graphs.search.learned import RoutingModel
from vrpsolve.packets.model import PacketLink, PacketNetwork, TrafficModel
from vrpsolve.packets.policies import ShortestPathPolicy
from vrpsolve.packets.simulator import evaluate_policy
from vrpsolve.packets.topologies import random_geometric_network


def corridor() -> PathQueryInstance:
    """Nodes 0-1-2 on a line and a pocket 3 next to 1 that only leads back to 1.

    From 0 to 2 greedy passes 1; from 1 to 4 (behind the pocket, reached from 2) greedy enters
    the pocket and comes back: a loop.
    """
    coordinates = [[0, 0], [1, 0], [2, 0], [1, 0.5], [1, 0.9]]
    edges = {0: [1], 1: [0, 2, 3], 2: [1, 4], 3: [1], 4: [2]}
    indptr = np.cumsum([0] + [len(edges[v]) for v in range(5)])
    indices = [u for v in range(5) for u in edges[v]]
    return PathQueryInstance(
        name="corridor",
        indptr=indptr,
        indices=indices,
        lengths=np.ones(len(indices)),
        coordinates=coordinates,
        queries=[[0, 2], [1, 4]],
        hop_limits=[5, 5],
    )


def test_greedy_route_follows_the_nearest_neighbour_and_fails_on_a_loop():
    """0 -> 2 goes straight; 1 -> 4 enters the pocket, must return to 1, and fails."""
    instance = corridor()
    xy = instance.coordinates
    assert greedy_route(instance, xy, 0, 2, 5) == (0, 1, 2)
    assert greedy_route(instance, xy, 1, 4, 5) is None
    assert greedy_route(instance, xy, 0, 2, 1) is None  # the hop limit
    evaluation = evaluate_paths(instance, geographic_paths(instance))
    assert evaluation.feasible and evaluation.successes.tolist() == [True, False]


def test_geometric_network_is_seeded_connected_and_symmetric():
    """The same seed gives the same graph; every pair is connected; edges go both ways."""
    first, again = geometric_network(80, seed=3), geometric_network(80, seed=3)
    assert np.array_equal(first.indices, again.indices)
    assert np.array_equal(first.coordinates, again.coordinates)
    assert not first.directed and first.num_nodes <= 80
    rows = np.repeat(np.arange(first.num_nodes), np.diff(first.indptr))
    length = np.linalg.norm(first.coordinates[rows] - first.coordinates[first.indices], axis=1)
    assert np.allclose(first.lengths, length)
    queries = with_queries(first, 50, seed=0)
    assert np.isfinite(shortest_lengths(queries)).all()


def test_queries_are_distinct_avoid_excluded_pairs_and_get_hop_limits():
    """Seeded distinct pairs, none excluded, limit 4 x fewest hops + 10 by default."""
    network = geometric_network(60, seed=1)
    train = with_queries(network, 200, seed=0)
    test = with_queries(network, 100, seed=1, exclude=train.queries)
    pairs = {tuple(p) for p in train.queries.tolist()}
    assert len(pairs) == 200
    assert not pairs & {tuple(p) for p in test.queries.tolist()}
    assert np.all(test.hop_limits >= 14) and np.all((test.hop_limits - 10) % 4 == 0)


def test_road_network_from_a_shipped_city():
    """Helsinki's drivable roads: strongly connected, one-way streets, metres."""
    network = osm_network("helsinki")
    assert network.directed and network.num_nodes > 100
    queries = with_queries(network, 30, seed=0)
    assert np.isfinite(shortest_lengths(queries)).all()
    assert 100 < np.ptp(network.coordinates[:, 0]) < 20_000
    with pytest.raises(InputError, match="no shipped OSM extract"):
        osm_network("atlantis")


def test_an_untrained_model_routes_exactly_by_geography():
    """Principal-direction start and zero MLP output: learned routing equals geographic."""
    network = with_queries(geometric_network(70, seed=2), 120, seed=0)
    run = train_path_routing([network], path_config(steps=0, hidden=16, validation_queries=20))
    assert learned_paths(run.model, network).paths == geographic_paths(network).paths


def test_training_escapes_local_minima_of_geographic_routing():
    """On a sparse random geometric graph imitation raises the success rate above greedy's."""
    network = with_queries(geometric_network(60, seed=2), 400, seed=1)
    greedy = evaluate_paths(network, geographic_paths(network)).success_rate
    config = path_config(steps=60, hidden=32, layers=2, validation_queries=100, eval_every=20)
    run = train_path_routing([network], config)
    learned = evaluate_paths(network, learned_paths(run.model, network))
    assert learned.feasible and learned.success_rate > greedy + 0.1
    assert run.history[0].step == 0 and run.best_step > 0


def test_checkpoint_round_trip_and_refusal(tmp_path):
    """A saved policy gives the same vectors; another file is refused with its name."""
    network = with_queries(geometric_network(50, seed=0), 40, seed=0)
    run = train_path_routing([network], path_config(steps=2, hidden=8, validation_queries=8))
    save_path_checkpoint(tmp_path / "p.pt", run, {"networks": [network.name]})
    model, checkpoint = load_path_checkpoint(tmp_path / "p.pt")
    assert checkpoint["metadata"] == {"networks": [network.name]}
    assert np.array_equal(vertex_vectors(model, network), vertex_vectors(run.model, network))
    (tmp_path / "bad.pt").write_text("not a checkpoint")
    with pytest.raises(InputError, match=r"bad\.pt"):
        load_path_checkpoint(tmp_path / "bad.pt")


def grid_network(side: int) -> PacketNetwork:
    """A full ``side x side`` grid of routers with unit links both ways and a TTL."""
    links = []
    for v in range(side * side):
        r, c = divmod(v, side)
        for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            if 0 <= r + dr < side and 0 <= c + dc < side:
                links.append(PacketLink(v, (r + dr) * side + c + dc))
    return PacketNetwork(
        name=f"grid{side}",
        num_nodes=side * side,
        links=tuple(links),
        traffic=TrafficModel(load=0.5),
        ttl=4 * side,
        duration=300.0,
        coordinates=tuple((float(v % side), float(v // side)) for v in range(side * side)),
    )


def test_greedy_packet_policy_delivers_on_shortest_hops_on_a_grid():
    """On a full grid greedy geographic forwarding is a shortest route in hops."""
    network = grid_network(4)
    greedy = evaluate_policy(network, GreedyPacketPolicy.geographic(network), seed=0)
    shortest = evaluate_policy(network, ShortestPathPolicy(network), seed=0)
    assert greedy.dropped == 0 and greedy.delivered == shortest.delivered > 0
    assert greedy.mean_hops == pytest.approx(shortest.mean_hops)


def test_learned_packet_policy_uses_the_model_vectors():
    """An untrained model's table equals the geographic one; a network needs coordinates."""
    network = random_geometric_network(25, seed=4, ttl=30, duration=300.0)
    paths = packet_paths_network(network)
    assert paths.num_edges == network.num_links and not paths.directed
    rows = np.repeat(np.arange(paths.num_nodes), np.diff(paths.indptr))
    span = np.linalg.norm(paths.coordinates[rows] - paths.coordinates[paths.indices], axis=1)
    assert np.allclose(paths.lengths, 1.0 + span)  # transmission plus propagation
    model = RoutingModel(path_config(hidden=8))
    model.fit_input(np.array(network.coordinates, dtype=np.float32))
    learned = GreedyPacketPolicy.learned(network, model)
    assert np.array_equal(learned.table, GreedyPacketPolicy.geographic(network).table)
    report = evaluate_policy(network, learned, seed=1)
    assert report.delivered > 0
    bare = PacketNetwork("bare", 2, (PacketLink(0, 1), PacketLink(1, 0)), TrafficModel(1.0))
    with pytest.raises(ValueError, match="no coordinates"):
        GreedyPacketPolicy.geographic(bare)


def test_path_solvers_are_judged_by_the_evaluator(tmp_path):
    """path-greedy equals geographic routing; path-learned loads a checkpoint; auto is greedy."""
    network = with_queries(geometric_network(60, seed=2), 60, seed=3)
    result = vrpsolve.solve(network, "path-greedy")
    expected = evaluate_paths(network, geographic_paths(network))
    assert result.feasible and result.objective == expected.success_rate
    assert vrpsolve.solve(network, "auto").solver == "path-greedy"
    run = train_path_routing([network], path_config(steps=1, hidden=8, validation_queries=8))
    save_path_checkpoint(tmp_path / "tiny.pt", run, {})
    learned = vrpsolve.solve(network, "path-learned", policy=str(tmp_path / "tiny.pt"))
    assert learned.feasible and learned.stats["answered"] == network.num_queries
    with pytest.raises(InputError, match=r"missing\.pt"):
        vrpsolve.solve(network, "path-learned", policy=str(tmp_path / "missing.pt"))
