"""Tests for the network readers: Topology Zoo GML/GraphML, SNDlib native text and TNTP."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from vrpsolve.core.errors import InputError
from vrpsolve.flows.greedy import greedy_admission
from vrpsolve.flows.model import Flow, evaluate_flows
from vrpsolve.flows.topology import (
    DEFAULT_CAPACITY,
    read_gml,
    read_graphml,
    read_sndlib,
    read_tntp,
    read_topology,
    zoo_link_speed,
)
from vrpsolve.networks.tntp import read_tntp_network

ROOT = Path(__file__).resolve().parents[2] / "instances" / "network"
ZOO = sorted((ROOT / "topologyzoo").glob("*.g*ml"))
SNDLIB = sorted((ROOT / "sndlib").glob("*.txt"))
TNTP = ROOT / "tntp"


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


# -- TNTP ----------------------------------------------------------------------------------------
TNTP_NET = """<NUMBER OF ZONES> 2
<NUMBER OF NODES> 3
<FIRST THRU NODE> 3
<NUMBER OF LINKS> 4
<END OF METADATA>

~ init_node term_node capacity length free_flow_time b power speed toll link_type ;
\t1\t3\t100\t2.5\t3\t0.15\t4\t0\t0\t1\t;
\t3\t1\t100\t2.5\t3\t0.15\t4\t0\t0\t1\t;
\t3\t2\t50\t1\t2\t0.15\t4\t0\t0\t1\t;
\t2\t3\t50\t1\t2\t0.15\t4\t0\t0\t1\t;
"""

TNTP_TRIPS = """<NUMBER OF ZONES> 2
<TOTAL OD FLOW> 70.0
<END OF METADATA>

Origin \t1
    1 :      5.0;     2 :     40.0;
Origin \t2
    1 :     30.0;     2 :      0.0;
"""


def _tntp(tmp_path: Path, net: str = TNTP_NET, trips: str | None = TNTP_TRIPS) -> Path:
    path = tmp_path / "Tiny_net.tntp"
    path.write_text(net)
    if trips is not None:
        (tmp_path / "Tiny_trips.tntp").write_text(trips)
    return path


def test_tntp_siouxfalls_reads_links_flows_and_coordinates() -> None:
    """SiouxFalls: 24 nodes, 76 links, the 528 positive OD pairs (360,600 trips), lon/lat."""
    path = TNTP / "SiouxFalls_net.tntp"
    topology = read_topology(path)
    assert topology == read_topology(path, format="tntp") == read_tntp(path)
    assert (topology.name, topology.nodes) == ("SiouxFalls", tuple(range(1, 25)))
    assert len(topology.links) == 76
    first = topology.links[0]
    assert (first.source, first.target, first.capacity, first.delay) == (1, 2, 25900.20064, 6.0)
    assert len(topology.flows) == 528
    assert sum(flow.demand for flow in topology.flows) == pytest.approx(360_600.0)
    assert topology.coordinates[0] == (-96.77041974, 43.61282792)
    assert len(topology.coordinates) == 24
    assert not any("zones" in note for note in topology.notes)


def test_tntp_network_becomes_a_flow_admission_instance() -> None:
    """Both shipped TNTP networks give PFAR instances that greedy admission solves feasibly."""
    for stem, nodes, links, flows in (("SiouxFalls", 24, 76, 528), ("Anaheim", 416, 914, 1406)):
        instance = read_topology(TNTP / f"{stem}_net.tntp").to_instance()
        assert (instance.num_nodes, instance.num_links, instance.num_flows) == (nodes, links, flows)
        evaluation = evaluate_flows(instance, greedy_admission(instance))
        assert evaluation.feasible and 0 < evaluation.objective <= flows


def test_tntp_anaheim_has_zones_and_no_coordinates() -> None:
    """Anaheim has no node file (no coordinates) and 38 zones, which the notes mention."""
    network = read_tntp_network(TNTP / "Anaheim_net.tntp")
    assert (network.num_nodes, network.num_links, network.num_zones) == (416, 914, 38)
    assert network.first_thru_node == 39 and network.coordinates == ()
    assert network.trips is not None
    assert sum(value for _, _, value in network.trips) == pytest.approx(104_694.4)
    assert network.free_flow_time[0] == pytest.approx(1.090458488)
    topology = read_tntp(TNTP / "Anaheim_net.tntp")
    assert any("nodes 1..38 are zones" in note for note in topology.notes)


def test_tntp_small_file_skips_zero_and_intra_zonal_trips(tmp_path: Path) -> None:
    """A hand-made network: integer nodes, free-flow times as delays, positive off-diagonal OD."""
    topology = read_tntp(_tntp(tmp_path), priority=2.0)
    assert [(k.source, k.target, k.capacity, k.delay) for k in topology.links] == [
        (1, 3, 100.0, 3.0),
        (3, 1, 100.0, 3.0),
        (3, 2, 50.0, 2.0),
        (2, 3, 50.0, 2.0),
    ]
    assert topology.flows == (Flow(1, 2, 40.0, 2.0), Flow(2, 1, 30.0, 2.0))
    assert any("5 intra-zonal trips" in note for note in topology.notes)
    assert any("nodes 1..2 are zones" in note for note in topology.notes)
    assert topology.coordinates == ()


def test_tntp_without_trips_file_has_no_flows_until_given(tmp_path: Path) -> None:
    """Without a trips file there are no flows (noted); to_instance takes them as an argument."""
    topology = read_tntp(_tntp(tmp_path, trips=None))
    assert topology.flows == ()
    assert any("no trips file" in note for note in topology.notes)
    instance = topology.to_instance([Flow(1, 2, 10.0)])
    assert evaluate_flows(instance, greedy_admission(instance)).objective == 1.0
    assert read_tntp(TNTP / "SiouxFalls_net.tntp", trips=False).flows == ()


def test_tntp_parallel_links_are_merged(tmp_path: Path) -> None:
    """Two links 1 -> 3 become one with the summed capacity and the smaller free-flow time."""
    net = TNTP_NET.replace("<NUMBER OF LINKS> 4", "<NUMBER OF LINKS> 5") + (
        "\t1\t3\t20\t2.5\t1.5\t0.15\t4\t0\t0\t1\t;\n"
    )
    topology = read_tntp(_tntp(tmp_path, net=net))
    assert (topology.links[0].capacity, topology.links[0].delay) == (120.0, 1.5)
    assert len(topology.links) == 4
    assert any("1 parallel link(s) merged" in note for note in topology.notes)


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("<NUMBER OF LINKS> 4\n", "", None, "missing metadata <NUMBER OF LINKS>"),
        ("<END OF METADATA>\n", "", 7, "or <END OF METADATA>, got '1"),
        ("<NUMBER OF NODES> 3", "NODES 3", 2, "metadata line"),
        ("<NUMBER OF LINKS> 4", "<NUMBER OF LINKS> 5", None, "the file has 4 link line(s)"),
        ("\t3\t2\t50", "\t3\t7\t50", 10, "term node 7 is not a node in 1..3"),
        ("\t3\t2\t50", "\t3\t3\t50", 10, "self-loop"),
        ("\t3\t2\t50", "\t3\t2\t0", 10, "capacity must be positive"),
        ("\t3\t2\t50\t1\t2", "\t3\t2\t50\t1\tx", 10, "non-numeric token 'x' in the free"),
        ("\t3\t2\t50\t1\t2\t0.15\t4\t0\t0\t1\t;", "\t3\t2\t50\t1\t;", 10, "a link line needs"),
    ],
)
def test_tntp_errors_name_file_and_line(
    tmp_path: Path, old: str, new: str, line: int | None, message: str
) -> None:
    """Malformed or truncated TNTP network files raise one-line InputErrors with the line."""
    assert old in TNTP_NET
    path = _tntp(tmp_path, net=TNTP_NET.replace(old, new, 1), trips=None)
    with pytest.raises(InputError) as info:
        read_tntp(path)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert (info.value.path, info.value.line) == (str(path), line)


def test_truncated_tntp_file_raises(tmp_path: Path) -> None:
    """A file cut in the header or in the link table is an InputError naming the file."""
    last_line = TNTP_NET.rindex("\t2\t3\t")
    for cut, message in (
        (60, "missing <END OF METADATA>"),
        (last_line, "the file has 3 link line(s), <NUMBER OF LINKS> says 4"),
        (last_line + 8, "a link line needs"),
    ):
        path = _tntp(tmp_path, net=TNTP_NET[:cut], trips=None)
        with pytest.raises(InputError) as info:
            read_tntp(path)
        assert message in str(info.value) and info.value.path == str(path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("2 :     40.0;", "2 :     -40.0;", "trips must be finite and non-negative"),
        ("2 :     40.0;", "4 :     40.0;", "destination zone 4 is not a node in 1..2"),
        ("2 :     40.0;", "2      40.0;", "an OD entry must read"),
        ("Origin \t1\n", "", "OD entries before the first 'Origin' line"),
        ("<NUMBER OF ZONES> 2", "<NUMBER OF ZONES> 3", "<NUMBER OF ZONES> is 3"),
    ],
)
def test_tntp_trips_errors_name_the_trips_file(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    """A bad OD matrix raises an InputError naming the trips file."""
    assert old in TNTP_TRIPS
    _tntp(tmp_path, trips=TNTP_TRIPS.replace(old, new, 1))
    with pytest.raises(InputError, match=message) as info:
        read_tntp(tmp_path / "Tiny_net.tntp")
    assert info.value.path == str(tmp_path / "Tiny_trips.tntp")


def test_tntp_trips_total_mismatch_is_noted(tmp_path: Path) -> None:
    """Trips that do not add up to <TOTAL OD FLOW> are read, with a note saying so."""
    _tntp(tmp_path, trips=TNTP_TRIPS.replace("70.0", "80.0"))
    notes = read_tntp(tmp_path / "Tiny_net.tntp").notes
    assert any("add up to 75, <TOTAL OD FLOW> says 80" in note for note in notes)
