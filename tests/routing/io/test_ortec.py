"""Tests for the ORTEC VRPTW reader."""

from __future__ import annotations

import numpy as np
import pytest
from io_testdata import INSTANCES

from vrpsolve.core.errors import InputError
from vrpsolve.routing.io.ortec import read_ortec
from vrpsolve.routing.model import CostConvention

ORTEC = INSTANCES / "real" / "ORTEC-VRPTW-ASYM-cc05bba4-d1-n200-k15.txt"


def test_ortec_attributes():
    """ORTEC: asymmetric explicit matrix as distance and duration, fleet limit, closing time."""
    instance = read_ortec(ORTEC)
    assert instance.num_nodes == 201 and instance.is_asymmetric
    assert np.array_equal(instance.distance, instance.duration)
    assert instance.cost_convention is CostConvention.EXPLICIT
    (vehicle,) = instance.vehicle_types
    assert vehicle.num_available == 15 and vehicle.capacity == 200
    assert instance.time_windows is not None and instance.time_windows[0, 1] == 45000
    assert instance.service_times[1] == 600
    assert instance.coords is not None
    assert instance.variant == "ACVRPTW"


def test_ortec_needs_time_windows(write_file):
    """A file without TIME_WINDOW_SECTION is not an ORTEC instance."""
    text = ORTEC.read_text().split("TIME_WINDOW_SECTION")[0] + "EOF\n"
    with pytest.raises(InputError, match=r"o\.txt: an ORTEC file needs a TIME_WINDOW_SECTION"):
        read_ortec(write_file("o.txt", text))
