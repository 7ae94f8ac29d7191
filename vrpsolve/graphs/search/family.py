"""The graph-search family's descriptor (see :class:`vrpsolve.core.family.Family`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vrpsolve.core.family import Family, InstanceFormat, rounded, violation_records
from vrpsolve.graphs.search.files import (
    is_search_file,
    read_search_instance,
    read_search_solution,
    write_search_instance,
    write_search_solution,
)
from vrpsolve.graphs.search.model import (
    GraphSearchInstance,
    SearchEvaluation,
    SearchSolution,
    evaluate_search,
)


def detect(path: Path, head: str) -> str | None:
    """``search-npz`` for a graph-search ``.npz`` file, else ``None``."""
    return "search-npz" if path.suffix.lower() == ".npz" and is_search_file(path) else None


def record(
    name: str, solution: SearchSolution | None, evaluation: SearchEvaluation | None
) -> dict[str, Any]:
    """The graph-search verdict: ``instance``, ``recall_at_1`` (the objective),
    ``recall_at_k``, ``k``, ``mean_dcs``, ``max_dcs``, ``budget``, ``feasible`` and
    ``violations`` (``kind``, ``message``, ``query``)."""
    fields = ("recall_at_1", "recall_at_k", "k", "mean_dcs", "max_dcs", "budget")
    values = {
        key: None if evaluation is None else rounded(getattr(evaluation, key)) for key in fields
    }
    return {
        "instance": name,
        **values,
        "feasible": evaluation is not None and evaluation.feasible,
        "violations": violation_records(evaluation, "query"),
    }


def describe(instance: GraphSearchInstance) -> dict[str, str]:
    """``vrpsolve info``'s lines: vectors, graph, queries and the DCS budget."""
    kind = "directed" if instance.directed else "undirected"
    return {
        "vectors": f"{instance.num_vectors} of dimension {instance.dim}",
        "graph": f"{instance.num_edges} {kind} edges, entry vertex {instance.entry}",
        "queries": f"{instance.num_queries}, {instance.k} true neighbours each",
        "budget": f"{instance.budget} distance computations per query",
    }


GRAPH_SEARCH = Family(
    name="graph_search",
    title="nearest-neighbour search on a similarity graph",
    instance_type=GraphSearchInstance,
    solution_type=SearchSolution,
    evaluate=lambda instance, solution, seed: evaluate_search(instance, solution),
    objective="recall_at_1",
    minimise=False,
    formats=(InstanceFormat("search-npz", read_search_instance, write_search_instance),),
    detect=detect,
    solution_suffixes=(".npz",),
    read_solution=read_search_solution,
    write_solution=lambda solution, path, evaluation: write_search_solution(solution, path),
    record=record,
    columns=("instance", "solver", "status", "recall_at_1", "mean_dcs", "budget", "runtime"),
    describe=describe,
    size=lambda instance: instance.num_vectors,
    solvers={
        "graph-beam": "vrpsolve.graphs.search.solvers:GraphBeamSolver",
        "graph-greedy": "vrpsolve.graphs.search.solvers:GraphGreedySolver",
        "graph-learned": "vrpsolve.graphs.search.solvers:GraphLearnedSolver",
    },
    generator="vrpsolve.graphs.search.datasets:clustered_gaussians",
)
"""Graph search: answer nearest-neighbour queries by routing on a similarity graph, judged by
:func:`~vrpsolve.graphs.search.model.evaluate_search` (Recall@1 within the DCS budget, to
maximise). ``auto`` runs beam search, which needs no trained policy."""
