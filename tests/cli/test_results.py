"""What results say: strict JSON, the reason an instance has no feasible solution, and `eval`'s
verdict in its exit code, with routes numbered as the solution file numbers them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

import vrpsolve
from vrpsolve.routing.model import diagnose
from vrpsolve_cli.main import EXIT_INFEASIBLE, main

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs/result.schema.json").read_text())
E13 = "instances/cvrp/E-n13-k4.vrp"


@pytest.fixture
def small_fleet(tmp_path) -> Path:
    """E-n13-k4 with two vehicles of capacity 6000: 18,200 units of demand cannot fit."""
    instance = vrpsolve.read_instance(E13)
    fleet = (vrpsolve.VehicleType(capacity=6000, num_available=2),)
    path = tmp_path / "small-fleet.json"
    vrpsolve.write_instance(dataclasses.replace(instance, vehicle_types=fleet), path, "json")
    return path


@pytest.mark.parametrize(
    ("solver", "reason"),
    [
        ("ilp", "the ILP has no feasible solution"),
        ("savings", "total delivery demand 18200 exceeds the fleet's total capacity 12000"),
        ("ga", "total delivery demand 18200 exceeds the fleet's total capacity 12000"),
    ],
)
def test_an_infeasible_instance_is_infeasible_with_its_reason(
    solver, reason, small_fleet, capsys
):
    """No feasible solution exists: status `infeasible` and the reason (the ILP's proof, else
    the diagnosis of the data), in strict JSON that follows the published schema; the GA's
    infinite engine cost is null with its value named in `non_finite`."""
    argv = ["solve", str(small_fleet), "--solver", solver, "--time-limit", "1", "--format", "json"]
    assert main(argv) == 0
    line = capsys.readouterr().out
    assert "Infinity" not in line and "NaN" not in line
    record = json.loads(line)
    jsonschema.validate(record, SCHEMA)
    assert record["status"] == "infeasible" and reason in record["reason"]
    if solver == "ga":
        assert record["stats"]["engine_cost"] is None
        assert record["non_finite"] == {"stats.engine_cost": "inf"}


def test_diagnosis_names_each_kind_of_proof():
    """A customer heavier than every vehicle, a fleet too small for the demand and a window
    no vehicle can reach are each named; a solvable instance gives nothing."""
    instance = vrpsolve.read_instance(E13)
    assert diagnose(instance) == ()
    heavy = dataclasses.replace(instance, vehicle_types=(vrpsolve.VehicleType(capacity=1000),))
    assert "exceeds every vehicle's capacity" in diagnose(heavy)[0]
    windows = vrpsolve.read_instance("instances/vrptw/C101.txt")
    late = windows.time_windows.copy()
    late[5, 1] = 0.0
    (reason,) = diagnose(dataclasses.replace(windows, time_windows=late))
    assert reason.startswith("customer 5 cannot be reached before its time window closes")


def test_eval_exits_3_on_an_infeasible_solution_naming_routes_as_the_file_does(tmp_path, capsys):
    """A .sol file whose first route overloads the vehicle: exit 3, and the message says
    `route #1`, the file's own numbering."""
    solution = tmp_path / "overload.sol"
    solution.write_text("Route #1: " + " ".join(str(c) for c in range(1, 13)) + "\n")
    assert main(["eval", E13, str(solution)]) == EXIT_INFEASIBLE
    out = capsys.readouterr().out
    assert "capacity: route #1: load" in out
    assert main(["eval", E13, "instances/cvrp/E-n13-k4.sol"]) == 0
