"""Measure environment steps per second: vrpsolve's RoutingEnv against rl4co's MTVRPEnv.

Both environments roll out the same batch, RouteFinder's 16 single-depot variants drawn by
:class:`~vrpsolve.routing.generators.RoutingGenerator` (Euclidean) and converted to rl4co's MTVRP
layout by :func:`to_rl4co`, under the same cheap random policy. Only the action draw and
``env.step`` are timed, and ``env.reset`` separately, in CPU time (``time.process_time``) of one
thread; the two environments' repetitions are interleaved, so that a busy machine slows both
alike. A cross-check that is not timed replays vrpsolve's action sequences in rl4co's environment
and counts how many it allows too::

    .venv/bin/python -m benchmarks.env_speed --batch 512 --customers 100 --repeats 5 \\
        --seed 0 --csv results/env-speed.csv --profile

The CSV has one row per environment; a markdown report goes next to it (``.md``), keeping any
hand-written section from ``## Findings`` on.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import os
import platform
import pstats
import shlex
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tensordict import TensorDict

from benchmarks.output import write_csv

ENVS = ("vrpsolve", "rl4co")
"""Compared environments, in table order: vrpsolve's ``RoutingEnv``, rl4co's ``MTVRPEnv``."""

FIELDS: tuple[str, ...] = (
    "env",
    "batch",
    "customers",
    "repeats",
    "steps_per_rollout",
    "steps_per_s_median",
    "steps_per_s_min",
    "steps_per_s_max",
    "instance_steps_per_s_median",
    "reset_ms_median",
    "ratio_vrpsolve_to_rl4co",
)

FINDINGS = "## Findings"
"""Heading of the hand-written part of the markdown report, kept when the report is rewritten."""

DIFFERENCE = (
    "vrpsolve's environment reads cost and time from (possibly asymmetric) distance and duration "
    "matrices in float64 and tracks each route's duration with delayed departure (earliest and "
    "latest start, waiting that a later start cannot remove), for all 48 variants; rl4co's "
    "computes Euclidean distances from the coordinates in float32 at every step and keeps one "
    "clock that starts at time 0."
)
"""What the two environments do differently per step, for the report."""


def to_rl4co(td: TensorDict) -> TensorDict:
    """The same instances in rl4co's ``MTVRPEnv`` layout, as its generator's ``_generate`` makes.

    Keys: ``locs [B, M, 2]``; ``demand_linehaul`` and ``demand_backhaul [B, M]`` divided by the
    capacity, with ``vehicle_capacity`` ones and the capacity in ``capacity_original [B, 1]``;
    ``time_windows [B, M, 2]`` (``[0, inf]`` when absent), ``service_time [B, M]``,
    ``distance_limit [B, 1]`` (``inf`` when absent), ``open_route [B, 1]`` and ``speed`` ones.

    rl4co measures Euclidean distance between coordinates, has one depot, knows only classic
    backhaul and limits route length, not duration, so batches with several depots, mixed
    backhaul, duration limits, single-route (TSP) instances or matrices that are not the
    coordinates' Euclidean distances raise ``ValueError``.
    """
    locs = td["locs"].to(torch.float32)
    problems = []
    if int(td["num_depots"].max()) != 1:
        problems.append("several depots")
    if bool((td["backhaul_class"] == 2).any()):
        problems.append("mixed backhaul")
    if bool(torch.isfinite(td["duration_limit"]).any()):
        problems.append("route duration limits")
    single = td.get("single_route", None)
    if single is not None and bool(single.any()):
        problems.append("single-route (TSP) instances")
    euclidean = torch.cdist(locs.double(), locs.double())
    for key in ("distance", "duration"):
        if not torch.allclose(td[key].double(), euclidean, atol=1e-5):
            problems.append(f"{key} matrices that are not Euclidean")
    if problems:
        raise ValueError("rl4co's MTVRPEnv cannot express " + ", ".join(problems))
    batch = td.batch_size[0]
    capacity = td["vehicle_capacity"].to(torch.float32)
    return TensorDict(
        {
            "locs": locs,
            "demand_linehaul": td["demand_linehaul"].to(torch.float32) / capacity,
            "demand_backhaul": td["demand_backhaul"].to(torch.float32) / capacity,
            "distance_limit": td["distance_limit"].to(torch.float32),
            "time_windows": td["time_windows"].to(torch.float32),
            "service_time": td["service_time"].to(torch.float32),
            "vehicle_capacity": torch.ones(batch, 1),
            "capacity_original": capacity.clone(),
            "open_route": td["open_route"].to(torch.bool),
            "speed": torch.ones(batch, 1),
        },
        batch_size=[batch],
    )


def instances(batch: int, customers: int, seed: int) -> dict[str, TensorDict]:
    """One batch of the 16 single-depot variants, in each environment's layout."""
    from vrpsolve.routing.generators import RoutingGenerator

    ours = RoutingGenerator(customers, "single-depot-16")(batch, seed=seed)
    return {"vrpsolve": ours, "rl4co": to_rl4co(ours)}


def environments(customers: int) -> dict[str, Any]:
    """The two environments, without solution checks; their generators are never called."""
    from rl4co.envs.routing.mtvrp.env import MTVRPEnv

    from vrpsolve.routing.env import RoutingEnv
    from vrpsolve.routing.generators import RoutingGenerator

    return {
        "vrpsolve": RoutingEnv(RoutingGenerator(customers, "single-depot-16"), seed=0),
        "rl4co": MTVRPEnv(generator_params={"num_loc": customers, "subsample": False}, seed=0),
    }


@dataclass
class Rollout:
    """One rollout: batch steps taken, CPU seconds in them, final state, actions ``[B, T]``.

    With ``keep_masks``, also the action mask and the done flags before each step.
    """

    steps: int
    seconds: float
    state: TensorDict
    actions: torch.Tensor
    masks: list[torch.Tensor] = field(default_factory=list)
    dones: list[torch.Tensor] = field(default_factory=list)


def random_action(mask: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """The policy both environments get: the allowed action with the largest uniform draw."""
    return (torch.rand(mask.shape, generator=rng) * mask).argmax(-1)


def rollout(
    env: Any,
    td: TensorDict,
    seed: int,
    actions: torch.Tensor | None = None,
    keep_masks: bool = False,
) -> Rollout:
    """Reset on ``td``, then step until every instance is done (at most 4 steps per node).

    Actions come from :func:`random_action` seeded with ``seed``, or from ``actions [B, T]``
    (replayed to the end whatever the environment says). Only the action draw and ``env.step``
    count towards :attr:`Rollout.seconds`.
    """
    rng = torch.Generator().manual_seed(seed)
    state = env.reset(td)
    limit = 4 * td["locs"].shape[1] if actions is None else actions.shape[1]
    taken: list[torch.Tensor] = []
    masks: list[torch.Tensor] = []
    dones: list[torch.Tensor] = []
    seconds = 0.0
    for step in range(limit):
        if actions is None and bool(state["done"].all()):
            break
        if keep_masks:
            masks.append(state["action_mask"].clone())
            dones.append(state["done"].reshape(-1).clone())
        start = time.process_time()
        mask = state["action_mask"]
        action = random_action(mask, rng) if actions is None else actions[:, step]
        state.set("action", action)
        state = env.step(state)["next"]
        seconds += time.process_time() - start
        taken.append(action)
    return Rollout(len(taken), seconds, state, torch.stack(taken, 1), masks, dones)


def reset_seconds(env: Any, td: TensorDict) -> float:
    """CPU seconds of one ``env.reset`` on ``td``."""
    start = time.process_time()
    env.reset(td)
    return time.process_time() - start


def measure(batch: int, customers: int, repeats: int, seed: int) -> list[dict[str, Any]]:
    """Steps per second and reset time of both environments, as CSV rows in :data:`ENVS` order.

    One untimed warm-up rollout each, then ``repeats`` rounds; each round resets and rolls out
    both environments, the order alternating between rounds. Every rollout uses the same policy
    seed, so an environment takes exactly the same steps in every round.
    """
    data = instances(batch, customers, seed)
    envs = environments(customers)
    for name in ENVS:
        rollout(envs[name], data[name], seed)
    runs: dict[str, list[Rollout]] = {name: [] for name in ENVS}
    resets: dict[str, list[float]] = {name: [] for name in ENVS}
    for round_ in range(repeats):
        order = ENVS if round_ % 2 == 0 else ENVS[::-1]
        for name in order:
            resets[name].append(reset_seconds(envs[name], data[name]))
            runs[name].append(rollout(envs[name], data[name], seed))
    rates = {name: [run.steps / run.seconds for run in runs[name]] for name in ENVS}
    medians = {name: statistics.median(rates[name]) for name in ENVS}
    return [
        {
            "env": name,
            "batch": batch,
            "customers": customers,
            "repeats": repeats,
            "steps_per_rollout": runs[name][0].steps,
            "steps_per_s_median": round(medians[name], 2),
            "steps_per_s_min": round(min(rates[name]), 2),
            "steps_per_s_max": round(max(rates[name]), 2),
            "instance_steps_per_s_median": round(medians[name] * batch),
            "reset_ms_median": round(1e3 * statistics.median(resets[name]), 3),
            "ratio_vrpsolve_to_rl4co": round(medians[name] / medians["rl4co"], 3),
        }
        for name in ENVS
    ]


@dataclass
class CrossCheck:
    """vrpsolve's random action sequences replayed in rl4co's environment.

    ``allowed``: sequences whose every action rl4co's mask allows too; ``rejected``: the others,
    by variant; ``exact_fill``: rejected sequences whose first rejected action fills the vehicle
    to exactly its capacity (rl4co's demands, divided by the capacity in float32, can add up to
    more than one). Mask entries are compared along each sequence while it is still allowed and
    not finished: ``looser`` where only rl4co allows the node, ``stricter`` where only vrpsolve
    does, ``stricter_fill`` of them at a customer that would fill the vehicle exactly.
    ``reward_gap``: the largest difference of the two rewards over the allowed sequences.
    """

    instances: int
    customers: int
    allowed: int
    rejected: Counter[str]
    exact_fill: int
    compared: int
    looser: int
    stricter: int
    stricter_fill: int
    reward_gap: float

    def summary(self) -> str:
        """One paragraph for the console and the report."""
        rejected = ", ".join(f"{name} {count}" for name, count in sorted(self.rejected.items()))
        return (
            f"rl4co's MTVRPEnv allows {self.allowed} of {self.instances} action sequences of "
            f"vrpsolve's RoutingEnv (n={self.customers}, random policy)"
            + (
                f"; it rejects the others ({rejected}), {self.exact_fill} of them at an action "
                "that fills the vehicle to exactly its capacity"
                if rejected
                else ""
            )
            + f". Over {self.compared:,} mask entries compared along the allowed prefixes, rl4co "
            f"allows {self.looser:,} that vrpsolve forbids and forbids {self.stricter:,} that "
            f"vrpsolve allows ({self.stricter_fill:,} of them exact fills). On the allowed "
            "sequences the rewards differ by at most "
            f"{self.reward_gap:.2e}."
        )


def cross_check(batch: int, customers: int, seed: int) -> CrossCheck:
    """Replay vrpsolve's random action sequences on the converted instances in rl4co's env."""
    from rl4co.envs.routing.mtvrp.env import MTVRPEnv

    data = instances(batch, customers, seed)
    envs = environments(customers)
    ours = rollout(envs["vrpsolve"], data["vrpsolve"], seed, keep_masks=True)
    theirs = rollout(envs["rl4co"], data["rl4co"], seed, actions=ours.actions, keep_masks=True)
    ok = torch.ones(batch, dtype=torch.bool)
    looser = stricter = stricter_fill = compared = exact_fill = 0
    delivery = data["vrpsolve"]["demand_linehaul"].double()
    pickup = data["vrpsolve"]["demand_backhaul"].double()
    capacity = data["vrpsolve"]["vehicle_capacity"].double()
    loads = torch.zeros(batch, 2, dtype=torch.float64)  # the current route's deliveries, pickups
    steps = zip(ours.masks, theirs.masks, ours.dones, strict=True)
    for step, (mask, other, done) in enumerate(steps):
        live = (ok & ~done)[:, None]
        fills = torch.where(delivery > 0, loads[:, :1] + delivery, loads[:, 1:] + pickup)
        fills = fills == capacity
        compared += int(live.sum()) * mask.shape[1]
        looser += int((other & ~mask & live).sum())
        stricter += int((mask & ~other & live).sum())
        stricter_fill += int((mask & ~other & live & fills).sum())
        action = ours.actions[:, step : step + 1]
        refused = ok & ~other.gather(1, action)[:, 0]
        exact_fill += int((refused & fills.gather(1, action)[:, 0]).sum())
        ok &= ~refused
        demand = torch.cat([delivery.gather(1, action), pickup.gather(1, action)], 1)
        loads = torch.where(action == 0, 0.0, loads + demand)
    names = MTVRPEnv.get_variant_names(data["rl4co"])
    rejected = Counter(names[i] for i in (~ok).nonzero()[:, 0].tolist())
    gap = 0.0
    if ok.any():
        reward_ours = envs["vrpsolve"].get_reward(ours.state, ours.actions).double()
        reward_theirs = envs["rl4co"].get_reward(theirs.state, ours.actions).double()
        gap = float((reward_ours - reward_theirs)[ok].abs().max())
    return CrossCheck(
        batch,
        customers,
        int(ok.sum()),
        rejected,
        exact_fill,
        compared,
        looser,
        stricter,
        stricter_fill,
        gap,
    )


def profiles(
    batch: int, customers: int, seed: int, top: int = 15, tries: int = 3
) -> dict[str, str]:
    """cProfile's top functions by own CPU time in one rollout of each environment.

    Of ``tries`` profiled rollouts, the one with the least CPU time is shown, the one least
    disturbed by other jobs on the machine.
    """
    data = instances(batch, customers, seed)
    envs = environments(customers)
    out = {}
    for name in ENVS:
        rollout(envs[name], data[name], seed)
        best: pstats.Stats | None = None
        for _ in range(tries):
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            rollout(envs[name], data[name], seed)
            profiler.disable()
            stats = pstats.Stats(profiler)
            if best is None or stats.total_tt < best.total_tt:  # type: ignore[attr-defined]
                best = stats
        assert best is not None
        text = io.StringIO()
        best.stream = text  # type: ignore[attr-defined]
        best.strip_dirs().sort_stats("tottime").print_stats(top)
        lines = text.getvalue().strip().splitlines()
        start = next(i for i, line in enumerate(lines) if "function calls" in line)
        out[name] = "\n".join(line.rstrip() for line in lines[start:])
    return out


def table(rows: Sequence[dict[str, Any]]) -> str:
    """The CSV rows as a markdown table."""
    lines = [
        "| env | batch | n | steps/rollout | steps/s median | min | max | instance-steps/s "
        "| reset ms | ours/rl4co |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['env']} | {row['batch']} | {row['customers']} | "
            f"{row['steps_per_rollout']} | {row['steps_per_s_median']:,.1f} | "
            f"{row['steps_per_s_min']:,.1f} | {row['steps_per_s_max']:,.1f} | "
            f"{row['instance_steps_per_s_median']:,} | {row['reset_ms_median']:.2f} | "
            f"{row['ratio_vrpsolve_to_rl4co']:.2f} |"
        )
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def report(
    rows: Sequence[dict[str, Any]],
    argv: Sequence[str],
    check: CrossCheck,
    profile: dict[str, str] | None,
) -> str:
    """The markdown report: command, machine, versions, table, cross-check and profile."""
    import rl4co
    import tensordict

    ratio = rows[0]["ratio_vrpsolve_to_rl4co"]
    faster = "faster" if ratio >= 1 else "slower"
    lines = [
        "# Environment speed: vrpsolve `RoutingEnv` vs rl4co `MTVRPEnv`",
        "",
        f"Run on {datetime.date.today().isoformat()} on this project's machine "
        f"({_cpu_model()}, {os.cpu_count()} cores, shared with other jobs during the run), so "
        "times are CPU time (`time.process_time`) of one thread, not wall time "
        "(`torch.set_num_threads(1)`, called after rl4co is imported: that import starts numba's "
        "OpenMP pool, which resets torch's thread count to the number of cores), and the two "
        "environments' repetitions are interleaved (the order alternates); "
        "median, min and max are over the repetitions. "
        f"torch {torch.__version__}, rl4co {rl4co.__version__}, tensordict "
        f"{tensordict.__version__}, Python {platform.python_version()}, CPU only.",
        "",
        "```",
        "python -m benchmarks.env_speed " + shlex.join(argv),
        "```",
        "",
        f"**vrpsolve's environment is {faster} than rl4co's: {ratio:.2f}x its steps per "
        "second** on the same batch.",
        "",
        table(rows),
        "",
        "- Batch: RouteFinder's 16 single-depot variants, one per instance "
        '(`RoutingGenerator(n, "single-depot-16")`, uniform points, Euclidean), converted to '
        "rl4co's MTVRP layout by `benchmarks.env_speed.to_rl4co` (demands divided by the "
        "capacity, capacity one). The B variants use classic backhaul, the only kind rl4co knows.",
        "- Policy, the same for both: `(torch.rand(mask.shape, generator=g) * mask).argmax(-1)` "
        "with a seeded generator, until every instance is done. A step is one `env.step` on the "
        "whole batch; steps/s = steps / CPU seconds of the action draws and `env.step` calls; "
        "instance-steps/s = steps/s x batch. Reset is timed on its own. The two environments "
        "take slightly different numbers of steps because their masks differ.",
        f"- What differs: {DIFFERENCE}",
        "",
        "## Cross-check (not timed)",
        "",
        check.summary(),
        "",
    ]
    if profile:
        lines += ["## Profile of one rollout with its reset (cProfile, top own CPU time)", ""]
        for name in ENVS:
            lines += [f"{name}:", "", "```", profile[name], "```", ""]
    return "\n".join(lines)


def _kept_findings(path: Path) -> str:
    if not path.exists():
        return ""
    text = path.read_text()
    index = text.find(FINDINGS)
    return "" if index < 0 else text[index:]


def main(argv: Sequence[str] | None = None) -> int:
    """Measure both environments, print the table and write the CSV and the markdown report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", type=Path, default=Path("results/env-speed.csv"))
    parser.add_argument("--check-batch", type=int, default=64)
    parser.add_argument("--check-customers", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="add cProfile's top functions")
    args = parser.parse_args(argv)
    threads = torch.get_num_threads()
    # Importing rl4co starts numba's OpenMP pool, which sets the thread count of the OpenMP
    # runtime it shares with torch to the number of cores: import first, then set one thread.
    environments(args.customers)
    torch.set_num_threads(1)
    try:
        rows = measure(args.batch, args.customers, args.repeats, args.seed)
        check = cross_check(args.check_batch, args.check_customers, args.seed)
        profile = profiles(args.batch, args.customers, args.seed) if args.profile else None
    finally:
        torch.set_num_threads(threads)
    print(table(rows))
    print()
    print(check.summary())
    write_csv(args.csv, rows, FIELDS)
    markdown = args.csv.with_suffix(".md")
    given = list(argv) if argv is not None else sys.argv[1:]
    findings = _kept_findings(markdown)
    markdown.write_text(report(rows, given, check, profile) + ("\n" + findings if findings else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
