"""The ``routefinder`` solver: a trained multi-task policy constructs the routes.

The instance is brought into the learning environment (:mod:`vrpsolve.envs`), rescaled to the
training scale, and the policy decodes greedily from every customer as a start (multi-start) over
up to 8 symmetric transformations of the coordinates (augmentation), or by sampling; the best
construction is returned and judged by the evaluator like any other solver's.

Time: importing the learning environment and loading the policy happen in ``prepare``, outside
the time limit (the policy is loaded once per process). Within the limit a single instance's
decoding is budgeted: a first rollout from at most :data:`PROBE_STARTS` starts times the policy on
the instance, and the whole decoding follows only when the time model predicts that it fits; else
as many augmentations and starts (or samples) as fit, the probe's result kept if better. The
``+ls`` solvers give PyVRP's search what is left.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from vrpsolve.catalog import policies_dir
from vrpsolve.core.errors import InputError
from vrpsolve.core.options import SolverOption, check_options
from vrpsolve.core.solver import Solver, SolverOutput
from vrpsolve.core.stop import stop_requested
from vrpsolve.core.threads import one_thread
from vrpsolve.routing.model import RoutingInstance, Solution, evaluate

if TYPE_CHECKING:
    import torch

POLICIES_DIR = policies_dir()
"""Where shipped checkpoints live (``policies/<name>.pt`` with a model card ``<name>.md``)."""

STRATEGIES = ("greedy", "multistart", "augment", "sampling")
"""Decoding strategies: one greedy rollout; greedy from every start; that over 8 coordinate
transformations (default); or ``samples`` sampled rollouts."""

AUGMENTATIONS = 8
"""Copies of each instance the ``augment`` strategy decodes (the symmetries of the square)."""

ROLLOUT_ELEMENTS = 200_000_000
"""Memory budget: rollouts in one batch times nodes squared (each rollout holds the matrices)."""

PROBE_STARTS = 16
"""Starts of the first, timed rollout of a budgeted decoding."""

SAFETY = 0.8
"""Share of the time left after the probe that a budgeted decoding plans to use."""

ROLLOUTS_PER_PROBE = 64
"""The time model of a budgeted decoding: ``R`` rollouts beyond the probe's take the probe's time
per :data:`ROLLOUTS_PER_PROBE` of them (a rollout's fixed cost, its steps, outweighs the cost of
each start: measured on X-n251-k28, 1 start 0.20 s, 250 starts 0.98 s)."""


def dihedral(locs: torch.Tensor) -> torch.Tensor:
    """The 8 symmetries of the unit square applied to ``[B, M, 2]`` coordinates: ``[8B, M, 2]``."""
    import torch

    x, y = locs[..., :1], locs[..., 1:]
    variants = [(x, y), (y, x), (1 - x, y), (x, 1 - y), (1 - x, 1 - y), (y, 1 - x), (1 - y, x)]
    variants.append((1 - y, 1 - x))
    return torch.cat([torch.cat(v, -1) for v in variants])


@cache
def load_policy(name_or_path: str) -> Any:
    """A policy from a checkpoint path or a name in ``policies/``."""
    from vrpsolve.routing.neural.checkpoints import load_checkpoint

    path = Path(name_or_path)
    if not path.suffix:
        path = POLICIES_DIR / f"{name_or_path}.pt"
    if not path.exists():
        raise InputError(
            "no policy checkpoint here (train one with `vrpsolve train routefinder|rrnco`)", path
        )
    policy = load_checkpoint(path).policy
    policy.eval()
    return policy


def construct(
    instances: list[RoutingInstance],
    policy: Any,
    *,
    strategy: str = "augment",
    samples: int = 64,
    seed: int = 0,
    deadline: float | None = None,
) -> list[list[int]]:
    """Best action sequence per instance (all of one node and depot count).

    Instances are decoded in batches as large as the memory budget allows with every start. A
    single instance with a ``deadline`` (a :func:`time.perf_counter` value) is decoded
    within it as far as the time model allows (see the module's notes).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}")
    if len(instances) == 1 and deadline is not None and strategy != "greedy":
        return [_budgeted(instances[0], policy, strategy, samples, seed, deadline)]
    size = instances[0].num_nodes
    copies = AUGMENTATIONS if strategy == "augment" else 1
    rollouts = {"greedy": 1, "sampling": samples}.get(strategy, size) * copies
    chunk = max(1, ROLLOUT_ELEMENTS // (size * size * rollouts))
    best: list[list[int]] = []
    for first in range(0, len(instances), chunk):
        part = instances[first : first + chunk]
        best += _construct_batch(part, policy, strategy, samples, seed)[0]
    return best


def _budgeted(
    instance: RoutingInstance, policy: Any, strategy: str, samples: int, seed: int, deadline: float
) -> list[int]:
    """The best action sequence that decoding ``instance`` by ``deadline`` allows."""
    began = time.perf_counter()
    probe, probe_reward = _construct_batch(
        [instance], policy, strategy, samples, seed, 1, PROBE_STARTS
    )
    probe_time = time.perf_counter() - began
    copies = AUGMENTATIONS if strategy == "augment" else 1
    per_copy = samples if strategy == "sampling" else instance.num_customers
    budget = SAFETY * (deadline - time.perf_counter())
    fit = PROBE_STARTS + int(ROLLOUTS_PER_PROBE * (budget / max(probe_time, 1e-6) - 1))
    if fit >= copies * per_copy:
        actions, reward = _construct_batch([instance], policy, strategy, samples, seed)
    elif fit > PROBE_STARTS:
        copies = min(copies, max(1, fit // per_copy))
        starts = min(per_copy, fit // copies)
        actions, reward = _construct_batch(
            [instance], policy, strategy, samples, seed, copies, starts
        )
    else:
        return probe[0]
    return actions[0] if reward[0] >= probe_reward[0] else probe[0]


def _construct_batch(
    instances: list[RoutingInstance],
    policy: Any,
    strategy: str,
    samples: int,
    seed: int,
    copies: int | None = None,
    max_starts: int | None = None,
) -> tuple[list[list[int]], list[float]]:
    """Best action sequence and its reward per instance, over ``copies`` augmentations (default:
    the strategy's) and up to ``max_starts`` starts or samples each (default: all)."""
    import torch

    from vrpsolve.routing.convert import from_routing_instances
    from vrpsolve.routing.env import RoutingEnv
    from vrpsolve.routing.generators import RoutingGenerator
    from vrpsolve.routing.neural.decoding import rollout
    from vrpsolve.routing.neural.features import rescale

    td = rescale(from_routing_instances(instances))
    batch, size = len(td), td["distance"].shape[-1]
    env = RoutingEnv(RoutingGenerator(max(1, size - 1)), seed=seed)
    if copies is None:
        copies = AUGMENTATIONS if strategy == "augment" else 1
    if copies > 1:
        td = td.repeat(copies)
        td["locs"] = dihedral(td["locs"][:batch])[: copies * batch]
    customers = env.get_num_starts(env.reset(td[:1].clone()))
    budget = max(1, ROLLOUT_ELEMENTS // (size * size * len(td)))
    if max_starts is not None:
        budget = min(budget, max_starts)
    starts = {"greedy": 1, "sampling": min(samples, budget)}.get(strategy, min(customers, budget))
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad(), one_thread():
        result = rollout(
            policy, env, td, num_starts=starts, greedy=strategy != "sampling", generator=generator
        )
    reward = result.reward.view(starts * copies, batch)
    best = reward.argmax(0)
    rows = (best * batch + torch.arange(batch)).tolist()
    actions = [result.actions[row].tolist() for row in rows]
    return actions, reward.max(0).values.tolist()


def policy_options(default_policy: str) -> tuple[SolverOption, ...]:
    """The options of a policy solver whose ``policy`` defaults to ``default_policy``."""
    return (
        SolverOption(
            "policy", str, default_policy, "checkpoint path (.pt), or a name in policies/"
        ),
        SolverOption(
            "strategy",
            str,
            "augment",
            "decoding (augment: multistart over the 8 symmetries of the square)",
            choices=STRATEGIES,
        ),
        SolverOption("samples", int, 64, "rollouts of the sampling strategy", minimum=1),
    )


class RouteFinderSolver(Solver):
    """Construction by a trained multi-task policy (options: policy, strategy, samples)."""

    name: ClassVar[str] = "routefinder"
    summary: ClassVar[str] = "neural multi-task policy (RouteFinder-style), greedy/multi-start"
    default_policy: ClassVar[str] = "routefinder-n50"
    """The shipped checkpoint used when no ``policy`` option is given."""
    requires: ClassVar[tuple[str, ...]] = ("torch", "tensordict", "rl4co")
    options = policy_options(default_policy)
    supported_attributes: ClassVar[frozenset[str]] = frozenset(
        {
            "asymmetric",
            "capacity",
            "open_routes",
            "backhaul_classic",
            "backhaul_mixed",
            "max_duration",
            "max_distance",
            "time_windows",
            "multiple_depots",
        }
    )

    def unsupported(self, instance: Any) -> frozenset[str]:
        """As declared, except that the single vehicle of a (A)TSP is modelled (one route)."""
        missing = super().unsupported(instance)
        return missing - {"fleet_limit"} if instance.is_tsp else missing

    def prepare(self, **options: Any) -> None:
        """Import the learning environment (rl4co takes seconds) and load the policy."""
        importlib.import_module("vrpsolve.routing.env")
        self.policy(check_options(self, options))

    def policy(self, options: dict[str, Any]) -> Any:
        """The policy named by the checked ``policy`` option (cached)."""
        return load_policy(options["policy"])

    def run(
        self, instance: RoutingInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Construct routes with the policy, decoding as much as ``time_limit`` allows."""
        from vrpsolve.routing.convert import solution_for_instance

        deadline = time.perf_counter() + time_limit
        options = check_options(self, options)
        strategy, samples = options["strategy"], options["samples"]
        policy = self.policy(options)
        try:
            actions = construct(
                [instance], policy, strategy=strategy, samples=samples, seed=seed, deadline=deadline
            )
        except ValueError as error:  # the environment cannot model it, or no solution exists
            return SolverOutput(None, stats={"strategy": strategy, "error": str(error)})
        solution = solution_for_instance(instance, actions[0])
        return SolverOutput(solution, stats={"strategy": strategy})


class RouteFinderSearchSolver(RouteFinderSolver):
    """The policy's construction as the starting solution of PyVRP's search.

    The policy does not model a fleet limit; on a fleet-limited instance (ORTEC files, say) the
    construction seeds the search only when the evaluator accepts it there (it fits the fleet),
    and PyVRP starts on its own otherwise (``stats["seeded"]`` says which).
    """

    name: ClassVar[str] = "routefinder+ls"
    summary: ClassVar[str] = "routefinder construction, then PyVRP local search from it"
    supported_attributes: ClassVar[frozenset[str]] = RouteFinderSolver.supported_attributes | {
        "fleet_limit"
    }
    requires: ClassVar[tuple[str, ...]] = (*RouteFinderSolver.requires, "pyvrp")

    def run(
        self, instance: RoutingInstance, *, time_limit: float, seed: int, **options: Any
    ) -> SolverOutput:
        """Construct with the policy (within half of ``time_limit``), then search with PyVRP for
        the rest of it (none when a stop was requested during the construction)."""
        from vrpsolve.routing.solvers.pyvrp import PyVRPSolver

        began = time.perf_counter()
        relaxed = instance
        if instance.has_fleet_limit and not instance.is_tsp:  # the policy assumes no limit
            kinds = tuple(replace(vt, num_available=None) for vt in instance.vehicle_types)
            relaxed = replace(instance, vehicle_types=kinds)
        constructed = super().run(relaxed, time_limit=time_limit / 2, seed=seed, **options)
        constructing = time.perf_counter() - began
        remaining = max(1e-3, time_limit - constructing)
        seed_solution = constructed.solution
        if not (isinstance(seed_solution, Solution) and evaluate(instance, seed_solution).feasible):
            seed_solution = None  # feasible without the limit, so it exceeds the fleet
        if stop_requested():  # asked to stop during the construction: no search
            stats = {**constructed.stats, "construction_seconds": constructing}
            return SolverOutput(seed_solution, stats=stats)
        searched = PyVRPSolver().run(
            instance, time_limit=remaining, seed=seed, initial_solution=seed_solution
        )
        stats = {
            **constructed.stats,
            **searched.stats,
            "construction_seconds": constructing,
            "seeded": seed_solution is not None,
        }
        return SolverOutput(searched.solution or seed_solution, stats=stats)


class RRNCOSolver(RouteFinderSolver):
    """Construction by the policy trained on road-network matrices (RRNCO-style)."""

    name: ClassVar[str] = "rrnco"
    summary: ClassVar[str] = "neural policy for asymmetric road matrices (RRNCO-style)"
    default_policy: ClassVar[str] = "rrnco-n50"
    options = policy_options(default_policy)


class RRNCOSearchSolver(RouteFinderSearchSolver):
    """The RRNCO-style policy's construction as the starting solution of PyVRP's search."""

    name: ClassVar[str] = "rrnco+ls"
    summary: ClassVar[str] = "rrnco construction, then PyVRP local search from it"
    default_policy: ClassVar[str] = RRNCOSolver.default_policy
    options = RRNCOSolver.options
