"""Tests for the packet network builders and the native JSON format."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from vrpsolve.core.errors import InputError
from vrpsolve.packets.topologies import (
    ZOO_NETWORKS,
    boyan_littman_edges,
    boyan_littman_grid,
    is_strongly_connected,
    random_geometric_network,
    read_packet_network,
    write_packet_network,
    zoo_network,
)


def test_boyan_littman_grid_structure() -> None:
    """The grid has 36 routers, two 18-node clusters joined only by links 14-15 and 20-21."""
    grid = boyan_littman_grid()
    assert grid.num_nodes == 36 and grid.num_links == 2 * (2 * 27 + 2)
    assert is_strongly_connected(grid)
    undirected = nx.Graph(grid.to_networkx())
    assert sorted(undirected.edges) == sorted(boyan_littman_edges())
    left = {v for v in range(36) if v % 6 < 3}
    crossing = {(u, v) for u, v in undirected.edges if (u in left) != (v in left)}
    assert crossing == {(14, 15), (20, 21)}
    for side in (left, set(range(36)) - left):
        assert nx.is_connected(undirected.subgraph(side))
    assert grid.traffic.uniform and grid.buffer_size is None and grid.ttl is None
    assert set(grid.transmission_times()) == {1.0} and set(grid.propagation_delays()) == {0.0}


def test_grid_settings_override_the_file() -> None:
    """Settings given to the builder replace the file's defaults."""
    grid = boyan_littman_grid(load=3.5, buffer_size=10, ttl=50, duration=500.0, warmup=0.0)
    assert (grid.traffic.load, grid.buffer_size, grid.ttl, grid.duration) == (3.5, 10, 50, 500.0)
    with pytest.raises(TypeError, match="bogus"):
        boyan_littman_grid(bogus=1)


@pytest.mark.parametrize(
    ("name", "nodes", "links"), [("Abilene", 11, 28), ("Geant2012", 40, 122), ("Nsfnet", 13, 30)]
)
def test_zoo_networks_load(name: str, nodes: int, links: int) -> None:
    """Topology Zoo networks load with their node and link counts, bandwidths and delays."""
    assert name in ZOO_NETWORKS
    net = zoo_network(name, load=1.0)
    assert (net.num_nodes, net.num_links) == (nodes, links)
    assert is_strongly_connected(net)
    assert net.node_names is not None and len(net.node_names) == nodes
    assert max(link.propagation_delay for link in net.links) > 1.0  # milliseconds
    assert all(link.bandwidth >= 1.0 for link in net.links)  # Mbit/s read as kbit/ms


def test_random_geometric_network_is_seeded_and_connected() -> None:
    """Random geometric networks are connected, reproducible and differ between seeds."""
    first = random_geometric_network(30, seed=1)
    assert first == random_geometric_network(30, seed=1)
    assert first != random_geometric_network(30, seed=2)
    sparse = random_geometric_network(30, radius=0.05, seed=3)
    assert is_strongly_connected(first) and is_strongly_connected(sparse)
    assert all(link.propagation_delay > 0 for link in first.links)


def test_json_round_trip(tmp_path: Path) -> None:
    """Writing and reading a network gives it back, with per-link values where they differ."""
    net = zoo_network("Nsfnet", load=0.5, buffer_size=20, ttl=16)
    path = tmp_path / "nsf.json"
    write_packet_network(net, path, description="test")
    assert read_packet_network(path) == net
    grid = boyan_littman_grid()
    write_packet_network(grid, tmp_path / "grid.json")
    assert read_packet_network(tmp_path / "grid.json") == grid


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other"}, "format"),
        ({"links": [[0, 1, 2]]}, r"links\[0\]"),
        ({"links": [[0, 0]]}, "self-loop"),
        ({"traffic": {"load": -1}}, "traffic.load"),
        ({"traffic": {"load": 1, "rate": 2}}, "unknown traffic"),
        ({"colour": "red"}, "unknown field"),
        ({"buffer_size": 0}, "buffer_size"),
    ],
)
def test_bad_files_raise_input_errors(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    """Malformed network files raise InputError naming the file and the problem."""
    data = {
        "format": "vrpsolve-packet-network",
        "version": 1,
        "num_nodes": 2,
        "links": [[0, 1]],
        "traffic": {"load": 1.0},
    }
    data.update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=message) as info:
        read_packet_network(path)
    assert "bad.json" in str(info.value)
