"""Tests for the TSPLIB .tsp and .atsp readers and the distance conventions."""

from __future__ import annotations

import math

import numpy as np
from io_testdata import INSTANCES

from vrpsolve.routing.io.distances import att, explicit_matrix, geo
from vrpsolve.routing.io.tsplib import read_atsp, read_tsp
from vrpsolve.routing.model import CostConvention


def test_tsp_is_one_uncapacitated_vehicle():
    """A .tsp file gives one vehicle with infinite capacity and depot node 0."""
    instance = read_tsp(INSTANCES / "tsp" / "a280.tsp")
    (vehicle,) = instance.vehicle_types
    assert vehicle.num_available == 1 and math.isinf(vehicle.capacity)
    assert instance.depots == (0,) and instance.variant == "TSP"


def test_att_pseudo_euclidean():
    """ATT distance rounds sqrt(d^2/10) up unless it is already integral."""
    coords = np.array([[0.0, 0.0], [10.0, 0.0], [1.0, 0.0]])
    matrix = att(coords)
    assert matrix[0, 1] == 4.0  # sqrt(10) = 3.16 -> nint 3 < 3.16 -> 4
    assert matrix[0, 2] == 1.0  # sqrt(0.1) = 0.32 -> nint 0 < 0.32 -> 1
    assert read_tsp(INSTANCES / "tsp" / "att48.tsp").cost_convention is CostConvention.ATT


def test_geo_distance_is_integral_and_symmetric():
    """GEO distances are TSPLIB integers with a zero diagonal."""
    matrix = geo(np.array([[38.24, 20.42], [39.57, 26.15], [40.56, 25.32], [36.26, 23.12]]))
    assert np.array_equal(matrix, matrix.T) and (np.diag(matrix) == 0).all()
    assert list(matrix[0, 1:]) == [509, 501, 312]  # ulysses16, first row


def test_explicit_layouts_agree():
    """Every TSPLIB triangular layout of one symmetric matrix gives that matrix."""
    full = np.array([[0, 1, 2, 3], [1, 0, 4, 5], [2, 4, 0, 6], [3, 5, 6, 0]], dtype=float)
    n = 4
    rows, cols = np.tril_indices(n, -1)
    assert np.array_equal(explicit_matrix(full[rows, cols], n, "LOWER_ROW"), full)
    assert np.array_equal(explicit_matrix(full[cols, rows], n, "UPPER_COL"), full)
    rows, cols = np.triu_indices(n, 1)
    assert np.array_equal(explicit_matrix(full[rows, cols], n, "UPPER_ROW"), full)
    assert np.array_equal(explicit_matrix(full[cols, rows], n, "LOWER_COL"), full)
    rows, cols = np.tril_indices(n)
    assert np.array_equal(explicit_matrix(full[rows, cols], n, "LOWER_DIAG_ROW"), full)
    rows, cols = np.triu_indices(n)
    assert np.array_equal(explicit_matrix(full[rows, cols], n, "UPPER_DIAG_ROW"), full)


def test_atsp_wrapped_rows_and_zero_diagonal():
    """An .atsp file whose rows wrap is read as a token stream, diagonal set to 0."""
    instance = read_atsp(INSTANCES / "atsp" / "br17.atsp")
    assert instance.num_nodes == 17
    assert (np.diag(instance.distance) == 0).all()
    assert instance.distance[0, 1] == 3 and instance.distance[0, 16] == 5
    assert instance.cost_convention is CostConvention.EXPLICIT
    assert instance.variant == "ATSP"


def test_ftv_dimension_is_n_plus_one():
    """ftv33 has DIMENSION 34 and reads with 34 nodes."""
    assert read_atsp(INSTANCES / "atsp" / "ftv33.atsp").num_nodes == 34
