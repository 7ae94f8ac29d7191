"""The flow-admission (PFAR) family's descriptor (see :class:`vrpsolve.core.family.Family`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vrpsolve.core.family import Family, InstanceFormat, violation_records
from vrpsolve.flows.files import (
    INSTANCE_TAG,
    read_flow_instance,
    read_flow_solution,
    write_flow_instance,
    write_flow_solution,
)
from vrpsolve.flows.model import (
    FlowAdmissionInstance,
    FlowEvaluation,
    FlowSolution,
    evaluate_flows,
)

_NETWORK_SUFFIXES = {".gml": "gml", ".graphml": "graphml"}
_TNTP_NETWORK = "_net.tntp"
"""The file name ending of a TNTP network (its trips and node files sit beside it)."""


def _read_network(kind: str) -> Callable[[Path], FlowAdmissionInstance]:
    """A reader of a topology file as a flow-admission instance (its demands as flows)."""

    def read(path: Path) -> FlowAdmissionInstance:
        from vrpsolve.flows.topology import read_topology

        return read_topology(path, format=kind).to_instance()

    return read


def detect(path: Path, head: str) -> str | None:
    """``pfar-json`` for a ``vrpsolve-pfar`` JSON file, ``gml``/``graphml`` by extension,
    ``sndlib`` for an SNDlib native file, ``tntp`` for a TNTP ``*_net.tntp`` network (its trips
    become the flows); otherwise ``None``."""
    suffix = path.suffix.lower()
    if suffix in _NETWORK_SUFFIXES:
        return _NETWORK_SUFFIXES[suffix]
    if path.name.lower().endswith(_TNTP_NETWORK):
        return "tntp"
    if head.startswith("?SNDlib native format"):
        return "sndlib"
    if head.lstrip().startswith("{") and f'"{INSTANCE_TAG}"' in head.replace(" ", ""):
        return "pfar-json"
    return None


def record(
    name: str, solution: FlowSolution | None, evaluation: FlowEvaluation | None
) -> dict[str, Any]:
    """The flow-admission verdict: ``instance``, ``objective`` (admitted priority), ``admitted``
    and ``flows`` (counts), ``max_utilisation``, ``feasible``, ``violations`` (``kind``,
    ``message``, ``flow``, ``link``) and ``paths`` (a node list per flow, ``None`` when
    rejected)."""
    utilisation = None if evaluation is None else evaluation.utilisation
    return {
        "instance": name,
        "objective": None if evaluation is None else evaluation.objective,
        "admitted": None if evaluation is None else evaluation.num_admitted,
        "flows": None if solution is None else len(solution.paths),
        "max_utilisation": (
            None
            if utilisation is None or not len(utilisation)
            else round(float(utilisation.max()), 4)
        ),
        "feasible": evaluation is not None and evaluation.feasible,
        "violations": violation_records(evaluation, "flow", "link"),
        "paths": []
        if solution is None
        else [None if p is None else list(p) for p in solution.paths],
    }


def describe(instance: FlowAdmissionInstance) -> dict[str, str]:
    """``vrpsolve info``'s lines: mode, network, flows and classes, attributes."""
    return {
        "mode": instance.mode.value,
        "network": f"{instance.num_nodes} nodes, {instance.num_links} directed links",
        "flows": f"{instance.num_flows} in {len(instance.priority_classes)} priority class(es)",
        "attributes": ", ".join(sorted(instance.active_attributes())) or "-",
    }


def _plot(instance: FlowAdmissionInstance, solution: FlowSolution, path: Path) -> None:
    from vrpsolve.flows.plot import write_flow_plot

    write_flow_plot(instance, solution, path)


def _write(solution: FlowSolution, path: Path, evaluation: FlowEvaluation | None) -> None:
    write_flow_solution(solution, path, None if evaluation is None else evaluation.objective)


FLOW_ADMISSION = Family(
    name="flow_admission",
    title="flow admission and routing (PFAR)",
    instance_type=FlowAdmissionInstance,
    solution_type=FlowSolution,
    evaluate=lambda instance, solution, seed: evaluate_flows(instance, solution),
    objective="objective",
    minimise=False,
    formats=(
        InstanceFormat("pfar-json", read_flow_instance, write_flow_instance),
        InstanceFormat("gml", _read_network("gml")),
        InstanceFormat("graphml", _read_network("graphml")),
        InstanceFormat("sndlib", _read_network("sndlib")),
        InstanceFormat("tntp", _read_network("tntp")),
    ),
    detect=detect,
    solution_suffixes=(".json",),
    read_solution=read_flow_solution,
    write_solution=_write,
    record=record,
    columns=("instance", "solver", "status", "objective", "admitted", "flows", "runtime"),
    describe=describe,
    size=lambda instance: instance.num_nodes,
    solvers={
        "pfar-ilp": "vrpsolve.flows.solvers:FlowIlpSolver",
        "pfar-ga": "vrpsolve.flows.solvers:FlowGeneticSolver",
        "pfar-greedy": "vrpsolve.flows.solvers:FlowGreedySolver",
    },
    generator="vrpsolve.flows.generator:generate_instance",
    plot=_plot,
)
"""Flow admission: admit and route prioritised flows under link capacities, judged by
:func:`~vrpsolve.flows.model.evaluate_flows` (total admitted priority, to maximise)."""
