"""POMO training of a routing policy on mixed batches of variants, on CPU or a GPU, resumable.

Each step draws a batch of instances (each of its own variant), rolls the policy out from every
customer as a start (POMO), and follows the REINFORCE gradient with the mean reward over an
instance's starts as the shared baseline (optionally with a bonus on each instance's best start,
``leader_bonus``). Advantages are divided by a running mean of each variant's cost, so that
variants with longer routes do not dominate the gradient (per-variant reward normalisation).
Every ``validate_every`` steps the policy is run greedily with all starts on a fixed validation
set, its gap to PyVRP solutions of that set is logged per variant, a checkpoint is written, and
a row goes to the learning curve (:data:`CURVE_COLUMNS`). Instances are drawn on the CPU and
moved to the training device.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from tensordict import TensorDict

from vrpsolve.routing.convert import to_routing_instance
from vrpsolve.routing.env import RoutingEnv
from vrpsolve.routing.generators import RoutingGenerator, make_source
from vrpsolve.routing.neural.checkpoints import Checkpoint, Policy, load_checkpoint, save_checkpoint
from vrpsolve.routing.neural.decoding import rollout
from vrpsolve.routing.neural.model import ModelConfig, RoutingPolicy
from vrpsolve.routing.neural.rrnco import RRNCOConfig, RRNCOPolicy

CURVE_COLUMNS = ("step", "seconds", "loss", "mean_cost", "validation_gap")
"""The learning curve's columns: gradient steps, wall-clock seconds (all runs of the checkpoint
together), the mean loss and mean rollout cost of the steps since the previous row (``nan`` where
there were none), and the mean validation gap to PyVRP (%)."""


@dataclass(frozen=True)
class TrainConfig:
    """What to train on and for how long."""

    customers: int = 50
    variants: str = "single-depot-16"
    source: str = "uniform"
    batch_size: int = 32
    num_starts: int = 0
    """Rollouts per instance; 0 means one per customer."""
    steps: int = 1000
    learning_rate: float = 3e-4
    max_grad_norm: float = 1.0
    leader_bonus: float = 0.0
    """Extra share of advantage for each instance's best rollout (0: plain POMO); see
    :func:`pomo_advantage`."""
    validation_size: int = 64
    validation_seed: int = 999
    reference_time: float = 1.0
    """Seconds PyVRP gets per validation instance for the reference costs."""
    validate_every: int = 50
    log_every: int = 10
    """Steps between progress lines (loss, mean cost, seconds per step)."""
    time_limit: float = math.inf
    """Wall-clock seconds after which training stops (with a final validation and checkpoint)."""
    seed: int = 0
    threads: int = 1
    device: str = "cpu"
    """Torch device of the policy and the rollouts ("cpu", "cuda", "cuda:1")."""


@dataclass
class TrainState:
    """Everything a resumed run needs besides the policy and optimiser."""

    step: int = 0
    seconds: float = 0.0
    cost_scale: dict[str, float] = field(default_factory=dict)
    reference: list[float] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)


def pomo_advantage(reward: torch.Tensor, leader_bonus: float = 0.0) -> torch.Tensor:
    """Advantages of rollouts with rewards ``reward`` (starts x instances), shared-mean baseline.

    With ``leader_bonus`` > 0 the best rollout of each instance (its leader) has its advantage
    multiplied by ``1 + leader_bonus``, as in Leader Reward (Wang et al., 2024): the gradient then
    favours the best of the starts, the one solution multi-start decoding keeps, over their mean.
    """
    advantage = reward - reward.mean(0, keepdim=True)
    if leader_bonus:
        columns = torch.arange(reward.size(1), device=reward.device)
        advantage[reward.argmax(0), columns] *= 1.0 + leader_bonus
    return advantage


def variant_key(td: TensorDict) -> list[str]:
    """A variant label per instance of a batch (its core variant name)."""
    td = td.cpu()
    return [to_routing_instance(td[k : k + 1], 0).variant for k in range(len(td))]


def reference_costs(td: TensorDict, seconds: float) -> list[float]:
    """PyVRP's cost on every instance of a batch (the validation reference), as the evaluator
    judges it; ``nan`` where PyVRP finds no feasible solution."""
    from vrpsolve.routing.model import evaluate
    from vrpsolve.routing.solvers.pyvrp import PyVRPSolver

    solver = PyVRPSolver()
    costs = []
    for k in range(len(td)):
        instance = to_routing_instance(td, k)
        solution = solver.run(instance, time_limit=seconds, seed=1).solution
        verdict = None if solution is None else evaluate(instance, solution)
        costs.append(verdict.cost if verdict is not None and verdict.feasible else math.nan)
    return costs


def validate(
    policy: Policy, env: RoutingEnv, td: TensorDict, reference: list[float]
) -> dict[str, float]:
    """Mean gap (%) of greedy multi-start rollouts to ``reference``, per variant and overall."""
    starts = env.get_num_starts(env.reset(td.clone()))
    with torch.no_grad():
        best, _ = rollout(policy, env, td.clone(), num_starts=starts, greedy=True).best(starts)
    gaps: dict[str, list[float]] = defaultdict(list)
    for key, cost, ref in zip(variant_key(td), (-best).tolist(), reference, strict=True):
        gaps[key].append(100.0 * (cost - ref) / ref)
    summary = {key: sum(v) / len(v) for key, v in sorted(gaps.items())}
    summary["mean"] = sum(summary.values()) / len(summary)
    return summary


def training_device(name: str) -> torch.device:
    """The torch device called ``name``; ValueError if it is unknown or not present here."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(f"device {name!r}: not a torch device name (cpu, cuda, cuda:1)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r}: this machine has no CUDA GPU that torch can use")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise ValueError(f"device {name!r}: this machine has {torch.cuda.device_count()} GPU(s)")
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"device {name!r}: training runs on cpu or cuda")
    return device


def make_policy(model_config: ModelConfig | RRNCOConfig) -> Policy:
    """A fresh policy of the kind the configuration describes."""
    if isinstance(model_config, RRNCOConfig):
        return RRNCOPolicy(model_config)
    return RoutingPolicy(model_config)


def train(
    config: TrainConfig,
    model_config: ModelConfig | RRNCOConfig,
    out: str | Path,
    *,
    resume: bool = True,
    initial: Policy | None = None,
    log: Callable[[str], None] = print,
    curve: Callable[[dict[str, float]], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Checkpoint:
    """Train (or continue training) a policy, checkpointing to ``out``; returns the last one.

    ``initial`` starts from a trained policy (fine-tuning; its sizes replace ``model_config``)
    instead of random weights, unless ``out`` exists and ``resume`` is set. ``log`` takes the
    progress lines, ``curve`` a row of :data:`CURVE_COLUMNS` after each checkpoint, and
    ``progress`` the step count after each gradient step; none of them changes the training.
    """
    torch.set_num_threads(config.threads)
    device = training_device(config.device)
    out = Path(out)
    generator = RoutingGenerator(
        config.customers, config.variants, source=make_source(config.source)
    )
    env = RoutingEnv(generator, seed=config.seed)
    if resume and out.exists():
        checkpoint = load_checkpoint(out)
        policy, state = checkpoint.policy, TrainState(**checkpoint.train_state)
        log(f"resuming {out} at step {state.step}")
    else:
        torch.manual_seed(config.seed)
        policy = initial if initial is not None else make_policy(model_config)
        state = TrainState()
    policy.to(device)
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.learning_rate)
    if resume and out.exists() and checkpoint.optimizer is not None:
        optimizer.load_state_dict(checkpoint.optimizer)
        for group in optimizer.param_groups:  # a resumed run may lower the rate (a decay phase)
            if group["lr"] != config.learning_rate:
                log(f"learning rate {group['lr']:g} -> {config.learning_rate:g}")
                group["lr"] = config.learning_rate

    validation = generator(config.validation_size, seed=config.validation_seed)
    if not state.reference:
        log(f"reference: PyVRP, {config.reference_time:g} s on {len(validation)} instances")
        state.reference = reference_costs(validation, config.reference_time)
    validation = validation.to(device)
    starts = config.num_starts or config.customers
    seed = config.seed * 1_000_003 + state.step
    rng = torch.Generator().manual_seed(seed)
    # torch samples on a device only with a generator of that device; on CPU one serves both
    sampler = rng if device.type == "cpu" else torch.Generator(device).manual_seed(seed)
    began = time.perf_counter() - state.seconds
    first_step, run_started = state.step, time.perf_counter()
    losses = torch.zeros(2, device=device)  # sums of loss and mean cost since the last row
    summed = 0

    def checkpoint_now() -> Checkpoint:
        state.seconds = time.perf_counter() - began
        gaps = validate(policy, env, validation, state.reference)
        state.history.append(
            {
                "step": state.step,
                "seconds": round(state.seconds, 1),
                "learning_rate": config.learning_rate,
                "batch_size": config.batch_size,
                **gaps,
            }
        )
        log(
            f"step {state.step}: validation gap {gaps['mean']:.2f}% "
            f"({state.seconds / 60:.1f} min) "
            + " ".join(f"{k} {v:.1f}" for k, v in gaps.items() if k != "mean")
        )
        made = Checkpoint(policy, asdict(config), asdict(state), optimizer.state_dict())
        save_checkpoint(made, out)
        if curve is not None:
            loss, cost = (losses / summed).tolist() if summed else (math.nan, math.nan)
            curve(
                {
                    "step": state.step,
                    "seconds": state.seconds,
                    "loss": loss,
                    "mean_cost": cost,
                    "validation_gap": gaps["mean"],
                }
            )
        return made

    made = None
    while state.step < config.steps and time.perf_counter() - began < config.time_limit:
        batch = generator(config.batch_size, seed=int(torch.randint(2**62, (1,), generator=rng)))
        keys = variant_key(batch)
        result = rollout(policy, env, batch.to(device), num_starts=starts, generator=sampler)
        reward = result.reward.view(starts, -1)
        advantage = pomo_advantage(reward, config.leader_bonus)
        scale = torch.tensor(_cost_scales(state, keys, -reward.mean(0)), device=device)
        loss = -(advantage / scale * result.log_likelihood.view(starts, -1)).mean()
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), config.max_grad_norm)
        optimizer.step()
        state.step += 1
        losses += torch.stack([loss.detach(), -reward.mean().detach()])
        summed += 1
        made = None
        if progress is not None:
            progress(state.step)
        if state.step % config.log_every == 0:
            pace = (time.perf_counter() - run_started) / (state.step - first_step)
            log(
                f"step {state.step}/{config.steps}: loss {loss.item():.4f}, "
                f"mean cost {-reward.mean().item():.3f}, {pace:.2f} s/step"
            )
        if state.step % config.validate_every == 0:
            made = checkpoint_now()
            losses.zero_()
            summed = 0
    return made or checkpoint_now()


def _cost_scales(state: TrainState, keys: list[str], costs: torch.Tensor) -> list[float]:
    """Update each variant's running mean cost and return it per instance."""
    scales = []
    for key, cost in zip(keys, costs.tolist(), strict=True):
        previous = state.cost_scale.get(key, cost)
        state.cost_scale[key] = 0.99 * previous + 0.01 * cost
        scales.append(state.cost_scale[key])
    return scales
