"""Tests for the vrpsolve-pfar JSON instance and solution formats."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from vrpsolve.core.errors import InputError
from vrpsolve.flows.files import (
    instance_to_dict,
    read_flow_instance,
    read_flow_solution,
    write_flow_instance,
    write_flow_solution,
)
from vrpsolve.flows.model import (
    Flow,
    FlowAdmissionInstance,
    FlowSolution,
    Link,
    evaluate_flows,
)
from vrpsolve.flows.topology import read_sndlib

ROOT = Path(__file__).resolve().parents[2] / "instances" / "network"


def small() -> FlowAdmissionInstance:
    """Three named nodes, an uncapacitated link, flows with and without limits."""
    return FlowAdmissionInstance(
        "small",
        ("A", "B", 3),
        (Link("A", "B", 10, 1.5), Link("B", 3, math.inf), Link(3, "A", 2.5)),
        (Flow("A", 3, 4, 2, max_hops=2, max_delay=3.0), Flow(3, "B", 0.5, 1)),
        mode="lexicographic",
    )


def test_instance_round_trip(tmp_path: Path) -> None:
    """Writing then reading an instance gives an equal instance, node name types included."""
    path = tmp_path / "small.json"
    write_flow_instance(small(), path)
    again = read_flow_instance(path)
    assert again == small()
    assert again.nodes == ("A", "B", 3)
    assert again.links[1].capacity == math.inf


def test_sndlib_round_trip(tmp_path: Path) -> None:
    """A whole imported SNDlib network survives a JSON round trip."""
    instance = read_sndlib(ROOT / "sndlib" / "nobel-us.txt").to_instance()
    path = tmp_path / "nobel.json"
    write_flow_instance(instance, path)
    assert read_flow_instance(path) == instance


def test_node_count_written_as_integer(tmp_path: Path) -> None:
    """Nodes 0..n-1 are written as a count and read back as the same nodes."""
    instance = FlowAdmissionInstance("n", 3, (Link(0, 1, 1),), (Flow(0, 1, 1),))
    assert instance_to_dict(instance)["nodes"] == 3
    path = tmp_path / "n.json"
    write_flow_instance(instance, path)
    assert read_flow_instance(path) == instance


def test_solution_round_trip(tmp_path: Path) -> None:
    """A solution with an admitted and a rejected flow round-trips."""
    instance = small()
    solution = FlowSolution((("A", "B", 3), None))
    path = tmp_path / "sol.json"
    write_flow_solution(solution, path, objective=2, instance_name=instance.name)
    assert json.loads(path.read_text())["paths"] == [["A", "B", 3], None]
    assert read_flow_solution(path, instance) == solution


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data))
    return path


def base() -> dict:
    return {
        "format": "vrpsolve-pfar",
        "version": 1,
        "nodes": ["A", "B"],
        "links": [{"source": "A", "target": "B", "capacity": 5}],
        "flows": [{"source": "A", "target": "B", "demand": 1, "priority": 2}],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "vrpsolve-routing"}, "field 'format'"),
        ({"extra": 1}, r"unknown field\(s\) \['extra'\]"),
        ({"nodes": []}, "field 'nodes'"),
        ({"nodes": [True, "B"]}, "field 'nodes'"),
        ({"links": {}}, "field 'links' must be a list"),
        ({"links": [{"source": "A", "target": "B", "capacity": 0}]}, r"links\[0\].*positive"),
        ({"links": [{"source": "A", "target": "B", "capacity": "x"}]}, r"links\[0\]\.capacity"),
        ({"links": [{"source": "A", "target": "C"}]}, r"links\[0\]\.target': unknown node 'C'"),
        ({"links": [{"source": "A", "target": "B", "speed": 1}]}, r"links\[0\]'.*'speed'"),
        ({"links": [{"source": [1], "target": "B"}]}, r"links\[0\]\.source' must be a node"),
        ({"flows": [{"source": "A", "target": "B"}]}, r"flows\[0\]\.demand' is missing"),
        ({"flows": [{"source": "A", "target": "B", "demand": -1}]}, r"flows\[0\].*demand"),
        (
            {"flows": [{"source": "A", "target": "B", "demand": 1, "max_hops": 1.5}]},
            r"flows\[0\]\.max_hops",
        ),
        ({"mode": "fifo"}, "field 'mode' must be"),
    ],
)
def test_bad_instance_fields(tmp_path: Path, change: dict, message: str) -> None:
    """Invalid instance files raise InputError naming the file and the field."""
    data = base()
    data.update(change)
    path = write(tmp_path, data)
    with pytest.raises(InputError, match=message) as info:
        read_flow_instance(path)
    assert info.value.path == str(path)


def test_invalid_json_names_line(tmp_path: Path) -> None:
    """Malformed JSON is an InputError with the line number."""
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "vrpsolve-pfar",\n  oops\n}\n')
    with pytest.raises(InputError, match="invalid JSON") as info:
        read_flow_instance(path)
    assert info.value.line == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"paths": [["A", "B", 3]]}, "1 entries for 2 flows"),
        ({"paths": [["A", None], None]}, r"paths\[0\]"),
        ({"paths": "none"}, "field 'paths' must be a list"),
        ({"instance": "other"}, "not 'small'"),
    ],
)
def test_bad_solution_fields(tmp_path: Path, change: dict, message: str) -> None:
    """Invalid solution files raise InputError naming the field."""
    data = {"format": "vrpsolve-pfar-solution", "version": 1, "paths": [None, None]}
    data.update(change)
    with pytest.raises(InputError, match=message):
        read_flow_solution(write(tmp_path, data), small())


def test_atomic_write_leaves_no_temporary(tmp_path: Path) -> None:
    """Writing leaves only the target file in its folder."""
    write_flow_instance(small(), tmp_path / "a.json")
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_docs_examples_parse(tmp_path: Path) -> None:
    """The instance and solution examples in docs/pfar.md read and evaluate as documented."""
    text = (ROOT.parents[1] / "docs" / "pfar.md").read_text()
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 2
    (tmp_path / "toy.json").write_text(blocks[0])
    (tmp_path / "toy.sol.json").write_text(blocks[1])
    instance = read_flow_instance(tmp_path / "toy.json")
    result = evaluate_flows(instance, read_flow_solution(tmp_path / "toy.sol.json", instance))
    assert result.feasible
    assert result.objective == 4
    assert result.key() == (1.0, 4.0, 0.0)
