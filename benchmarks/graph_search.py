"""Recall@1 at a fixed DCS budget: greedy, beam, learned routing and hnswlib, per dataset.

For each dataset (seeded clustered Gaussians; scikit-learn's digits) it builds our flat NSW graph
and hnswlib's HNSW, trains learned routing on the NSW graph (or loads it with ``--reuse``), picks
each method's beam width (and the learned search's re-ranking count) on held-out training queries
for every budget, then answers the test queries under that budget. Every answer goes through
``evaluate_search``; every DCS is counted the same way (one per exact distance, once per vertex and
query, in every HNSW layer; learned-space distances and the query mapping as the paper's budgets
count them, see ``vrpsolve.graphs.search.learned``). ``learned (untrained)`` is the same search with
the model before training (principal components, no graph convolution), to show what the training
adds. With ``--transfer N`` the policy trained on the synthetic set also routes a new N-vector draw
of the same mixture, on its own graph, unseen in training. One thread, CPU::

    python -m benchmarks.graph_search --base 20000 --queries 1000 --train 4000 --steps 1500 \\
        --transfer 100000 --policy-dir policies/graph-routing \\
        --out results/graph-search.csv --plot results/graph-search.png
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks.output import write_csv

BUDGETS = (128, 256, 512)
"""DCS budgets per query."""

BEAM_WIDTHS = (8, 16, 32, 64, 128)
"""Beam widths tried for beam search and hnswlib (greedy is width 1)."""

LEARNED_WIDTHS = (16, 32, 64, 128, 256)
RERANKS = (16, 32, 64, 128)
"""Learned search: beam widths and re-ranking counts tried (at least k = 10 re-ranked)."""

M = 16
EF_CONSTRUCTION = 64
"""NSW and hnswlib settings: 16 links per insertion (32 at most on layer 0), beam 64."""


@dataclass
class Setting:
    """A dataset with its graphs and how long they took to build."""

    name: str
    data: Any
    nsw: Any
    hnsw: Any
    nsw_seconds: float
    hnsw_seconds: float


Search = Callable[[NDArray[np.float32], float, dict[str, int]], Any]
"""Answers queries under a budget with some settings; returns a SearchSolution."""


def prepare(name: str, data: Any, seed: int) -> Setting:
    """Build the NSW graph and the hnswlib index of a dataset, timing each (CPU seconds)."""
    from vrpsolve.graphs.search.build import build_nsw
    from vrpsolve.graphs.search.hnsw_reference import build_hnswlib, export_hnswlib

    start = time.process_time()
    nsw = build_nsw(data.base, m=M, ef_construction=EF_CONSTRUCTION, seed=seed)
    nsw_seconds = time.process_time() - start
    start = time.process_time()
    index = build_hnswlib(data.base, m=M, ef_construction=EF_CONSTRUCTION, seed=seed)
    hnsw_seconds = time.process_time() - start
    return Setting(name, data, nsw, export_hnswlib(index), nsw_seconds, hnsw_seconds)


def config_for(dim: int, steps: int) -> Any:
    """The training configuration used for every dataset (a quarter of the dimension kept)."""
    from vrpsolve.graphs.search.learned import RoutingConfig

    return RoutingConfig(
        dim=dim,
        out_dim=dim // 4,
        hidden=64,
        layers=2,
        steps=steps,
        queries_per_step=32,
        learning_rate=1e-3,
        ef=64,
        rerank=16,
        budget=128,
        validation_queries=500,
        eval_every=100,
    )


def held_out(setting: Setting, config: Any) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """The training queries that training holds out (and tuning uses), with their neighbours."""
    queries = setting.data.train_queries
    held = min(config.validation_queries, len(queries) // 4)
    return queries[-held:], setting.data.train_neighbours[-held:]


def searches(setting: Setting, routers: dict[str, Any]) -> dict[str, tuple[Search, list[dict]]]:
    """Each method's search function and the settings to try."""
    from vrpsolve.graphs.search.algorithms import search_queries
    from vrpsolve.graphs.search.hnsw_reference import search_hnsw_queries

    base, k = setting.data.base, setting.data.neighbours.shape[1]

    def flat(queries, budget, options):
        return search_queries(setting.nsw, base, queries, ef=options["ef"], budget=budget, k=k)

    def hnsw(queries, budget, options):
        return search_hnsw_queries(
            setting.hnsw, base, queries, ef=options["ef"], budget=budget, k=k
        )

    def learned(router):
        def search(queries, budget, options):
            return router.search(base, queries, budget=budget, k=k, **options)

        return search

    learned_grid = [{"ef": e, "rerank": r} for e in LEARNED_WIDTHS for r in RERANKS]
    methods: dict[str, tuple[Search, list[dict]]] = {
        "greedy": (flat, [{"ef": 1}]),
        "beam": (flat, [{"ef": e} for e in BEAM_WIDTHS]),
    }
    for label, router in routers.items():
        methods[label] = (learned(router), learned_grid)
    methods["hnswlib"] = (hnsw, [{"ef": e} for e in BEAM_WIDTHS])
    return methods


def instance(setting: Setting, queries, neighbours, budget: int) -> Any:
    """The graph-search instance of some queries under a budget (on the NSW graph)."""
    from vrpsolve.graphs.search.model import GraphSearchInstance

    return GraphSearchInstance(
        name=setting.name,
        base=setting.data.base,
        queries=queries,
        neighbours=neighbours,
        indptr=setting.nsw.indptr,
        indices=setting.nsw.indices,
        entry=setting.nsw.entry,
        budget=budget,
    )


def measure(
    setting: Setting, routers: dict[str, Any], validation: tuple[NDArray, NDArray]
) -> list[dict[str, Any]]:
    """Per method and budget: the settings best on validation, then the test figures.

    ``ms_per_query`` is the search's CPU time per test query (pure Python and NumPy, one thread).
    """
    from vrpsolve.graphs.search.model import evaluate_search

    rows = []
    data = setting.data
    test = (data.queries, data.neighbours)
    judges = {
        (part, budget): instance(setting, queries[0], queries[1], budget)
        for part, queries in (("validation", validation), ("test", test))
        for budget in BUDGETS
    }
    for method, (search, grid) in searches(setting, routers).items():
        for budget in BUDGETS:
            scored = []
            for options in grid:
                if "rerank" in options and not _fits(routers, method, budget, options):
                    continue
                answer = search(validation[0], budget, options)
                verdict = evaluate_search(judges["validation", budget], answer)
                scored.append((verdict.recall_at_1, -options["ef"], options))
            _, _, options = max(scored, key=lambda s: (s[0], s[1]))
            start = time.process_time()
            answer = search(data.queries, budget, options)
            seconds = time.process_time() - start
            verdict = evaluate_search(judges["test", budget], answer)
            if not verdict.feasible:
                raise AssertionError(f"{method} broke the rules: {verdict.violations[:3]}")
            rows.append(
                {
                    "dataset": setting.name,
                    "base": data.base.shape[0],
                    "queries": data.queries.shape[0],
                    "method": method,
                    "budget": budget,
                    "recall_at_1": round(verdict.recall_at_1, 4),
                    "recall_at_10": round(verdict.recall_at_k, 4),
                    "mean_dcs": round(verdict.mean_dcs, 1),
                    "ef": options["ef"],
                    "rerank": options.get("rerank", ""),
                    "ms_per_query": round(1000 * seconds / data.queries.shape[0], 3),
                }
            )
            print(_row_line(rows[-1]), flush=True)
    return rows


def _fits(routers: dict[str, Any], method: str, budget: int, options: dict[str, int]) -> bool:
    out_dim = routers[method].vertex_vectors.shape[1]
    return budget - out_dim - options["rerank"] >= 8


def _row_line(row: dict[str, Any]) -> str:
    return "| " + " | ".join(str(v) for v in row.values()) + " |"


def train(setting: Setting, args: argparse.Namespace, policy: Path) -> tuple[Any, dict[str, Any]]:
    """Train learned routing on the NSW graph (or load it), save it; the model and its timing."""
    import torch

    from vrpsolve.graphs.search.learned import (
        graph_fingerprint,
        load_checkpoint,
        save_checkpoint,
        train_routing,
    )

    data = setting.data
    if args.reuse and policy.exists():
        model, checkpoint = load_checkpoint(policy)
        if checkpoint["metadata"]["graph_fingerprint"] != graph_fingerprint(setting.nsw):
            raise SystemExit(f"{policy} was trained on another graph than this run built")
        return model, {
            "train_wall_s": round(checkpoint["seconds"], 1),
            "train_cpu_s": checkpoint["metadata"].get("train_cpu_seconds"),
        }
    steps = args.digit_steps if setting.name.startswith("digits") else args.steps
    config = config_for(data.base.shape[1], steps)
    start = time.process_time()
    run = train_routing(
        data.base,
        setting.nsw,
        data.train_queries,
        data.train_neighbours[:, 0],
        config,
        seed=args.seed,
        log=lambda r: print(
            f"  step {r.step}: validation Recall@1 {r.recall_at_1:.3f}, "
            f"loss {r.loss:.3f}, {r.seconds:.0f} s",
            flush=True,
        ),
    )
    cpu = time.process_time() - start
    metadata = {
        "dataset": setting.name,
        "dataset_seed": data.seed,
        "command": " ".join(["python -m benchmarks.graph_search", *sys.argv[1:]]),
        "graph": {
            "builder": "build_nsw",
            "m": M,
            "ef_construction": EF_CONSTRUCTION,
            "seed": args.seed,
        },
        "graph_fingerprint": graph_fingerprint(setting.nsw),
        "train_cpu_seconds": round(cpu, 1),
        "torch": str(torch.__version__),
    }
    policy.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(policy, run, metadata)
    print(f"  saved {policy} ({policy.stat().st_size} bytes), best step {run.best_step}")
    return run.model, {"train_wall_s": round(run.seconds, 1), "train_cpu_s": round(cpu, 1)}


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Recall@1 against the DCS budget, one panel per dataset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    figure, axes = plt.subplots(1, len(datasets), figsize=(5 * len(datasets), 4), squeeze=False)
    for axis, dataset in zip(axes[0], datasets, strict=True):
        for method in dict.fromkeys(r["method"] for r in rows if r["dataset"] == dataset):
            points = [r for r in rows if r["dataset"] == dataset and r["method"] == method]
            axis.plot(
                [r["budget"] for r in points],
                [r["recall_at_1"] for r in points],
                "o-",
                label=method,
            )
        axis.set_xscale("log", base=2)
        axis.set_xticks(BUDGETS, [str(b) for b in BUDGETS])
        axis.set_xlabel("DCS budget per query")
        axis.set_ylabel("Recall@1")
        axis.set_ylim(0, 1.02)
        axis.set_title(dataset)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every dataset; print the table; write the CSVs and the plot."""
    from vrpsolve.graphs.search.datasets import clustered_gaussians, digits
    from vrpsolve.graphs.search.learned import RoutingModel, make_router

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--train", type=int, default=4_000)
    parser.add_argument("--steps", type=int, default=1_500)
    parser.add_argument("--digit-steps", type=int, default=600)
    parser.add_argument("--transfer", type=int, default=0, help="also route an N-vector draw")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="load policies instead of training")
    parser.add_argument("--policy-dir", type=Path, default=Path("policies/graph-routing"))
    parser.add_argument("--out", type=Path, default=Path("results/graph-search.csv"))
    parser.add_argument("--plot", type=Path, default=Path("results/graph-search.png"))
    args = parser.parse_args(argv)

    synthetic = f"gauss-{args.base // 1000}k"
    datasets = {
        synthetic: lambda: clustered_gaussians(args.base, args.queries, args.train, seed=args.seed),
        "digits": lambda: digits(seed=args.seed),
    }
    rows: list[dict[str, Any]] = []
    times: list[dict[str, Any]] = []
    synthetic_model = None
    for policy_name, make in datasets.items():
        data = make()
        name = data.name
        print(
            f"{name}: {data.base.shape[0]} base, {data.queries.shape[0]} test queries", flush=True
        )
        setting = prepare(name, data, args.seed)
        model, timing = train(setting, args, args.policy_dir / f"{policy_name}.pt")
        untrained = RoutingModel(model.config)
        untrained.fit_input(data.base)
        routers = {
            "learned": make_router(model, setting.nsw, data.base),
            "learned (untrained)": make_router(untrained, setting.nsw, data.base),
        }
        if policy_name == synthetic:
            synthetic_model = model
        rows += measure(setting, routers, held_out(setting, model.config))
        times.append(_times(setting, timing))
    if args.transfer and synthetic_model is not None:
        data = clustered_gaussians(args.transfer, args.queries, 2_000, seed=args.seed)
        print(f"{data.name}: transfer of the {synthetic} policy", flush=True)
        setting = prepare(data.name, data, args.seed)
        untrained = RoutingModel(synthetic_model.config)
        untrained.fit_input(data.base)
        routers = {
            f"learned ({synthetic} policy)": make_router(synthetic_model, setting.nsw, data.base),
            "learned (untrained)": make_router(untrained, setting.nsw, data.base),
        }
        rows += measure(setting, routers, held_out(setting, synthetic_model.config))
        times.append(_times(setting, {}))
    columns = list(rows[0])
    print("\n| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print(_row_line(row))
    print("\n" + json.dumps(times, indent=1))
    write_csv(args.out, rows, columns)
    write_csv(args.out.with_name(args.out.stem + "-times.csv"), times, list(times[0]))
    plot(rows, args.plot)
    return 0


def _times(setting: Setting, timing: dict[str, Any]) -> dict[str, Any]:
    return {
        "dataset": setting.name,
        "base": setting.data.base.shape[0],
        "nsw_build_cpu_s": round(setting.nsw_seconds, 1),
        "nsw_mean_degree": round(float(setting.nsw.degrees().mean()), 2),
        "hnswlib_build_cpu_s": round(setting.hnsw_seconds, 1),
        "train_wall_s": timing.get("train_wall_s"),
        "train_cpu_s": timing.get("train_cpu_s"),
    }


if __name__ == "__main__":
    sys.exit(main())
