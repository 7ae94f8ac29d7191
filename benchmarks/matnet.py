"""The MatNet baseline: rl4co's MatNet trained for ATSP on the city road matrices, on CPU.

rl4co's ``MatNetPolicy`` (Kwon et al., 2021: row and column embeddings of the cost matrix, mixed
score attention, pointer decoder) learns with POMO's shared baseline as rl4co's ``MatNet`` model
does: every instance is rolled out from each of its nodes by sampling, and the advantage of a
rollout is its reward minus the mean reward of its instance. The loop is written out here (no
Lightning trainer), on one thread, for a wall-clock budget, so that the baseline gets the same CPU
budget as ``vrpsolve train rrnco`` gives the RRNCO-style policy.

Data: ATSP instances drawn by :class:`~vrpsolve.routing.generators.RoutingGenerator` from a city
source (default ``cities:train``): a depot and ``--customers`` customers, i.e. ``customers + 1``
nodes, whose tour MatNet constructs. Scale: every distance matrix is divided by its largest entry
(as :class:`~vrpsolve.routing.generators.CitySource` samples them and as the neural solvers rescale
file instances), so entries lie in [0, 1] like those of rl4co's own ATSP generator; tours are judged
by the evaluator on the original matrix.

Every ``--validate-every`` steps the policy decodes a fixed validation set greedily from every
start; its mean gap to PyVRP (``--reference-time`` seconds, seed 1) is printed and the checkpoint
written (weights and settings, no optimiser state)::

    .venv/bin/python -m benchmarks.matnet --minutes 45 --out data/runs/matnet-atsp50.pt
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

import torch
from rl4co.envs.common.utils import Generator
from rl4co.envs.routing.atsp.env import ATSPEnv
from rl4co.models.zoo.matnet.policy import MatNetPolicy
from rl4co.utils.ops import unbatchify
from tensordict import TensorDict

from vrpsolve.routing.generators import RoutingGenerator, make_source
from vrpsolve.routing.model import RoutingInstance, Solution, evaluate
from vrpsolve.routing.solvers.neural import ROLLOUT_ELEMENTS, one_thread


@dataclass(frozen=True)
class MatNetSettings:
    """Model sizes, data and optimisation of a MatNet training run."""

    customers: int = 50
    """Customers per ATSP instance; MatNet sees ``customers + 1`` nodes (the depot too)."""
    source: str = "cities:train"
    embed_dim: int = 128
    num_layers: int = 3
    num_heads: int = 8
    batch_size: int = 32
    learning_rate: float = 4e-4
    weight_decay: float = 1e-6
    max_grad_norm: float = 1.0
    validation_size: int = 48
    validation_seed: int = 999
    reference_time: float = 1.0
    validate_every: int = 50
    log_every: int = 10
    seed: int = 0


class CityATSPGenerator(Generator):
    """rl4co generator of ATSP cost matrices sampled from a vrpsolve matrix source.

    Each matrix is divided by its largest entry (the source already scales so); the nodes are a
    depot and ``num_loc - 1`` customers of the same city.
    """

    def __init__(self, num_loc: int, source: str = "cities:train", seed: int = 0) -> None:
        super().__init__()
        self.num_loc = num_loc
        self.min_dist, self.max_dist = 0.0, 1.0
        self.routing = RoutingGenerator(num_loc - 1, ["ATSP"], source=make_source(source))
        self.rng = torch.Generator().manual_seed(seed)

    def _generate(self, batch_size: list[int]) -> TensorDict:
        td = self.routing.generate(int(batch_size[0]), self.rng)
        matrix = td["distance"] / td["distance"].flatten(1).amax(1).clamp_min(1e-9)[:, None, None]
        return TensorDict({"cost_matrix": matrix}, batch_size=batch_size)


def make_policy(settings: MatNetSettings) -> MatNetPolicy:
    """rl4co's MatNet policy for ATSP at the settings' sizes (random one-hot column inputs)."""
    return MatNetPolicy(
        env_name="atsp",
        embed_dim=settings.embed_dim,
        num_encoder_layers=settings.num_layers,
        num_heads=settings.num_heads,
    )


def tour_solution(instance: RoutingInstance, tour: Sequence[int]) -> Solution:
    """The single route of a (A)TSP tour over all nodes, rotated to start after the depot."""
    nodes = [int(v) for v in tour]
    at = nodes.index(instance.depots[0])
    return Solution.from_lists([nodes[at + 1 :] + nodes[:at]])


def matnet_tours(
    instances: Sequence[RoutingInstance],
    policy: MatNetPolicy,
    *,
    seed: int = 0,
    draws: int = 1,
) -> list[list[int]]:
    """Best greedy tour of each (A)TSP instance over all start nodes (all of one size).

    The column inputs are random one-hot vectors, drawn from ``seed`` without touching torch's
    global random state. ``draws`` > 1 is MatNet's own instance augmentation: the rollouts are
    repeated with that many independent one-hot draws and the best tour is kept. Raises
    ``ValueError`` for anything but a (A)TSP, or for more nodes than the embedding has dimensions.
    """
    for instance in instances:
        if not instance.is_tsp:
            raise ValueError(f"{instance.name}: MatNet solves (A)TSP only, not {instance.variant}")
    sizes = {instance.num_nodes for instance in instances}
    if len(sizes) != 1:
        raise ValueError(f"instances differ in node count: {sorted(sizes)}")
    size = sizes.pop()
    width = policy.encoder.init_embedding.embed_dim
    if size > width:
        raise ValueError(f"MatNet's one-hot column inputs need {size} nodes <= embed_dim {width}")
    matrices = torch.stack(
        [torch.as_tensor(i.distance / max(i.distance.max(), 1e-9)).float() for i in instances]
    )
    env = ATSPEnv(generator_params={"num_loc": size})
    chunk = max(1, ROLLOUT_ELEMENTS // size**3)
    tours: list[list[int]] = []
    was_training = policy.training
    policy.eval()
    with torch.no_grad(), one_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for first in range(0, len(instances), chunk):
            part = matrices[first : first + chunk]
            best_reward = torch.full((len(part),), -math.inf)
            best_tour = torch.zeros(len(part), size, dtype=torch.long)
            for _ in range(draws):
                td = env.reset(TensorDict({"cost_matrix": part}, batch_size=[len(part)]))
                out = policy(
                    td, env, phase="test", num_starts=size, decode_type="multistart_greedy"
                )
                reward = unbatchify(out["reward"], size)
                reward, best = reward.max(1)
                better = reward > best_reward
                best_reward[better] = reward[better]
                best_tour[better] = unbatchify(out["actions"], size)[better, best[better]]
            tours += best_tour.tolist()
    policy.train(was_training)
    return tours


def validation_gap(
    policy: MatNetPolicy, instances: Sequence[RoutingInstance], reference: Sequence[float]
) -> float:
    """Mean gap (%) of the policy's evaluated tours to the reference costs."""
    gaps = []
    for instance, tour, ref in zip(
        instances, matnet_tours(instances, policy), reference, strict=True
    ):
        evaluation = evaluate(instance, tour_solution(instance, tour))
        cost = evaluation.cost if evaluation.feasible else math.inf
        gaps.append(100.0 * (cost - ref) / ref)
    return sum(gaps) / len(gaps)


def save_matnet(path: str | Path, policy: MatNetPolicy, settings: MatNetSettings, state: dict):
    """Write weights, settings and training state (steps, seconds, history) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "model": "matnet",
        "settings": asdict(settings),
        "weights": policy.state_dict(),
        "train_state": state,
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(payload, partial)
    partial.replace(path)


@cache
def load_matnet(path: str) -> MatNetPolicy:
    """The policy of a checkpoint written by :func:`save_matnet`, in evaluation mode."""
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if payload.get("model") != "matnet":
        raise ValueError(f"{path}: not a MatNet checkpoint")
    known = {f.name for f in fields(MatNetSettings)}
    settings = MatNetSettings(**{k: v for k, v in payload["settings"].items() if k in known})
    policy = make_policy(settings)
    policy.load_state_dict(payload["weights"])
    policy.eval()
    return policy


def train(
    settings: MatNetSettings,
    out: str | Path,
    *,
    minutes: float,
    max_steps: int | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Train for ``minutes`` of wall time (or ``max_steps``); returns the final training state.

    The PyVRP reference of the validation set is computed before the clock starts, as
    ``vrpsolve train rrnco`` does; validation and checkpoints count against the budget.
    """
    from vrpsolve.routing.convert import to_routing_instance
    from vrpsolve.routing.neural.training import reference_costs

    torch.set_num_threads(1)
    torch.manual_seed(settings.seed)
    policy = make_policy(settings)
    env = ATSPEnv(
        generator=CityATSPGenerator(settings.customers + 1, settings.source, settings.seed)
    )
    optimizer = torch.optim.Adam(
        policy.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay
    )
    checker = RoutingGenerator(settings.customers, ["ATSP"], source=make_source(settings.source))
    held = checker(settings.validation_size, seed=settings.validation_seed)
    validation = [to_routing_instance(held, k, name=f"validation#{k}") for k in range(len(held))]
    log(f"reference: PyVRP, {settings.reference_time:g} s on {len(validation)} instances")
    reference = reference_costs(held, settings.reference_time)
    parameters = sum(p.numel() for p in policy.parameters())
    log(f"MatNet: {parameters} parameters, {settings.customers + 1} nodes, 1 thread")
    state: dict[str, Any] = {"step": 0, "seconds": 0.0, "history": []}
    began = time.perf_counter()

    def checkpoint() -> None:
        gap = validation_gap(policy, validation, reference)
        state["seconds"] = round(time.perf_counter() - began, 1)
        state["history"].append({"step": state["step"], "seconds": state["seconds"], "gap": gap})
        log(f"step {state['step']}: validation gap {gap:.2f}% ({state['seconds'] / 60:.1f} min)")
        save_matnet(out, policy, settings, state)

    budget = 60.0 * minutes
    policy.train()
    while time.perf_counter() - began < budget and state["step"] != max_steps:
        td = env.reset(batch_size=[settings.batch_size])
        starts = env.get_num_starts(td)
        result = policy(
            td, env, phase="train", num_starts=starts, decode_type="multistart_sampling"
        )
        reward = unbatchify(result["reward"], starts)
        log_likelihood = unbatchify(result["log_likelihood"], starts)
        advantage = reward - reward.mean(1, keepdim=True)
        loss = -(advantage * log_likelihood).mean()
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), settings.max_grad_norm)
        optimizer.step()
        state["step"] += 1
        if state["step"] % settings.log_every == 0:
            pace = (time.perf_counter() - began) / state["step"]
            log(
                f"step {state['step']}: loss {loss.item():.4f}, "
                f"mean cost {-reward.mean().item():.3f}, {pace:.2f} s/step"
            )
        if state["step"] % settings.validate_every == 0:
            checkpoint()
    if not state["history"] or state["history"][-1]["step"] != state["step"]:
        checkpoint()
    return state


def main(argv: Sequence[str] | None = None) -> int:
    """Train MatNet and write the checkpoint to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="checkpoint path (.pt)")
    parser.add_argument("--minutes", type=float, required=True, help="wall-clock budget")
    parser.add_argument("--max-steps", type=int, default=None)
    defaults = MatNetSettings()
    for field in fields(MatNetSettings):
        value = getattr(defaults, field.name)
        option = "--" + field.name.replace("_", "-")
        parser.add_argument(option, type=type(value), default=value)
    args = parser.parse_args(argv)
    settings = MatNetSettings(**{f.name: getattr(args, f.name) for f in fields(MatNetSettings)})
    print(f"settings: {asdict(settings)}", flush=True)
    state = train(
        settings,
        args.out,
        minutes=args.minutes,
        max_steps=args.max_steps,
        log=lambda line: print(line, flush=True),
    )
    print(f"done: {state['step']} steps in {state['seconds'] / 60:.1f} min; {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
