"""Tests for the Solomon VRPTW reader."""

from __future__ import annotations

import math

from io_testdata import INSTANCES

from vrpsolve.routing.io.solomon import read_solomon
from vrpsolve.routing.model import CostConvention


def test_solomon_r101_attributes():
    """R101: capacity from VEHICLE, unlimited fleet, depot closing time, service times."""
    instance = read_solomon(INSTANCES / "vrptw" / "R101.txt")
    (vehicle,) = instance.vehicle_types
    assert vehicle.capacity == 200 and vehicle.num_available is None
    assert instance.time_windows is not None
    assert tuple(instance.time_windows[0]) == (0, 230)
    assert instance.service_times[1] == 10 and instance.service_times[0] == 0
    assert instance.variant == "VRPTW"
    assert instance.cost_convention is CostConvention.TRUNC1


def test_solomon_distances_truncated_to_one_decimal():
    """Distances and travel times are floor(10 d) / 10."""
    instance = read_solomon(INSTANCES / "vrptw" / "R101.txt")
    # node 0 at (35, 35), node 1 at (41, 49): d = sqrt(232) = 15.2315...
    assert instance.distance[0, 1] == 15.2
    assert instance.duration[0, 1] == 15.2
    assert math.isclose(instance.distance[0, 1] * 10, 152)


def test_solomon_crlf_file_reads():
    """C101 (CRLF line endings) reads with 101 nodes."""
    assert read_solomon(INSTANCES / "vrptw" / "C101.txt").num_nodes == 101
