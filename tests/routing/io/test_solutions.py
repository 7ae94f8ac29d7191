"""Tests for solution reading (.sol, .opt.tour, JSON) and writing."""

from __future__ import annotations

import pytest
from io_testdata import DATA, INSTANCES

from vrpsolve.core.errors import InputError
from vrpsolve.routing.io import read_instance, read_solution, write_solution
from vrpsolve.routing.model import Route, Solution, evaluate

TOUR = "NAME : eil51.opt.tour\nTYPE : TOUR\nDIMENSION : 51\nTOUR_SECTION\n{nodes}\n-1\nEOF\n"


@pytest.fixture(scope="module")
def eil51():
    """The eil51 TSP instance."""
    return read_instance(INSTANCES / "tsp" / "eil51.tsp")


@pytest.fixture(scope="module")
def small_cvrp():
    """The E-n13-k4 CVRP instance."""
    return read_instance(INSTANCES / "cvrp" / "E-n13-k4.vrp")


def test_tour_is_rotated_to_start_at_depot(write_file, eil51):
    """A tour not starting at node 1 is rotated so the depot starts and is left out."""
    nodes = [*range(5, 52), 1, 2, 3, 4]
    path = write_file("eil51.opt.tour", TOUR.format(nodes="\n".join(map(str, nodes))))
    solution = read_solution(path, eil51)
    assert solution.routes[0].visits == (1, 2, 3, *range(4, 51))


def test_tour_name_for_another_instance(write_file, eil51):
    """A tour whose NAME names another instance is rejected at the NAME line."""
    text = TOUR.replace("eil51", "st70").format(nodes="\n".join(map(str, range(1, 52))))
    with pytest.raises(InputError, match=r"st70\.opt\.tour:1: tour NAME"):
        read_solution(write_file("st70.opt.tour", text), eil51)


def test_tour_dimension_disagrees(write_file, eil51):
    """A tour DIMENSION different from the instance's node count is rejected."""
    text = TOUR.replace("DIMENSION : 51", "DIMENSION : 52").format(nodes="1")
    with pytest.raises(InputError, match=r"eil51\.opt\.tour:3: tour DIMENSION 52 disagrees"):
        read_solution(write_file("eil51.opt.tour", text), eil51)


def test_tour_node_beyond_instance(write_file, eil51):
    """A tour node beyond the instance's nodes is rejected with its line."""
    text = TOUR.format(nodes="1\n2\n99")
    with pytest.raises(InputError, match=r"eil51\.opt\.tour:7: TOUR_SECTION: node 99 does not"):
        read_solution(write_file("eil51.opt.tour", text), eil51)


def test_tour_without_terminator(write_file, eil51):
    """A TOUR_SECTION without -1 is reported as truncated."""
    text = TOUR.replace("-1\n", "").format(nodes="1\n2")
    with pytest.raises(InputError, match="no terminating -1"):
        read_solution(write_file("eil51.opt.tour", text), eil51)


def test_sol_node_does_not_exist(write_file, small_cvrp):
    """A .sol route naming a node beyond the instance is rejected with file and line."""
    path = write_file("e.sol", "Route #1: 1 2\nRoute #2: 3 40\nCost 1\n")
    with pytest.raises(InputError, match=r"e\.sol:2: route #2: node 40 does not exist"):
        read_solution(path, small_cvrp)


def test_sol_route_names_depot(write_file, small_cvrp):
    """A .sol route naming the depot is rejected with file and line."""
    path = write_file("e.sol", "Route #1: 1 0 2\n")
    with pytest.raises(InputError, match=r"e\.sol:1: route #1: node 0 is a depot"):
        read_solution(path, small_cvrp)


def test_sol_non_numeric_visit(write_file, small_cvrp):
    """A non-numeric visit is reported as such."""
    path = write_file("e.sol", "Route #1: 1 x\n")
    with pytest.raises(InputError, match=r"e\.sol:1: non-numeric token 'x'"):
        read_solution(path, small_cvrp)


def test_ortec_style_route_lines(write_file, small_cvrp):
    """ORTEC's 'Route k : ...' lines read like CVRPLIB's 'Route #k: ...'."""
    path = write_file(
        "e.sol", "Route 1 : 1\nRoute 2 : 8 5 3\nRoute 3 : 9 12 10 6\nRoute 4 : 11 4 7 2\nCost 247\n"
    )
    assert evaluate(small_cvrp, read_solution(path, small_cvrp)).cost == 247


def test_sol_round_trip(tmp_path, small_cvrp):
    """write_solution then read_solution gives the same routes, with a Cost line."""
    solution = read_solution(INSTANCES / "cvrp" / "E-n13-k4.sol", small_cvrp)
    write_solution(solution, tmp_path / "out.sol", cost=247)
    text = (tmp_path / "out.sol").read_text()
    assert text.startswith("Route #1: 1\n") and text.endswith("Cost 247\n")
    assert read_solution(tmp_path / "out.sol", small_cvrp) == solution


def test_json_solution_round_trip_keeps_vehicle_types(tmp_path):
    """JSON solutions keep each route's vehicle type."""
    instance = read_instance(DATA / "hfvrp.vrp")
    solution = Solution((Route((1,), 1), Route((2, 3), 1)))
    write_solution(solution, tmp_path / "s.json", cost=123.5)
    assert read_solution(tmp_path / "s.json", instance) == solution


def test_json_solution_unknown_node(write_file, small_cvrp):
    """A JSON solution naming a missing node is rejected, naming the route field."""
    text = '{"format": "vrpsolve-solution", "version": 1, "routes": [{"visits": [1, 77]}]}'
    with pytest.raises(InputError, match=r"s\.json: routes\[0\]: node 77 does not exist"):
        read_solution(write_file("s.json", text), small_cvrp)


def test_write_solution_leaves_no_temporary_file(tmp_path):
    """Writing is atomic: only the target file remains."""
    write_solution(Solution((Route((1, 2)),)), tmp_path / "a.sol")
    assert [p.name for p in tmp_path.iterdir()] == ["a.sol"]
