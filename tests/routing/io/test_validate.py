"""Tests for input validation: every bad-input case raises InputError naming file and line."""

from __future__ import annotations

import pytest
from io_testdata import SMALL_CVRP

from vrpsolve.core.errors import InputError
from vrpsolve.routing.io import read_instance

TW_CVRP = SMALL_CVRP.replace(
    "DEPOT_SECTION",
    "TIME_WINDOW_SECTION\n1 0 100\n2 0 50\n3 0 50\n4 0 50\nDEPOT_SECTION",
)


def _error(path, format=None) -> InputError:
    with pytest.raises(InputError) as info:
        read_instance(path, format=format)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    return info.value


def test_missing_file(tmp_path):
    """A missing file raises InputError naming it."""
    error = _error(tmp_path / "nowhere.vrp")
    assert "file not found" in str(error)


@pytest.mark.parametrize("name", ["empty.vrp", "empty.txt", "empty.json", "empty.atsp"])
def test_empty_file(write_file, name):
    """An empty (or blank) file raises InputError naming it, whatever its format."""
    error = _error(write_file(name, "  \n\n"))
    assert "empty" in str(error)


def test_truncated_section(write_file):
    """A section with fewer rows than DIMENSION is reported as truncated at its header line."""
    text = SMALL_CVRP.replace("4 3\nDEPOT", "DEPOT")
    error = _error(write_file("a.vrp", text))
    assert "DEMAND_SECTION is truncated" in error.problem and error.line == 11


def test_truncated_explicit_matrix(write_file):
    """An EXPLICIT matrix with fewer values than DIMENSION implies is reported as truncated."""
    text = "NAME: t\nTYPE: ATSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
    text += "EDGE_WEIGHT_FORMAT: FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1 2\n3 0 4\n5 6\nEOF\n"
    error = _error(write_file("t.atsp", text))
    assert "truncated: 8 of 9 values" in error.problem and error.line == 6


def test_dimension_disagrees_with_rows(write_file):
    """A row index beyond DIMENSION is reported as a DIMENSION disagreement at its line."""
    text = SMALL_CVRP.replace("DIMENSION : 4", "DIMENSION : 3")
    error = _error(write_file("a.vrp", text))
    assert "DIMENSION disagrees" in error.problem and error.line == 10


def test_dimension_disagrees_with_matrix(write_file):
    """An EXPLICIT matrix with more values than DIMENSION implies is reported."""
    text = "NAME: t\nTYPE: ATSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
    text += "EDGE_WEIGHT_FORMAT: FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1\n2 0\n7\nEOF\n"
    error = _error(write_file("t.atsp", text))
    assert "DIMENSION disagrees" in error.problem and error.line == 9


def test_negative_demand(write_file):
    """A negative demand names the section and the node's line."""
    error = _error(write_file("a.vrp", SMALL_CVRP.replace("3 5\n", "3 -5\n")))
    assert "DEMAND_SECTION, node 2: negative demand -5" in error.problem and error.line == 14


def test_demand_exceeds_every_capacity(write_file):
    """A customer whose demand exceeds every vehicle's capacity is rejected at its line."""
    error = _error(write_file("a.vrp", SMALL_CVRP.replace("3 5\n", "3 11\n")))
    assert "exceeds the capacity of every vehicle" in error.problem and error.line == 14


def test_pickup_exceeds_every_capacity(write_file):
    """A backhaul (pickup) larger than every capacity is rejected too."""
    text = SMALL_CVRP.replace(
        "DEPOT_SECTION", "BACKHAUL_SECTION\n1 0\n2 0\n3 0\n4 12\nDEPOT_SECTION"
    )
    error = _error(write_file("a.vrp", text))
    assert "BACKHAUL_SECTION, node 3" in error.problem and error.line == 20


def test_time_window_unreachable_from_depot(write_file):
    """A window that closes before any vehicle can arrive from its depot is rejected."""
    text = TW_CVRP.replace("3 0 50\n", "3 0 9\n")  # d(0, 2) = 10
    error = _error(write_file("a.vrp", text))
    assert "node 2" in error.problem and "cannot be met" in error.problem
    assert error.line == 19


def test_time_window_return_after_depot_closes(write_file):
    """A customer served so late that the vehicle cannot return before the depot closes."""
    text = TW_CVRP.replace("3 0 50\n", "3 95 99\n")  # earliest return 95 + 10 > 100
    error = _error(write_file("a.vrp", text))
    assert "node 2" in error.problem and error.line == 19


def test_empty_time_window(write_file):
    """A window whose end precedes its start is rejected at its line."""
    error = _error(write_file("a.vrp", TW_CVRP.replace("4 0 50\n", "4 30 20\n")))
    assert "is empty" in error.problem and error.line == 20


def test_unknown_section(write_file):
    """An unknown section is named with its line."""
    text = SMALL_CVRP.replace("DEPOT_SECTION", "FOO_SECTION\n1 2\nDEPOT_SECTION")
    error = _error(write_file("a.vrp", text))
    assert error.problem == "unknown section FOO_SECTION" and error.line == 16


def test_non_numeric_token(write_file):
    """A non-numeric token is quoted with its section and line."""
    error = _error(write_file("a.vrp", SMALL_CVRP.replace("2 3 4", "2 3 x4")))
    assert "non-numeric token 'x4' in NODE_COORD_SECTION" in error.problem and error.line == 8


def test_missing_dimension(write_file):
    """A file without DIMENSION names the missing specification."""
    error = _error(write_file("a.vrp", SMALL_CVRP.replace("DIMENSION : 4\n", "")))
    assert "missing DIMENSION" in error.problem


def test_line_outside_section(write_file):
    """Stray data before any section is reported at its line."""
    error = _error(write_file("a.vrp", "NAME : x\n1 2 3\n"))
    assert "outside any section" in error.problem and error.line == 2


def test_solomon_negative_demand(write_file):
    """The Solomon reader applies the same validation, naming its column and line."""
    text = (
        "S1\n\nVEHICLE\nNUMBER     CAPACITY\n  2         20\n\nCUSTOMER\n"
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n"
        "0 0 0 0 0 100 0\n1 3 4 -2 0 50 1\n"
    )
    error = _error(write_file("s1.txt", text))
    assert "DEMAND, node 1: negative demand" in error.problem and error.line == 11


def test_json_demand_exceeds_capacity(write_file):
    """The JSON reader applies the same validation, naming the field."""
    text = (
        '{"format": "vrpsolve-routing", "version": 1, "distance": [[0, 1], [1, 0]],'
        ' "delivery": [0, 9], "vehicle_types": [{"capacity": 5}]}'
    )
    error = _error(write_file("j.json", text))
    assert "delivery, node 1" in error.problem and "exceeds" in error.problem
