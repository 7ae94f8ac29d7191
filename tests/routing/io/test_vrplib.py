"""Tests for the VRPLIB reader and writer (CVRPLIB and PyVRP's dialect)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import pyvrp
from io_testdata import DATA, INSTANCES, SMALL_CVRP

from vrpsolve.core.errors import InputError
from vrpsolve.routing.io import read_instance, read_solution, write_instance
from vrpsolve.routing.io.vrplib import read_vrplib
from vrpsolve.routing.model import BackhaulMode, CostConvention, evaluate


def test_euc_2d_is_rounded_per_edge(write_file):
    """EUC_2D distances are nint-rounded per edge and tagged NINT."""
    text = SMALL_CVRP.replace("3 6 8", "3 1 1")  # d(1,3) = sqrt(2) -> 1, d(2,3) = sqrt(13) -> 4
    instance = read_vrplib(write_file("a.vrp", text))
    assert instance.cost_convention is CostConvention.NINT
    assert instance.distance[0, 2] == 1.0
    assert instance.distance[1, 2] == 4.0
    assert instance.distance[0, 1] == 5.0


def test_nint_rounds_half_up(write_file):
    """A distance of exactly k + 0.5 rounds up (floor(d + 0.5)), not to even."""
    text = SMALL_CVRP.replace("2 3 4", "2 2.5 0")
    assert read_vrplib(write_file("a.vrp", text)).distance[0, 1] == 3.0


def test_cvrp_fleet_is_unlimited():
    """A CVRPLIB file without VEHICLES gets one vehicle type with an unlimited fleet."""
    instance = read_vrplib(INSTANCES / "cvrp" / "X-n101-k25.vrp")
    assert instance.vehicle_types[0].num_available is None
    assert instance.vehicle_types[0].capacity == 206
    assert instance.variant == "CVRP"


def test_explicit_lower_row_is_symmetric_explicit():
    """An EXPLICIT LOWER_ROW matrix is mirrored and tagged EXPLICIT."""
    instance = read_vrplib(INSTANCES / "cvrp" / "E-n13-k4.vrp")
    assert instance.cost_convention is CostConvention.EXPLICIT
    assert np.array_equal(instance.distance, instance.distance.T)
    assert instance.distance[1, 0] == 9 and instance.distance[2, 1] == 21


def test_vehicles_field_limits_the_fleet(write_file):
    """A VEHICLES specification becomes num_available."""
    text = SMALL_CVRP.replace("CAPACITY : 10", "CAPACITY : 10\nVEHICLES : 3")
    assert read_vrplib(write_file("a.vrp", text)).vehicle_types[0].num_available == 3


def test_multi_depot_time_windows():
    """MDVRPTW: depots, per-vehicle depots grouped into types, windows and service times."""
    instance = read_instance(DATA / "mdvrptw.vrp")
    assert instance.depots == (0, 1)
    assert [(vt.start_depot, vt.num_available) for vt in instance.vehicle_types] == [(0, 2), (1, 2)]
    assert instance.time_windows is not None and instance.time_windows[1, 1] == 100
    assert instance.service_times[2] == 2
    assert instance.variant == "MDVRPTW"


def test_multi_depot_solution_matches_pyvrp():
    """The MDVRPTW solution evaluates to the same cost as PyVRP computes for it."""
    instance = read_instance(DATA / "mdvrptw.vrp")
    evaluation = evaluate(instance, read_solution(DATA / "mdvrptw.sol", instance))
    data = pyvrp.read(DATA / "mdvrptw.vrp", round_func="round")
    reference = pyvrp.read_solution(DATA / "mdvrptw.sol", data)
    assert evaluation.feasible and reference.is_feasible()
    assert evaluation.cost == reference.distance() == 22


def test_vrpb_is_classic_backhaul():
    """TYPE VRPB with LINEHAUL/BACKHAUL sections gives classic backhaul."""
    instance = read_instance(DATA / "vrpb.vrp")
    assert instance.backhaul_mode is BackhaulMode.CLASSIC
    assert list(instance.delivery) == [0, 6, 4, 0, 0]
    assert list(instance.pickup) == [0, 0, 0, 7, 3]


def test_backhaul_without_vrpb_type_is_mixed(write_file):
    """Backhaul data without TYPE VRPB means mixed (simultaneous) pickup and delivery."""
    text = (DATA / "vrpb.vrp").read_text().replace("TYPE : VRPB", "TYPE : VRPSPD")
    instance = read_vrplib(write_file("mixed.vrp", text))
    assert instance.backhaul_mode is BackhaulMode.MIXED
    assert instance.variant == "VRPMB"


def test_heterogeneous_fleet_groups_identical_vehicles():
    """Per-vehicle capacity, fixed cost and limits are grouped into counted vehicle types."""
    instance = read_instance(DATA / "hfvrp.vrp")
    small, large = instance.vehicle_types
    assert (small.capacity, small.num_available, small.fixed_cost, small.max_distance) == (
        10,
        2,
        100,
        50,
    )
    assert (large.capacity, large.num_available, large.fixed_cost, large.max_distance) == (
        20,
        3,
        200,
        80,
    )
    assert small.max_duration == large.max_duration == 1000
    assert instance.is_heterogeneous


def test_heterogeneous_solution_matches_pyvrp():
    """Routes map to vehicles in file order, as PyVRP does, so fixed costs agree."""
    instance = read_instance(DATA / "hfvrp.vrp")
    solution = read_solution(DATA / "hfvrp.sol", instance)
    assert [r.vehicle_type for r in solution.routes] == [0, 0, 1]
    data = pyvrp.read(DATA / "hfvrp.vrp", round_func="round")
    reference = pyvrp.read_solution(DATA / "hfvrp.sol", data)
    cost = reference.distance() + reference.fixed_vehicle_cost()
    assert evaluate(instance, solution).cost == cost == 442


def test_unsupported_dialect_section_is_named(write_file):
    """A PyVRP section vrpsolve cannot represent raises InputError naming it and its line."""
    text = SMALL_CVRP.replace("EOF", "PRIZE_SECTION\n1 0\n2 0\n3 0\n4 0\nEOF")
    with pytest.raises(InputError, match=r"a\.vrp:19: section PRIZE_SECTION is not supported"):
        read_vrplib(write_file("a.vrp", text))


@pytest.mark.parametrize("name", ["mdvrptw", "vrpb", "hfvrp"])
def test_vrplib_round_trip_preserves_attributes(tmp_path, name):
    """Writing as VRPLIB and reading back keeps every attribute the dialect has."""
    original = read_instance(DATA / f"{name}.vrp")
    target = tmp_path / f"{name}.vrp"
    write_instance(original, target, format="vrplib")
    again = read_instance(target)
    assert np.array_equal(again.distance, original.distance)
    assert again.depots == original.depots
    assert again.vehicle_types == original.vehicle_types
    assert again.backhaul_mode is original.backhaul_mode
    assert again.cost_convention is original.cost_convention
    for attribute in ("delivery", "pickup", "service_times", "coords"):
        assert np.array_equal(getattr(again, attribute), getattr(original, attribute))


def test_written_vrplib_is_readable_by_pyvrp(tmp_path):
    """PyVRP reads the VRPLIB file vrpsolve writes, with the same fleet."""
    original = read_instance(DATA / "hfvrp.vrp")
    write_instance(original, tmp_path / "hf.vrp", format="vrplib")
    data = pyvrp.read(tmp_path / "hf.vrp")
    assert sorted(vt.num_available for vt in data.vehicle_types()) == [2, 3]


def test_trunc1_convention_survives_vrplib(tmp_path):
    """A non-integer explicit matrix keeps its convention through COST_CONVENTION."""
    original = read_instance(INSTANCES / "vrptw" / "C101.txt")
    write_instance(original, tmp_path / "c101.vrp", format="vrplib")
    again = read_instance(tmp_path / "c101.vrp")
    assert again.cost_convention is CostConvention.TRUNC1
    assert again.time_windows is not None and original.time_windows is not None
    assert np.array_equal(again.time_windows, original.time_windows)
    assert again.vehicle_types[0].num_available is None
    assert math.isinf(again.vehicle_types[0].max_distance)


def test_vrplib_writer_rejects_open_routes(tmp_path):
    """The VRPLIB writer refuses what the dialect cannot express, and leaves no file."""
    original = read_instance(DATA / "vrpb.vrp")
    opened = replace(original, vehicle_types=(replace(original.vehicle_types[0], open_route=True),))
    with pytest.raises(ValueError, match="open routes"):
        write_instance(opened, tmp_path / "o.vrp", format="vrplib")
    assert list(tmp_path.iterdir()) == []
