"""The routefinder solver: every decoding strategy returns evaluator-checked solutions."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from vrpsolve.core.errors import InputError, UnsupportedInstanceError
from vrpsolve.core.solver import Status
from vrpsolve.routing.convert import to_routing_instance
from vrpsolve.routing.generators import RoutingGenerator
from vrpsolve.routing.io import read_instance
from vrpsolve.routing.neural.checkpoints import Checkpoint, save_checkpoint
from vrpsolve.routing.neural.model import ModelConfig, RoutingPolicy
from vrpsolve.routing.neural.rrnco import RRNCOConfig, RRNCOPolicy
from vrpsolve.routing.solvers.neural import STRATEGIES, dihedral
from vrpsolve.solve import solve


def saved_untrained(policy_class, config_class, folder) -> str:
    """Path of a checkpoint holding a small untrained policy (seed 0)."""
    torch.manual_seed(0)
    policy = policy_class(config_class(embed_dim=16, num_layers=1, num_heads=2, ff_hidden=32))
    path = folder / "policy.pt"
    save_checkpoint(Checkpoint(policy, {}, {}), path)
    return str(path)


@pytest.fixture(scope="module")
def policy_path(tmp_path_factory):
    """An untrained small policy saved as a checkpoint."""
    return saved_untrained(RoutingPolicy, ModelConfig, tmp_path_factory.mktemp("policies"))


@pytest.fixture(scope="module")
def rrnco_path(tmp_path_factory):
    """An untrained small RRNCO-style policy saved as a checkpoint."""
    return saved_untrained(RRNCOPolicy, RRNCOConfig, tmp_path_factory.mktemp("policies"))


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("variant", ["CVRP", "OVRPMBLTW", "MDVRPBL"])
def test_every_strategy_gives_feasible_solutions(policy_path, strategy, variant):
    """Each decoding strategy solves generated instances feasibly (judged by the evaluator)."""
    instance = to_routing_instance(RoutingGenerator(9, variant)(1, seed=4), 0)
    result = solve(instance, solver="routefinder", policy=policy_path, strategy=strategy, samples=8)
    assert result.status is Status.FEASIBLE and result.feasible


def test_file_instances_of_other_sizes_are_solved(policy_path):
    """A benchmark file (101 nodes, asymmetric scale) is solved by the same policy."""
    instance = read_instance("instances/cvrp/X-n101-k25.vrp")
    result = solve(instance, solver="routefinder", policy=policy_path, strategy="multistart")
    assert result.feasible


def test_augmentation_gives_the_eight_symmetries():
    """The 8 coordinate transformations are distinct and stay in the unit square."""
    locs = torch.tensor([[[0.1, 0.7], [0.4, 0.2]]])
    out = dihedral(locs)
    assert out.shape == (8, 2, 2) and len({tuple(t.flatten().tolist()) for t in out}) == 8
    assert out.min() >= 0 and out.max() <= 1


def test_missing_policy_is_reported_with_its_path(tmp_path):
    """A policy file that does not exist raises an InputError naming it."""
    instance = to_routing_instance(RoutingGenerator(5, "CVRP")(1, seed=0), 0)
    with pytest.raises(InputError, match=r"nope\.pt"):
        solve(instance, solver="routefinder", policy=str(tmp_path / "nope.pt"))


@pytest.mark.parametrize("variant", ["VRPTW", "MDOVRPMBL"])
def test_search_from_the_policy_solution_is_feasible_and_no_worse(policy_path, variant):
    """routefinder+ls starts PyVRP from the construction and never returns anything worse."""
    instance = to_routing_instance(RoutingGenerator(12, variant)(1, seed=5), 0)
    built = solve(instance, solver="routefinder", policy=policy_path)
    searched = solve(instance, solver="routefinder+ls", policy=policy_path, time_limit=1)
    assert searched.feasible and searched.cost <= built.cost + 1e-9


@pytest.mark.parametrize("solver", ["rrnco", "rrnco+ls"])
def test_rrnco_solvers_solve_asymmetric_city_instances(rrnco_path, solver):
    """The rrnco solvers load an RRNCO checkpoint and solve a city ACVRP feasibly."""
    from vrpsolve.routing.generators import make_source

    generator = RoutingGenerator(10, "CVRP", source=make_source("city:monaco"))
    instance = to_routing_instance(generator(1, seed=2), 0)
    result = solve(instance, solver=solver, policy=rrnco_path, time_limit=0.5)
    assert result.feasible and instance.is_asymmetric


@pytest.mark.parametrize(("fleet", "seeded"), [(10, True), (4, False)])
def test_rrnco_search_respects_a_fleet_limit(rrnco_path, fleet, seeded):
    """rrnco+ls takes fleet-limited instances: the construction seeds PyVRP only if it fits."""
    from vrpsolve.routing.generators import make_source

    generator = RoutingGenerator(20, "CVRP", source=make_source("city:monaco"))
    unlimited = to_routing_instance(generator(1, seed=1), 0)
    kinds = tuple(replace(vt, num_available=fleet) for vt in unlimited.vehicle_types)
    instance = replace(unlimited, vehicle_types=kinds)
    constructed = solve(unlimited, solver="rrnco", policy=rrnco_path, strategy="greedy")
    assert (len(constructed.solution.routes) <= fleet) is seeded  # the case is as labelled
    with pytest.raises(UnsupportedInstanceError, match="fleet_limit"):
        solve(instance, solver="rrnco", policy=rrnco_path)
    result = solve(
        instance, solver="rrnco+ls", policy=rrnco_path, strategy="greedy", time_limit=1.0
    )
    assert result.feasible and len(result.solution.routes) <= fleet
    assert result.stats["seeded"] is seeded


@pytest.mark.parametrize("solver", ["rrnco", "rrnco+ls"])
def test_rrnco_solvers_solve_a_tsplib_atsp(rrnco_path, solver):
    """A TSPLIB ATSP (one vehicle, a fleet limit) is accepted and solved feasibly."""
    instance = read_instance("instances/atsp/br17.atsp")
    result = solve(instance, solver=solver, policy=rrnco_path, time_limit=0.3)
    assert result.feasible and result.cost >= 39
