"""Tests for the network readers: Topology Zoo GML/GraphML and SNDlib native text."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from vrpsolve.core.errors import InputError
from vrpsolve.networks.topology import (
    DEFAULT_CAPACITY,
    read_gml,
    read_graphml,
    read_sndlib,
    read_topology,
    zoo_link_speed,
)

ROOT = Path(__file__).resolve().parents[2] / "instances" / "network"
ZOO = sorted((ROOT / "topologyzoo").glob("*.g*ml"))
SNDLIB = sorted((ROOT / "sndlib").glob("*.txt"))


@pytest.mark.parametrize("path", ZOO, ids=lambda p: p.name)
def test_every_zoo_file_imports(path: Path) -> None:
    """Each shipped Topology Zoo file gives a strongly connected network with links both ways."""
    topology = read_topology(path)
    instance = topology.to_instance()
    assert 5 <= instance.num_nodes <= 100
    assert instance.num_links % 2 == 0 and instance.num_links >= 2 * (instance.num_nodes - 1)
    assert all(instance.has_link(k.target, k.source) for k in instance.links)
    assert nx.is_strongly_connected(instance.to_networkx())
    assert all(k.capacity > 0 and k.delay >= 0 for k in instance.links)
    assert topology.flows == ()


def test_gml_and_graphml_agree() -> None:
    """The GML and GraphML versions of a network give the same topology."""
    for stem in ("Abilene", "Geant2012", "Nsfnet"):
        gml = read_gml(ROOT / "topologyzoo" / f"{stem}.gml")
        graphml = read_graphml(ROOT / "topologyzoo" / f"{stem}.graphml")
        assert gml.nodes == graphml.nodes  # link order may differ between the formats
        assert set(gml.links) == set(graphml.links)


def test_zoo_capacities_and_default() -> None:
    """Labelled speeds are read in Mbit/s; edges without one get the reported default."""
    abilene = read_gml(ROOT / "topologyzoo" / "Abilene.gml")
    assert {k.capacity for k in abilene.links} == {192 * 51.84}  # OC-192c
    assert abilene.defaulted_links == 0
    nsf = read_gml(ROOT / "topologyzoo" / "Nsfnet.gml", default_capacity=45.0)
    assert {k.capacity for k in nsf.links} == {1.544, 45.0}  # one T1 edge, others unlabelled
    assert nsf.defaulted_links == 28
    assert any("default capacity 45 Mbit/s" in note for note in nsf.notes)


@pytest.mark.parametrize(
    ("data", "speed"),
    [
        ({"LinkSpeedRaw": 2.5e9}, 2500.0),
        ({"LinkSpeed": "155", "LinkSpeedUnits": "M"}, 155.0),
        ({"LinkLabel": "10 Gbps"}, 10000.0),
        ({"LinkLabel": "STM-16"}, 16 * 155.52),
        ({"LinkType": "T3"}, 44.736),
        ({"LinkLabel": "Lit Fibre"}, None),
        ({}, None),
    ],
)
def test_zoo_link_speed(data: dict, speed: float | None) -> None:
    """Speeds come from raw bit rates, speed and units, or recognisable labels."""
    assert zoo_link_speed(data) == (None if speed is None else pytest.approx(speed))


@pytest.mark.parametrize("path", SNDLIB, ids=lambda p: p.name)
def test_every_sndlib_file_imports(path: Path) -> None:
    """Each shipped SNDlib file gives a connected network with its demands as flows."""
    topology = read_sndlib(path)
    instance = topology.to_instance()
    assert 10 <= instance.num_nodes <= 100
    assert instance.num_links >= 2 * (instance.num_nodes - 1)
    assert nx.is_strongly_connected(instance.to_networkx())
    assert instance.num_flows >= instance.num_nodes
    assert all(f.priority == 1 and f.demand >= 0 for f in instance.flows)


def test_sndlib_abilene_details() -> None:
    """Abilene: 12 nodes, 15 undirected links, pre-installed capacities, 132 demands."""
    topology = read_sndlib(ROOT / "sndlib" / "abilene.txt")
    assert topology.name == "abilene"
    assert len(topology.nodes) == 12
    assert len(topology.links) == 30
    assert {k.capacity for k in topology.links} == {2480.0, 9920.0}
    assert len(topology.flows) == 132
    first = topology.flows[0]
    assert (first.source, first.target, first.demand, first.max_hops) == (
        "IPLSng",
        "STTLng",
        3580.0,
        None,
    )


def test_sndlib_capacity_rules() -> None:
    """Without pre-installed capacity, 'auto' installs one module; 'preinstalled' drops links."""
    geant = ROOT / "sndlib" / "geant.txt"
    assert {k.capacity for k in read_sndlib(geant).links} == {40000.0}
    assert read_sndlib(geant, capacity="preinstalled").links == ()
    abilene = ROOT / "sndlib" / "abilene.txt"
    summed = read_sndlib(abilene, capacity="preinstalled+module")
    assert {k.capacity for k in summed.links} == {42480.0, 49920.0}
    assert len(read_sndlib(abilene, directed=True).links) == 15


SNDLIB_GOOD = """?SNDlib native format; type: network; version: 1.0
# network tiny
NODES (
  A ( 1.0 2.0 )
  B ( 1.5 2.5 )
)
LINKS (
  L1 ( A B ) 10.00 0.00 0.00 0.00 ( 40.00 1.00 )
)
DEMANDS (
  D1 ( A B ) 1 4.00 2
)
"""


def test_sndlib_small_file(tmp_path: Path) -> None:
    """A hand-made file: names, both link directions, delay from coordinates, hop limit."""
    path = tmp_path / "tiny.txt"
    path.write_text(SNDLIB_GOOD)
    topology = read_sndlib(path)
    assert topology.nodes == ("A", "B")
    assert [(k.source, k.target, k.capacity) for k in topology.links] == [
        ("A", "B", 10.0),
        ("B", "A", 10.0),
    ]
    assert topology.links[0].delay > 0
    assert topology.flows[0].max_hops == 2


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("  B ( 1.5 2.5 )", "  B ( x 2.5 )", 5, "non-numeric token 'x'"),
        ("( A B ) 10.00", "( A C ) 10.00", 8, "unknown node 'C'"),
        ("10.00 0.00 0.00 0.00 ( 40.00 1.00 )", "10.00 0.00", 8, "a link must read"),
        ("1 4.00 2", "1 4.00", 11, "a demand must read"),
        ("1 4.00 2", "1 -4.00 2", 11, "non-negative"),
        ("D1 ( A B )", "D1 ( A A )", 11, "starts and ends"),
        ("LINKS (", "LINKS", 7, "section header"),
        ("2\n)\n", "2\n", 10, "DEMANDS is not closed"),
    ],
)
def test_sndlib_errors_name_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    """Malformed SNDlib files raise InputError naming the file and the offending line."""
    assert old in SNDLIB_GOOD
    path = tmp_path / "bad.txt"
    path.write_text(SNDLIB_GOOD.replace(old, new, 1))
    with pytest.raises(InputError, match=message) as info:
        read_sndlib(path)
    assert info.value.path == str(path)
    assert info.value.line == line


def test_sndlib_missing_section(tmp_path: Path) -> None:
    """A file without a LINKS section is an InputError naming the file."""
    path = tmp_path / "nolinks.txt"
    path.write_text("NODES (\n  A\n)\n")
    with pytest.raises(InputError, match="missing section LINKS") as info:
        read_sndlib(path)
    assert info.value.path == str(path)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.gml", "graph [ node [ id 0 ", "invalid GML"),
        ("bad.graphml", "<graphml><graph><node id='a'/>", "invalid GraphML"),
        ("empty.gml", "", "file is empty"),
        ("nodes.gml", "graph [ directed 0 ]", "no nodes"),
        ("net.xyz", "anything", "unknown network format"),
    ],
)
def test_bad_zoo_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    """Broken GML/GraphML files and unknown suffixes raise InputError naming the file."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        read_topology(path)
    assert info.value.path == str(path)


def test_missing_file() -> None:
    """A missing file is an InputError, not a traceback from networkx."""
    with pytest.raises(InputError, match="file not found"):
        read_graphml(ROOT / "nope.graphml")


def test_default_capacity_constant() -> None:
    """The documented default capacity is 10 Gbit/s in Mbit/s."""
    assert DEFAULT_CAPACITY == 10_000.0


def test_parallel_edges_merged(tmp_path: Path) -> None:
    """Parallel edges of a multigraph become one link each way with the summed capacity."""
    path = tmp_path / "multi.gml"
    path.write_text(
        "graph [ multigraph 1\n"
        '  node [ id 0 label "a" ] node [ id 1 label "b" ]\n'
        '  edge [ source 0 target 1 LinkLabel "1 Gbps" ]\n'
        '  edge [ source 1 target 0 LinkLabel "2.5 Gbps" ]\n'
        "]\n"
    )
    topology = read_gml(path)
    assert [(k.source, k.target, k.capacity) for k in topology.links] == [
        ("a", "b", 3500.0),
        ("b", "a", 3500.0),
    ]
    assert any("merged" in note for note in topology.notes)
