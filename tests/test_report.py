"""Tests for JSON records and text tables."""

from __future__ import annotations

import numpy as np

from vrpsolve.catalog import gap_percent
from vrpsolve.report import evaluation_record, render_table
from vrpsolve.routing.model import RoutingInstance, Solution, VehicleType, evaluate


def small_instance(name: str = "tiny") -> RoutingInstance:
    """Three nodes on a line, capacity two."""
    x = np.array([0.0, 1.0, 2.0])
    return RoutingInstance(
        name,
        np.abs(x[:, None] - x[None, :]),
        delivery=[0, 1, 1],
        vehicle_types=(VehicleType(capacity=2),),
    )


def test_gap_percent():
    """The gap is relative to the reference, in percent."""
    assert gap_percent(110, 100) == 10


def test_evaluation_record_lists_violations_and_routes():
    """A record carries the cost, feasibility, each violation and the routes."""
    instance = small_instance()
    solution = Solution.from_lists([[1, 1]])
    record = evaluation_record(instance, solution, evaluate(instance, solution))
    assert record["feasible"] is False
    assert {v["kind"] for v in record["violations"]} == {"duplicate_customer", "missing_customer"}
    assert record["routes"] == [{"vehicle_type": 0, "visits": [1, 1]}]
    assert record["bks"] is None and record["gap"] is None


def test_evaluation_record_gap_for_bundled_instance():
    """A feasible solution of a bundled instance gets its gap to the best-known value."""
    instance = small_instance("E-n13-k4")  # borrows the bundled name to look up its BKS (247)
    solution = Solution.from_lists([[1, 2]])
    record = evaluation_record(instance, solution, evaluate(instance, solution))
    assert record["bks"] == 247
    assert record["gap"] == round(gap_percent(4, 247), 4)


def test_render_table_aligns_columns():
    """Every table line has the same column starts, and missing values print as '-'."""
    records = [{"a": 1.5, "b": None, "gap": 0.0}, {"a": 10.0, "b": "x", "gap": 1.234}]
    lines = render_table(records, ["a", "b", "gap"]).splitlines()
    assert lines[0].split() == ["a", "b", "gap"]
    assert lines[2].split() == ["1.5", "-", "0.00"]
    assert lines[3].split() == ["10", "x", "1.23"]
    assert lines[0].index("b") == lines[2].index("-")
