"""Tests for the native vrpsolve-routing JSON format."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from io_testdata import DATA, INSTANCES

from vrpsolve.core.errors import InputError
from vrpsolve.routing.io import read_instance, write_instance
from vrpsolve.routing.model import (
    BackhaulMode,
    CostConvention,
    RoutingInstance,
    VehicleType,
)


def _full_instance() -> RoutingInstance:
    distance = np.array([[0, 2.5, 3], [2, 0, 1.25], [3, 1, 0]])
    return RoutingInstance(
        name="every-attribute",
        distance=distance,
        duration=distance * 2,
        coords=np.array([[0, 0], [1, 2], [3, 4.5]]),
        depots=(0,),
        delivery=np.array([0, 3, 0]),
        pickup=np.array([0, 0, 4]),
        backhaul_mode=BackhaulMode.CLASSIC,
        time_windows=np.array([[0, math.inf], [0, 50], [10, 60]]),
        service_times=np.array([0, 1, 2]),
        vehicle_types=(
            VehicleType(
                capacity=10,
                num_available=2,
                open_route=True,
                max_duration=100,
                max_distance=80,
                fixed_cost=5,
            ),
            VehicleType(),
        ),
        cost_convention=CostConvention.FLOAT,
    )


def _same(a: RoutingInstance, b: RoutingInstance) -> bool:
    arrays = (
        "distance",
        "duration",
        "coords",
        "delivery",
        "pickup",
        "time_windows",
        "service_times",
    )
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in arrays) and (
        a.name,
        a.depots,
        a.backhaul_mode,
        a.vehicle_types,
        a.cost_convention,
    ) == (b.name, b.depots, b.backhaul_mode, b.vehicle_types, b.cost_convention)


def test_json_round_trip_every_attribute(tmp_path):
    """Every RoutingInstance attribute survives write_instance/read_instance as JSON."""
    original = _full_instance()
    write_instance(original, tmp_path / "x.json")
    assert _same(read_instance(tmp_path / "x.json"), original)


@pytest.mark.parametrize(
    "path",
    [DATA / "mdvrptw.vrp", INSTANCES / "vrptw" / "R101.txt", INSTANCES / "atsp" / "br17.atsp"],
    ids=lambda p: p.name,
)
def test_json_round_trip_read_instances(tmp_path, path):
    """Instances read from benchmark files round-trip through JSON unchanged."""
    original = read_instance(path)
    write_instance(original, tmp_path / "x.json")
    assert _same(read_instance(tmp_path / "x.json"), original)


def test_json_tags_and_nulls(tmp_path):
    """The file carries format/version tags and null for unlimited or infinite values."""
    write_instance(_full_instance(), tmp_path / "x.json")
    data = json.loads((tmp_path / "x.json").read_text())
    assert data["format"] == "vrpsolve-routing" and data["version"] == 1
    second = data["vehicle_types"][1]
    assert second["capacity"] is None and second["num_available"] is None
    assert data["time_windows"][0] == [0, None]


def test_json_minimal_defaults(write_file):
    """Absent fields take their defaults: depot 0, zero demands, one unlimited vehicle."""
    text = '{"format": "vrpsolve-routing", "version": 1, "distance": [[0, 1], [1, 0]]}'
    instance = read_instance(write_file("m.json", text))
    assert instance.depots == (0,) and instance.vehicle_types == (VehicleType(),)
    assert instance.cost_convention is CostConvention.FLOAT


def test_json_wrong_tag(write_file):
    """A JSON file without the vrpsolve-routing tag is rejected, naming the field."""
    with pytest.raises(InputError, match=r"m\.json: field 'format' must be 'vrpsolve-routing'"):
        read_instance(write_file("m.json", '{"distance": [[0]]}'))


def test_json_syntax_error_names_line(write_file):
    """Invalid JSON is reported with its line."""
    with pytest.raises(InputError, match=r"m\.json:2: invalid JSON"):
        read_instance(write_file("m.json", '{"format": "vrpsolve-routing",\n "version": ]}'))


def test_json_non_numeric_matrix(write_file):
    """A non-numeric matrix entry names the field."""
    text = '{"format": "vrpsolve-routing", "version": 1, "distance": [[0, "a"], [1, 0]]}'
    with pytest.raises(InputError, match="field 'distance': non-numeric value 'a'"):
        read_instance(write_file("m.json", text))


def test_json_depot_out_of_range(write_file):
    """A depot index outside the matrix is rejected, naming the field."""
    text = (
        '{"format": "vrpsolve-routing", "version": 1, "distance": [[0, 1], [1, 0]], "depots": [5]}'
    )
    with pytest.raises(InputError, match=r"m\.json: field 'depots'"):
        read_instance(write_file("m.json", text))
