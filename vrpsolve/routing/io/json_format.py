"""vrpsolve's native JSON formats: ``vrpsolve-routing`` instances and ``vrpsolve-solution`` files.

Every attribute of :class:`RoutingInstance` is written; ``null`` (or an absent field) stands for
"unlimited", "infinite" or "not given". See ``docs/formats.md`` for the field list.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import VERSION, load_json, write_text_atomic
from vrpsolve.routing.io.validate import Provenance, build_instance
from vrpsolve.routing.model import (
    MAX_NODES,
    BackhaulMode,
    CostConvention,
    Route,
    RoutingInstance,
    Solution,
    VehicleType,
)

INSTANCE_TAG = "vrpsolve-routing"
SOLUTION_TAG = "vrpsolve-solution"

_VEHICLE_DEFAULTS = VehicleType()


def _array(data: dict[str, Any], key: str, path: Path, ndim: int) -> np.ndarray | None:
    """A numeric array field (``null`` entries read as ``inf``), or ``None`` when absent."""
    value = data.get(key)
    if value is None:
        return None

    def fill(item: Any) -> Any:
        if isinstance(item, list):
            return [fill(x) for x in item]
        if item is None:
            return math.inf
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise InputError(f"field {key!r}: non-numeric value {item!r}", path)
        return item

    filled = fill(value)
    try:
        array = np.array(filled, dtype=np.float64)
    except ValueError:
        raise InputError(f"field {key!r}: rows have different lengths", path) from None
    except OverflowError:
        raise InputError(f"field {key!r}: a number too large for a float", path) from None
    if array.ndim != ndim:
        raise InputError(f"field {key!r} must be a {ndim}-dimensional array", path)
    return array


def _number(value: Any, field: str, path: Path, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"field {field!r}: expected a number, got {value!r}", path)
    try:
        return float(value)
    except OverflowError:
        raise InputError(f"field {field!r}: {value} is too large for a float", path) from None


def _node(value: Any, field: str, path: Path) -> int:
    """A node index field (``0`` when absent)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"field {field!r}: expected a node index, got {value!r}", path)
    return value


def _flag(value: Any, field: str, path: Path) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"field {field!r}: expected true or false, got {value!r}", path)
    return value


def _vehicle_type(entry: Any, k: int, path: Path) -> VehicleType:
    field = f"vehicle_types[{k}]"
    if not isinstance(entry, dict):
        raise InputError(f"field {field!r} must be an object", path)
    unknown = set(entry) - set(VehicleType.__dataclass_fields__)
    if unknown:
        raise InputError(f"field {field!r}: unknown key(s) {sorted(unknown)}", path)
    count = entry.get("num_available")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise InputError(f"field '{field}.num_available' must be a positive integer or null", path)
    d = _VEHICLE_DEFAULTS
    return VehicleType(
        capacity=_number(entry.get("capacity"), f"{field}.capacity", path, math.inf),
        num_available=count,
        start_depot=_node(entry.get("start_depot"), f"{field}.start_depot", path),
        end_depot=_node(entry.get("end_depot"), f"{field}.end_depot", path),
        open_route=_flag(entry.get("open_route", d.open_route), f"{field}.open_route", path),
        max_duration=_number(entry.get("max_duration"), f"{field}.max_duration", path, math.inf),
        max_distance=_number(entry.get("max_distance"), f"{field}.max_distance", path, math.inf),
        fixed_cost=_number(entry.get("fixed_cost"), f"{field}.fixed_cost", path, 0.0),
    )


_INSTANCE_KEYS = {
    "format",
    "version",
    "name",
    "distance",
    "duration",
    "coords",
    "depots",
    "delivery",
    "pickup",
    "backhaul_mode",
    "time_windows",
    "service_times",
    "vehicle_types",
    "cost_convention",
}


def read_json_instance(path: str | Path) -> RoutingInstance:
    """Read a ``vrpsolve-routing`` JSON instance.

    Parameters
    ----------
    path
        The ``.json`` file.

    Returns
    -------
    RoutingInstance
        The instance, validated like every other reader's.
    """
    path = Path(path)
    data = load_json(path, INSTANCE_TAG)
    unknown = set(data) - _INSTANCE_KEYS
    if unknown:
        raise InputError(f"unknown field(s) {sorted(unknown)}", path)
    distance = _array(data, "distance", path, 2)
    if distance is None:
        raise InputError("missing field 'distance'", path)
    n = distance.shape[0]
    if n > MAX_NODES:
        raise InputError(
            f"field 'distance' has {n} rows, more than the maximum of {MAX_NODES}", path
        )
    optional: dict[str, Any] = {}
    for key, ndim in (("duration", 2), ("delivery", 1), ("pickup", 1), ("service_times", 1)):
        array = _array(data, key, path, ndim)
        if array is not None:
            optional[key] = array
    for key in ("coords", "time_windows"):
        optional[key] = _array(data, key, path, 2)
    types = data.get("vehicle_types", [{}])
    if not isinstance(types, list) or not types:
        raise InputError("field 'vehicle_types' must be a non-empty list", path)
    depots = data.get("depots", [0])
    if (
        not isinstance(depots, list)
        or not depots
        or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < n for d in depots)
    ):
        raise InputError(
            f"field 'depots' must be a non-empty list of node indices 0..{n - 1}", path
        )
    try:
        backhaul = BackhaulMode(data.get("backhaul_mode", "none"))
        convention = CostConvention(data.get("cost_convention", "float"))
    except ValueError as exc:
        raise InputError(f"invalid field: {exc}", path) from None
    return build_instance(
        Provenance(path),
        name=str(data.get("name", path.stem)),
        distance=distance,
        depots=tuple(depots),
        backhaul_mode=backhaul,
        vehicle_types=tuple(_vehicle_type(e, k, path) for k, e in enumerate(types)),
        cost_convention=convention,
        **optional,
    )


def _plain(value: float) -> float | int | None:
    """A JSON-safe scalar: ``None`` for infinity, ``int`` for integral values."""
    value = float(value)
    if math.isinf(value):
        return None
    return int(value) if value.is_integer() else value


def _plain_array(array: np.ndarray) -> Any:
    if array.ndim == 1:
        return [_plain(v) for v in array]
    return [_plain_array(row) for row in array]


def instance_to_dict(instance: RoutingInstance) -> dict[str, Any]:
    """The JSON object for an instance (``duration`` is ``null`` when it equals ``distance``)."""
    same = np.array_equal(instance.duration, instance.distance)
    return {
        "format": INSTANCE_TAG,
        "version": VERSION,
        "name": instance.name,
        "cost_convention": instance.cost_convention.value,
        "depots": list(instance.depots),
        "backhaul_mode": instance.backhaul_mode.value,
        "vehicle_types": [
            {
                "capacity": _plain(vt.capacity),
                "num_available": vt.num_available,
                "start_depot": vt.start_depot,
                "end_depot": vt.end_depot,
                "open_route": vt.open_route,
                "max_duration": _plain(vt.max_duration),
                "max_distance": _plain(vt.max_distance),
                "fixed_cost": _plain(vt.fixed_cost),
            }
            for vt in instance.vehicle_types
        ],
        "delivery": _plain_array(instance.delivery),
        "pickup": _plain_array(instance.pickup),
        "service_times": _plain_array(instance.service_times),
        "time_windows": None
        if instance.time_windows is None
        else _plain_array(instance.time_windows),
        "coords": None if instance.coords is None else _plain_array(instance.coords),
        "distance": _plain_array(instance.distance),
        "duration": None if same else _plain_array(instance.duration),
    }


def write_json_instance(instance: RoutingInstance, path: str | Path) -> None:
    """Write an instance as ``vrpsolve-routing`` JSON (atomically)."""
    write_text_atomic(path, _dumps(instance_to_dict(instance)))


def _dumps(data: dict[str, Any]) -> str:
    """JSON with one matrix row per line: readable and diff-friendly, yet compact."""
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], list):
            rows = ",\n    ".join(json.dumps(row) for row in value)
            parts.append(f"  {json.dumps(key)}: [\n    {rows}\n  ]")
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def read_json_solution(path: str | Path, instance: RoutingInstance) -> Solution:
    """Read a ``vrpsolve-solution`` JSON file; node indices are checked by the caller."""
    path = Path(path)
    data = load_json(path, SOLUTION_TAG)
    name = data.get("instance")
    if name is not None and name != instance.name:
        raise InputError(f"solution is for instance {name!r}, not {instance.name!r}", path)
    routes = data.get("routes")
    if not isinstance(routes, list):
        raise InputError("field 'routes' must be a list", path)
    result = []
    for k, entry in enumerate(routes):
        if not isinstance(entry, dict) or not isinstance(entry.get("visits"), list):
            raise InputError(f"field 'routes[{k}]' must be an object with a 'visits' list", path)
        visits = entry["visits"]
        vtype = entry.get("vehicle_type", 0)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in [*visits, vtype]):
            raise InputError(f"field 'routes[{k}]': node and type indices must be integers", path)
        result.append(Route(tuple(visits), vtype))
    return Solution(tuple(result))


def write_json_solution(
    solution: Solution,
    path: str | Path,
    cost: float | None = None,
    instance_name: str | None = None,
) -> None:
    """Write a ``vrpsolve-solution`` JSON file (atomically)."""
    data: dict[str, Any] = {"format": SOLUTION_TAG, "version": VERSION}
    if instance_name is not None:
        data["instance"] = instance_name
    data["routes"] = [
        {"vehicle_type": r.vehicle_type, "visits": list(r.visits)} for r in solution.routes
    ]
    if cost is not None:
        data["cost"] = _plain(cost)
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")
