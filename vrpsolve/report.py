"""Plain records and tables of results, for scripts (JSON) and people (tables)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from vrpsolve.catalog import best_known
from vrpsolve.core.solver import Result
from vrpsolve.flows.model import FlowEvaluation, FlowSolution
from vrpsolve.graphs.paths.model import PathEvaluation, PathSolution
from vrpsolve.graphs.search.model import SearchEvaluation, SearchSolution
from vrpsolve.packets.model import SimulationReport
from vrpsolve.routing.model import Evaluation, Solution

if TYPE_CHECKING:
    from vrpsolve.packets.simulator import RoutingPolicy

DEFAULT_FORMATS = {"gap": ".2f", "runtime": ".2f"}
"""Float formats of the standard columns (gap in percent, runtime in seconds)."""


def gap_percent(cost: float, reference: float) -> float:
    """The gap ``100 * (cost - reference) / reference`` in percent."""
    return 100.0 * (cost - reference) / reference


def _best_known_fields(name: str, cost: float | None) -> dict[str, Any]:
    try:
        bks = best_known(name).value
    except KeyError:
        return {"bks": None, "gap": None}
    gap = None if cost is None else round(gap_percent(cost, bks), 4)
    return {"bks": bks, "gap": gap}


def evaluation_record(
    name: str,
    solution: Solution | FlowSolution | RoutingPolicy | SearchSolution | PathSolution | None,
    evaluation: (
        Evaluation | FlowEvaluation | SimulationReport | SearchEvaluation | PathEvaluation | None
    ),
) -> dict[str, Any]:
    """The evaluator's verdict as a JSON-ready dict.

    Routing keys: ``instance``, ``cost`` (``None`` without a solution), ``feasible``,
    ``violations`` (each with ``kind``, ``message``, ``route``, ``node``), ``routes`` (lists of
    node indices), ``bks`` and ``gap`` (percent, when the instance is bundled and the solution
    feasible). Flow admission: see :func:`flow_record`; packet routing: :func:`packet_record`;
    graph search: :func:`search_record`; path queries: :func:`path_record`.
    """
    if isinstance(solution, SearchSolution) or isinstance(evaluation, SearchEvaluation):
        return search_record(name, evaluation)  # type: ignore[arg-type]
    if isinstance(solution, PathSolution) or isinstance(evaluation, PathEvaluation):
        return path_record(name, evaluation)  # type: ignore[arg-type]
    if isinstance(evaluation, SimulationReport) or not isinstance(
        solution, Solution | FlowSolution | None
    ):
        return packet_record(name, evaluation)  # type: ignore[arg-type]
    if isinstance(solution, FlowSolution) or isinstance(evaluation, FlowEvaluation):
        return flow_record(name, solution, evaluation)  # type: ignore[arg-type]
    cost = None if evaluation is None else evaluation.cost
    feasible = evaluation is not None and evaluation.feasible
    record: dict[str, Any] = {
        "instance": name,
        "cost": cost,
        "feasible": feasible,
        "violations": [
            {"kind": v.kind, "message": v.message, "route": v.route, "node": v.node}
            for v in (evaluation.violations if evaluation is not None else ())
        ],
        "routes": solution.to_lists() if solution is not None else [],
    }
    record.update(_best_known_fields(name, cost if feasible else None))
    return record


def flow_record(
    name: str, solution: FlowSolution | None, evaluation: FlowEvaluation | None
) -> dict[str, Any]:
    """A flow-admission verdict as a JSON-ready dict.

    Keys: ``instance``, ``objective`` (total admitted priority), ``admitted`` and ``flows``
    (counts), ``max_utilisation``, ``feasible``, ``violations`` (``kind``, ``message``, ``flow``,
    ``link``) and ``paths`` (a node list per flow, ``None`` when rejected).
    """
    feasible = evaluation is not None and evaluation.feasible
    return {
        "instance": name,
        "objective": None if evaluation is None else evaluation.objective,
        "admitted": None if evaluation is None else evaluation.num_admitted,
        "flows": None if solution is None else len(solution.paths),
        "max_utilisation": (
            None
            if evaluation is None or not len(evaluation.utilisation)
            else round(float(evaluation.utilisation.max()), 4)
        ),
        "feasible": feasible,
        "violations": [
            {"kind": v.kind, "message": v.message, "flow": v.flow, "link": v.link}
            for v in (evaluation.violations if evaluation is not None else ())
        ],
        "paths": []
        if solution is None
        else [None if p is None else list(p) for p in solution.paths],
    }


def packet_record(name: str, report: SimulationReport | None) -> dict[str, Any]:
    """A simulated routing policy's figures as a JSON-ready dict.

    Keys: ``instance``, ``mean_delivery_time`` (the objective), ``p95_delivery_time``,
    ``generated``, ``delivered``, ``dropped``, ``throughput``, ``mean_hops``, ``feasible`` and an
    empty ``violations`` list.
    """
    fields = ("mean_delivery_time", "p95_delivery_time", "generated", "delivered", "dropped")
    record: dict[str, Any] = {"instance": name}
    for key in (*fields, "throughput", "mean_hops"):
        value = None if report is None else getattr(report, key)
        record[key] = round(value, 4) if isinstance(value, float) else value
    record.update(feasible=report is not None, violations=[])
    return record


def search_record(name: str, evaluation: SearchEvaluation | None) -> dict[str, Any]:
    """A graph-search verdict as a JSON-ready dict.

    Keys: ``instance``, ``recall_at_1`` (the objective), ``recall_at_k``, ``k``, ``mean_dcs``,
    ``max_dcs``, ``budget``, ``feasible`` and ``violations`` (``kind``, ``message``, ``query``).
    """
    record: dict[str, Any] = {"instance": name}
    for key in ("recall_at_1", "recall_at_k", "k", "mean_dcs", "max_dcs", "budget"):
        value = None if evaluation is None else getattr(evaluation, key)
        record[key] = round(value, 4) if isinstance(value, float) else value
    record["feasible"] = evaluation is not None and evaluation.feasible
    record["violations"] = [
        {"kind": v.kind, "message": v.message, "query": v.query}
        for v in (evaluation.violations if evaluation is not None else ())
    ]
    return record


def path_record(name: str, evaluation: PathEvaluation | None) -> dict[str, Any]:
    """A path-query verdict as a JSON-ready dict.

    Keys: ``instance``, ``success_rate`` (the objective), ``succeeded``, ``queries``,
    ``mean_stretch`` and ``max_stretch`` (over the successful queries; ``None`` without any),
    ``feasible`` and ``violations`` (``kind``, ``message``, ``query``).
    """
    record: dict[str, Any] = {"instance": name}
    if evaluation is None:
        record.update(dict.fromkeys(("success_rate", "succeeded", "queries")))
        record.update(mean_stretch=None, max_stretch=None)
    else:
        record.update(
            success_rate=round(evaluation.success_rate, 4),
            succeeded=evaluation.num_successes,
            queries=int(evaluation.successes.size),
        )
        for key in ("mean_stretch", "max_stretch"):
            value = getattr(evaluation, key)
            record[key] = None if math.isnan(value) else round(value, 4)
    record["feasible"] = evaluation is not None and evaluation.feasible
    record["violations"] = [
        {"kind": v.kind, "message": v.message, "query": v.query}
        for v in (evaluation.violations if evaluation is not None else ())
    ]
    return record


def result_record(result: Result) -> dict[str, Any]:
    """A solve result as a JSON-ready dict: the evaluation record plus solver, seed, status,
    runtime, lower bound and solver statistics."""
    record = evaluation_record(result.instance, result.solution, result.evaluation)
    record.update(
        {
            "solver": result.solver,
            "seed": result.seed,
            "status": result.status.value,
            "runtime": round(result.runtime, 3),
            "lower_bound": result.lower_bound,
            "stats": result.stats,
        }
    )
    return record


def _cell(value: Any, spec: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "inf" if math.isinf(value) else format(value, spec)
    return str(value)


def render_table(
    records: Sequence[dict[str, Any]],
    columns: Sequence[str],
    formats: Mapping[str, str] | None = None,
) -> str:
    """A fixed-width text table of the given record fields.

    Floats print with ``formats[column]`` (a format spec such as ``".2f"``) where given, else with
    up to ten significant digits; missing values print as ``-``.
    """
    specs = {**DEFAULT_FORMATS, **(formats or {})}
    rows = [[_cell(r.get(c), specs.get(c, ".10g")) for c in columns] for r in records]
    widths = [max([len(c)] + [len(row[i]) for row in rows]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)
