"""vrpsolve's native JSON formats for PFAR: ``vrpsolve-pfar`` instances and their solutions.

Node names are JSON strings or integers and keep their type (``1`` and ``"1"`` are different
nodes). ``null`` stands for "unlimited" (a link's capacity, a flow's hop or delay limit) or, in a
solution, for a rejected flow. See ``docs/pfar.md`` for the schema.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import VERSION, load_json, write_text_atomic
from vrpsolve.flows.model import (
    AdmissionMode,
    Flow,
    FlowAdmissionInstance,
    FlowSolution,
    Link,
    Node,
)

INSTANCE_TAG = "vrpsolve-pfar"
SOLUTION_TAG = "vrpsolve-pfar-solution"

_INSTANCE_KEYS = {"format", "version", "name", "mode", "nodes", "links", "flows"}
_LINK_KEYS = {"source", "target", "capacity", "delay"}
_FLOW_KEYS = {"source", "target", "demand", "priority", "max_hops", "max_delay"}
_SOLUTION_KEYS = {"format", "version", "instance", "paths", "objective"}


def _is_node(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def _number(entry: dict[str, Any], key: str, field: str, path: Path, default: Any) -> Any:
    """A numeric entry, ``default`` when absent or ``null``."""
    value = entry.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"field '{field}.{key}': expected a number, got {value!r}", path)
    try:
        return float(value)
    except OverflowError:
        raise InputError(f"field '{field}.{key}': {value} is too large for a float", path) from None


def _object(entry: Any, field: str, keys: set[str], path: Path) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise InputError(f"field {field!r} must be an object", path)
    unknown = set(entry) - keys
    if unknown:
        raise InputError(f"field {field!r}: unknown key(s) {sorted(unknown)}", path)
    for end in ("source", "target"):
        if not _is_node(entry.get(end)):
            raise InputError(
                f"field '{field}.{end}' must be a node name (string or integer), "
                f"got {entry.get(end)!r}",
                path,
            )
    return entry


def _link(entry: Any, k: int, path: Path) -> Link:
    field = f"links[{k}]"
    data = _object(entry, field, _LINK_KEYS, path)
    capacity = _number(data, "capacity", field, path, math.inf)
    delay = _number(data, "delay", field, path, 0.0)
    try:
        return Link(data["source"], data["target"], capacity, delay)
    except ValueError as exc:
        raise InputError(f"field {field!r}: {exc}", path) from None


def _flow(entry: Any, k: int, path: Path) -> Flow:
    field = f"flows[{k}]"
    data = _object(entry, field, _FLOW_KEYS, path)
    if data.get("demand") is None:
        raise InputError(f"field '{field}.demand' is missing", path)
    hops = data.get("max_hops")
    if hops is not None and (isinstance(hops, bool) or not isinstance(hops, int)):
        raise InputError(f"field '{field}.max_hops' must be an integer or null, got {hops!r}", path)
    try:
        return Flow(
            data["source"],
            data["target"],
            demand=_number(data, "demand", field, path, None),
            priority=_number(data, "priority", field, path, 1.0),
            max_hops=hops,
            max_delay=_number(data, "max_delay", field, path, None),
        )
    except (TypeError, ValueError) as exc:
        raise InputError(f"field {field!r}: {exc}", path) from None


def instance_from_dict(data: dict[str, Any], path: str | Path = "<input>") -> FlowAdmissionInstance:
    """Build an instance from a parsed ``vrpsolve-pfar`` object (tags already checked).

    Raises
    ------
    InputError
        Naming the field at fault and ``path``.
    """
    path = Path(path)
    unknown = set(data) - _INSTANCE_KEYS
    if unknown:
        raise InputError(f"unknown field(s) {sorted(unknown)}", path)
    nodes = data.get("nodes")
    if isinstance(nodes, int) and not isinstance(nodes, bool):
        if nodes < 1:
            raise InputError(f"field 'nodes': a node count must be positive, got {nodes}", path)
    elif not isinstance(nodes, list) or not nodes or not all(map(_is_node, nodes)):
        raise InputError(
            "field 'nodes' must be a node count or a non-empty list of node names", path
        )
    for key in ("links", "flows"):
        if not isinstance(data.get(key, []), list):
            raise InputError(f"field {key!r} must be a list", path)
    mode = data.get("mode", "weighted")
    if mode not in {m.value for m in AdmissionMode}:
        raise InputError(f"field 'mode' must be 'weighted' or 'lexicographic', got {mode!r}", path)
    links = [_link(e, k, path) for k, e in enumerate(data.get("links", []))]
    flows = [_flow(e, k, path) for k, e in enumerate(data.get("flows", []))]
    try:
        return FlowAdmissionInstance(
            name=str(data.get("name", path.stem)),
            nodes=nodes,
            links=links,
            flows=flows,
            mode=mode,
        )
    except ValueError as exc:  # the instance names the field first: "links[3].source: ..."
        where, _, problem = str(exc).partition(": ")
        raise InputError(f"field {where!r}: {problem}", path) from None


def read_flow_instance(path: str | Path) -> FlowAdmissionInstance:
    """Read a ``vrpsolve-pfar`` JSON instance.

    Parameters
    ----------
    path
        The ``.json`` file.

    Returns
    -------
    FlowAdmissionInstance
        The validated instance.
    """
    path = Path(path)
    return instance_from_dict(load_json(path, INSTANCE_TAG), path)


def _plain(value: float | None) -> float | int | None:
    """A JSON-safe scalar: ``None`` for infinity (or ``None``), ``int`` for integral values."""
    if value is None or math.isinf(value):
        return None
    return int(value) if float(value).is_integer() else float(value)


def instance_to_dict(instance: FlowAdmissionInstance) -> dict[str, Any]:
    """The JSON object for an instance (nodes written as a count when they are ``0..n-1``)."""
    plain_nodes = instance.nodes == tuple(range(instance.num_nodes))
    return {
        "format": INSTANCE_TAG,
        "version": VERSION,
        "name": instance.name,
        "mode": instance.mode.value,
        "nodes": instance.num_nodes if plain_nodes else list(instance.nodes),
        "links": [
            {
                "source": link.source,
                "target": link.target,
                "capacity": _plain(link.capacity),
                "delay": _plain(link.delay),
            }
            for link in instance.links
        ],
        "flows": [
            {
                "source": flow.source,
                "target": flow.target,
                "demand": _plain(flow.demand),
                "priority": _plain(flow.priority),
                "max_hops": flow.max_hops,
                "max_delay": _plain(flow.max_delay),
            }
            for flow in instance.flows
        ],
    }


def _dumps(data: dict[str, Any]) -> str:
    """JSON with one list item (link, flow or path) per line."""
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
            items = ",\n    ".join(json.dumps(item) for item in value)
            parts.append(f"  {json.dumps(key)}: [\n    {items}\n  ]")
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def write_flow_instance(instance: FlowAdmissionInstance, path: str | Path) -> None:
    """Write an instance as ``vrpsolve-pfar`` JSON (atomically)."""
    write_text_atomic(path, _dumps(instance_to_dict(instance)))


def read_flow_solution(path: str | Path, instance: FlowAdmissionInstance) -> FlowSolution:
    """Read a ``vrpsolve-pfar-solution`` JSON file.

    Only the shape is checked here (one entry per flow, each a list of node names or ``null``);
    :func:`vrpsolve.flows.model.evaluate_flows` judges the paths.
    """
    path = Path(path)
    data = load_json(path, SOLUTION_TAG)
    unknown = set(data) - _SOLUTION_KEYS
    if unknown:
        raise InputError(f"unknown field(s) {sorted(unknown)}", path)
    name = data.get("instance")
    if name is not None and name != instance.name:
        raise InputError(f"solution is for instance {name!r}, not {instance.name!r}", path)
    paths = data.get("paths")
    if not isinstance(paths, list):
        raise InputError("field 'paths' must be a list", path)
    if len(paths) != instance.num_flows:
        raise InputError(
            f"field 'paths' has {len(paths)} entries for {instance.num_flows} flows", path
        )
    result: list[tuple[Node, ...] | None] = []
    for k, entry in enumerate(paths):
        if entry is not None and not (isinstance(entry, list) and all(map(_is_node, entry))):
            raise InputError(f"field 'paths[{k}]' must be a list of node names or null", path)
        result.append(None if entry is None else tuple(entry))
    return FlowSolution(tuple(result))


def write_flow_solution(
    solution: FlowSolution,
    path: str | Path,
    objective: float | None = None,
    instance_name: str | None = None,
) -> None:
    """Write a ``vrpsolve-pfar-solution`` JSON file (atomically)."""
    data: dict[str, Any] = {"format": SOLUTION_TAG, "version": VERSION}
    if instance_name is not None:
        data["instance"] = instance_name
    data["paths"] = [None if p is None else list(p) for p in solution.paths]
    if objective is not None:
        data["objective"] = _plain(objective)
    write_text_atomic(path, _dumps(data))
