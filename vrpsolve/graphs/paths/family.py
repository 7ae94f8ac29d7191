"""The path-query family's descriptor (see :class:`vrpsolve.core.family.Family`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from vrpsolve.core.family import Family, InstanceFormat, violation_records
from vrpsolve.graphs.paths.files import (
    is_path_file,
    read_path_instance,
    read_path_solution,
    write_path_instance,
    write_path_solution,
)
from vrpsolve.graphs.paths.model import (
    PathEvaluation,
    PathQueryInstance,
    PathSolution,
    evaluate_paths,
)


def detect(path: Path, head: str) -> str | None:
    """``paths-npz`` for a path-query ``.npz`` file, else ``None``."""
    return "paths-npz" if path.suffix.lower() == ".npz" and is_path_file(path) else None


def record(
    name: str, solution: PathSolution | None, evaluation: PathEvaluation | None
) -> dict[str, Any]:
    """The path-query verdict: ``instance``, ``success_rate`` (the objective), ``succeeded``,
    ``queries``, ``mean_stretch`` and ``max_stretch`` (over the successful queries; ``None``
    without any), ``feasible`` and ``violations`` (``kind``, ``message``, ``query``)."""
    fields: dict[str, Any] = dict.fromkeys(
        ("success_rate", "succeeded", "queries", "mean_stretch", "max_stretch")
    )
    if evaluation is not None:
        fields.update(
            success_rate=round(evaluation.success_rate, 4),
            succeeded=evaluation.num_successes,
            queries=int(evaluation.successes.size),
        )
        for key in ("mean_stretch", "max_stretch"):
            value = getattr(evaluation, key)
            fields[key] = None if math.isnan(value) else round(value, 4)
    return {
        "instance": name,
        **fields,
        "feasible": evaluation is not None and evaluation.feasible,
        "violations": violation_records(evaluation, "query"),
    }


def describe(instance: PathQueryInstance) -> dict[str, str]:
    """``vrpsolve info``'s lines: network size and queries."""
    kind = "directed" if instance.directed else "undirected"
    return {
        "network": f"{instance.num_nodes} nodes, {instance.num_edges} {kind} edges",
        "queries": f"{instance.num_queries} (source, target) pairs with hop limits",
    }


PATH_QUERY = Family(
    name="path_query",
    title="path queries on a network",
    instance_type=PathQueryInstance,
    solution_type=PathSolution,
    evaluate=lambda instance, solution, seed: evaluate_paths(instance, solution),
    objective="success_rate",
    minimise=False,
    formats=(InstanceFormat("paths-npz", read_path_instance, write_path_instance),),
    detect=detect,
    solution_suffixes=(".json",),
    read_solution=read_path_solution,
    write_solution=lambda solution, path, evaluation: write_path_solution(solution, path),
    record=record,
    columns=(
        "instance",
        "solver",
        "status",
        "success_rate",
        "mean_stretch",
        "max_stretch",
        "runtime",
    ),
    describe=describe,
    size=lambda instance: instance.num_nodes,
    solvers={
        "path-greedy": "vrpsolve.graphs.paths.solvers:PathGreedySolver",
        "path-learned": "vrpsolve.graphs.paths.solvers:PathLearnedSolver",
    },
    generator="vrpsolve.graphs.paths.files:build_path_file",
)
"""Path queries: route each (source, target) query hop by hop without a map, judged by
:func:`~vrpsolve.graphs.paths.model.evaluate_paths` (success rate, to maximise; stretch against
Dijkstra). ``auto`` runs greedy geographic forwarding, which needs no trained policy."""
