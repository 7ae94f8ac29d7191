"""One solver interface for several problem families: dispatch, refusal and judging."""

from __future__ import annotations

import time

import pytest

from vrpsolve.core.errors import UnsupportedInstanceError
from vrpsolve.core.registry import choose_auto, family_of, solvers_supporting
from vrpsolve.core.solver import Status
from vrpsolve.flows.model import FlowAdmissionInstance, evaluate_flows
from vrpsolve.io import read_instance, read_solution, write_solution
from vrpsolve.routing.model import RoutingInstance
from vrpsolve.routing.solvers.heuristics import NearestNeighbourSolver
from vrpsolve.solve import solve
from vrpsolve_cli.main import main

ABILENE = "instances/network/sndlib/abilene.txt"


@pytest.mark.parametrize(
    "path",
    [
        ABILENE,
        "instances/network/topologyzoo/Abilene.gml",
        "instances/network/topologyzoo/Abilene.graphml",
    ],
)
def test_network_files_read_as_flow_admission_instances(path):
    """SNDlib, GML and GraphML files are detected and read as flow-admission instances."""
    instance = read_instance(path)
    assert isinstance(instance, FlowAdmissionInstance)
    assert family_of(instance).name == "flow_admission" and not family_of(instance).minimise


def test_flow_solutions_are_judged_by_the_flow_evaluator(tmp_path):
    """A flow solver's result carries evaluate_flows' verdict, and its file reads back."""
    instance = read_instance(ABILENE)
    result = solve(instance, solver="pfar-greedy")
    assert result.status is Status.FEASIBLE
    assert result.objective == evaluate_flows(instance, result.solution).objective > 0
    write_solution(result.solution, tmp_path / "s.json", instance, result.evaluation)
    assert read_solution(tmp_path / "s.json", instance) == result.solution


def test_solvers_of_another_family_are_refused_with_the_capable_ones_named():
    """A routing solver refuses a flow instance and vice versa, naming solvers that can."""
    flows = read_instance(ABILENE)
    routing = read_instance("instances/cvrp/E-n13-k4.vrp")
    assert isinstance(routing, RoutingInstance)
    with pytest.raises(UnsupportedInstanceError, match="pfar-greedy"):
        solve(flows, solver="pyvrp")
    with pytest.raises(UnsupportedInstanceError, match="routing instance; solvers that can: pyvrp"):
        solve(routing, solver="pfar-greedy")
    assert set(solvers_supporting(flows)) == {"pfar-ilp", "pfar-ga", "pfar-greedy"}
    assert "pfar-greedy" not in solvers_supporting(routing)
    assert choose_auto(flows) == "pfar-ilp"


def test_cli_solves_and_evaluates_flow_instances(tmp_path, capsys):
    """`vrpsolve solve` and `eval` work on a network file, writing a PFAR JSON solution."""
    assert main(["solve", ABILENE, "--solver", "pfar-greedy", "--sol-dir", str(tmp_path)]) == 0
    assert "objective" in capsys.readouterr().out
    assert main(["eval", ABILENE, str(tmp_path / "abilene.json"), "--format", "json"]) == 0
    assert '"feasible": true' in capsys.readouterr().out


def test_cli_plots_flow_results(tmp_path):
    """`--plot-dir` writes a PNG of link utilisation and admitted flows."""
    assert main(["solve", ABILENE, "--solver", "pfar-greedy", "--plot-dir", str(tmp_path)]) == 0
    assert (tmp_path / "abilene.png").read_bytes().startswith(b"\x89PNG")
    assert main(["solve", ABILENE, "--plot-dir", str(tmp_path / "missing")]) == 2


GRID = "instances/network/boyan-littman-6x6.json"


def test_packet_policies_are_judged_by_simulation():
    """A packet-routing solver returns a policy; its result is the evaluator's simulation."""
    import dataclasses

    from vrpsolve.packets.model import PacketNetwork
    from vrpsolve.packets.simulator import evaluate_policy

    network = read_instance(GRID)
    assert isinstance(network, PacketNetwork)
    network = dataclasses.replace(network, duration=1500.0)
    result = solve(network, solver="packet-shortest-hops", seed=3)
    again = evaluate_policy(network, result.solution, seed=3)
    assert result.feasible and result.objective == again.mean_delivery_time > 0
    with pytest.raises(UnsupportedInstanceError, match="packet_routing instance"):
        solve(network, solver="pfar-greedy")


def test_cli_simulate_prints_a_summary_and_refuses_other_files(capsys):
    """`vrpsolve simulate` summarises a run; a routing file or a bad load exits with 2."""
    args = ["simulate", GRID, "--policy", "packet-shortest-delay", "--duration", "1300"]
    assert main(args) == 0
    assert "delivery time mean" in capsys.readouterr().out
    assert main(["simulate", "instances/cvrp/E-n13-k4.vrp"]) == 2
    assert main(["simulate", GRID, "--load", "-1"]) == 2
    assert main(["eval", GRID, GRID]) == 2


def test_solver_setup_is_prepared_with_the_options_and_left_out_of_the_runtime(monkeypatch):
    """solve() runs a solver's one-time setup with the run's options, before starting the clock."""
    prepared: list[dict[str, object]] = []

    def slow_setup(self, **options):
        prepared.append(options)
        time.sleep(0.5)

    monkeypatch.setattr(NearestNeighbourSolver, "prepare", slow_setup)
    instance = read_instance("instances/cvrp/E-n13-k4.vrp")
    result = solve(instance, "nearest-neighbour", time_limit=5.0)
    assert prepared == [{}]
    assert result.feasible
    assert result.runtime < 0.5
