"""The batched routing environment: exact masks, evaluator-checked rollouts, rewards."""

from __future__ import annotations

import math

import pytest
import torch
from tensordict import TensorDict

from vrpsolve.routing.convert import (
    actions_to_solution,
    evaluate_actions,
    from_routing_instances,
    kept_nodes,
    solution_for_instance,
    to_routing_instance,
)
from vrpsolve.routing.env import RoutingEnv
from vrpsolve.routing.generators import PerturbedSource, RoutingGenerator
from vrpsolve.routing.io import read_instance
from vrpsolve.routing.model import Route, Solution, evaluate
from vrpsolve.routing.variants import PRESETS, Variant

VARIANTS = [*PRESETS["all-48"], Variant(tsp=True)]
SOURCES = {"euclidean": None, "asymmetric": PerturbedSource()}
ROUTE_RULES = {
    "capacity",
    "backhaul_order",
    "time_window",
    "depot_closing",
    "route_duration",
    "route_length",
}


def _generator(variant: Variant, source: str, customers: int = 8) -> RoutingGenerator:
    # Euclidean cases limit route length, asymmetric ones route duration; a high backhaul share
    # and a small capacity make every rule bind now and then.
    return RoutingGenerator(
        customers,
        [variant],
        source=SOURCES[source],
        limit_kind="distance" if source == "euclidean" else "duration",
        capacity=15,
        backhaul_share=0.4,
        route_limit=1.5,
    )


def _random_rollout(env: RoutingEnv, td: TensorDict, seed: int, on_state=None):
    """Roll out uniformly random allowed actions; return the final state and the actions."""
    rng = torch.Generator().manual_seed(seed)
    state = env.reset(td.clone())
    actions = []
    while not state["done"].all():
        if on_state is not None:
            on_state(state, actions)
        scores = torch.rand(state["action_mask"].shape, generator=rng) * state["action_mask"]
        action = scores.argmax(-1)
        assert state["action_mask"].gather(1, action[:, None]).all()
        state.set("action", action)
        state = env.step(state)["next"]
        actions.append(action)
        assert len(actions) < 4 * td["distance"].shape[-1], "rollout does not finish"
    return state, torch.stack(actions, 1)


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_masked_rollouts_are_feasible_and_rewards_are_minus_costs(variant, source):
    """Every masked rollout of every variant passes the evaluator; reward is minus its cost."""
    generator = _generator(variant, source)
    env = RoutingEnv(generator)
    td = generator(24, seed=7)
    state, actions = _random_rollout(env, td, seed=3)
    reward = env.get_reward(state, actions)
    for b, evaluation in enumerate(evaluate_actions(td, actions)):
        assert evaluation.feasible, evaluation.violations
        assert -reward[b].item() == pytest.approx(evaluation.cost, rel=1e-6, abs=1e-6)


def _route_is_feasible(instance, route: Route) -> bool:
    evaluation = evaluate(instance, Solution((route,)))
    return not any(v.kind in ROUTE_RULES for v in evaluation.violations)


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_mask_allows_exactly_the_feasible_customers(variant, source):
    """A customer is allowed exactly when appending it leaves the route feasible."""
    generator = _generator(variant, source, customers=6)
    env = RoutingEnv(generator)
    td = generator(3, seed=11)
    instances = [to_routing_instance(td, b) for b in range(3)]
    num_depots = generator.num_depots
    checked = refused = 0

    def check(state: TensorDict, actions: list[torch.Tensor]) -> None:
        nonlocal checked, refused
        for b, instance in enumerate(instances):
            if state["done"][b]:
                continue
            renumber = {int(node): k for k, node in enumerate(kept_nodes(td, b))}
            history = [int(a[b]) for a in actions]
            current = int(state["current_node"][b])
            route = ()
            if current >= num_depots:
                route = actions_to_solution(td, b, history).routes[-1].visits
            vehicle = renumber[int(state["route_depot"][b])]
            for node in range(num_depots, td["distance"].shape[-1]):
                if state["visited"][b, node]:
                    continue
                feasible = _route_is_feasible(instance, Route((*route, renumber[node]), vehicle))
                assert bool(state["action_mask"][b, node]) == feasible, (b, node, route)
                checked += 1
                refused += not feasible

    _random_rollout(env, td, seed=5, on_state=check)
    assert checked > refused > 0 or (variant.tsp and checked > 0)


def test_single_route_instances_visit_every_customer_in_one_route():
    """An ATSP read from a file is solved as one route, and its reward is minus its cost."""
    instance = read_instance("instances/atsp/br17.atsp")
    td = from_routing_instances([instance, instance])
    env = RoutingEnv(RoutingGenerator(instance.num_customers))
    state, actions = _random_rollout(env, td, seed=1)
    reward = env.get_reward(state, actions)
    for b in range(2):
        solution = solution_for_instance(instance, actions[b].tolist())
        evaluation = evaluate(instance, solution)
        assert len(solution.routes) == 1 and evaluation.feasible
        assert -reward[b].item() == pytest.approx(evaluation.cost, rel=1e-6)


def test_file_instances_round_trip_through_the_environment():
    """A CVRP file becomes an environment batch whose rollouts the evaluator accepts."""
    instance = read_instance("instances/cvrp/X-n101-k25.vrp")
    env = RoutingEnv(RoutingGenerator(instance.num_customers))
    state, actions = _random_rollout(env, from_routing_instances([instance]), seed=2)
    evaluation = evaluate(instance, solution_for_instance(instance, actions[0].tolist()))
    assert evaluation.feasible
    assert -env.get_reward(state, actions)[0].item() == pytest.approx(evaluation.cost, rel=1e-6)


@pytest.mark.parametrize(
    ("name", "euclidean", "asymmetric"),
    [
        ("CVRP", "CVRP", "ACVRP"),
        ("OVRPMBLTW", "OVRPMBLTW", "AOVRPMBLTW"),
        ("MDVRPBL", "MDVRPBL", "AMDCVRPBL"),
    ],
)
def test_generated_instances_carry_their_variant_names(name, euclidean, asymmetric):
    """Converted instances are named as their variant (A-prefixed on asymmetric matrices)."""
    for source, expected in (("euclidean", euclidean), ("asymmetric", asymmetric)):
        generator = _generator(Variant.parse(name), source)
        generator.backhaul_share = 1.0
        assert to_routing_instance(generator(1, seed=0), 0).variant == expected


def test_reset_refuses_instances_without_a_solution():
    """A customer no single route can serve is reported at reset, naming it."""
    generator = RoutingGenerator(5, "CVRP")
    td = generator(2, seed=0)
    td["demand_linehaul"][1, 3] = 1000.0
    with pytest.raises(ValueError, match="instance 1: customer 3"):
        RoutingEnv(generator).reset(td)


def test_check_solution_validity_uses_the_evaluator():
    """An action sequence that skips a customer is rejected with the evaluator's message."""
    generator = RoutingGenerator(4, "CVRP", capacity=100)
    env = RoutingEnv(generator, check_solution=True)
    td = env.reset(generator(1, seed=0))
    with pytest.raises(AssertionError, match="customer 4 is not visited"):
        env.get_reward(td, torch.tensor([[1, 2, 3, 0]]))


def test_start_nodes_are_distinct_allowed_customers():
    """Multi-start rollouts begin at distinct customers the first mask allows."""
    generator = RoutingGenerator(6, "VRPTW")
    env = RoutingEnv(generator)
    td = env.reset(generator(4, seed=1))
    starts = env.select_start_nodes(td, env.get_num_starts(td)).view(6, 4)
    for b in range(4):
        allowed = set(td["action_mask"][b].nonzero().flatten().tolist())
        assert set(starts[:, b].tolist()) <= allowed
        assert len(set(starts[:, b].tolist())) == min(6, len(allowed))


def test_unknown_variant_names_are_refused():
    """A misspelt variant name raises a ValueError that quotes it."""
    with pytest.raises(ValueError, match="VRPXX"):
        RoutingGenerator(5, "VRPXX")
    assert math.isinf(float(RoutingGenerator(5, "CVRP")(1)["distance_limit"][0, 0]))
