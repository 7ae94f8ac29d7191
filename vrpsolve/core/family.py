"""Problem families: each instance type with its one evaluator and the sense of its objective.

``vrpsolve.solve`` and the command line find an instance's family here, so that every solver's
answer is judged by that family's evaluator: :func:`~vrpsolve.routing.model.evaluate` for
routing, :func:`~vrpsolve.flows.model.evaluate_flows` for flow admission, for
packet routing :func:`~vrpsolve.packets.model.evaluate_policy`, which simulates the
routing policy a solver returns (its solution), and for nearest-neighbour search on similarity
graphs :func:`~vrpsolve.graphs.search.model.evaluate_search` (Recall@1 at a DCS budget), and
for path queries on networks :func:`~vrpsolve.graphs.paths.model.evaluate_paths` (success rate,
stretch against Dijkstra).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vrpsolve.flows.model import FlowAdmissionInstance, evaluate_flows
from vrpsolve.graphs.paths.model import PathQueryInstance, evaluate_paths
from vrpsolve.graphs.search.model import GraphSearchInstance, evaluate_search
from vrpsolve.packets.model import PacketNetwork, evaluate_policy
from vrpsolve.routing.model import RoutingInstance, evaluate

Instance = (
    RoutingInstance
    | FlowAdmissionInstance
    | PacketNetwork
    | GraphSearchInstance
    | PathQueryInstance
)
"""An instance of any family."""


@dataclass(frozen=True)
class Family:
    """A problem family: its name, instance type, evaluator, and whether it minimises."""

    name: str
    instance_type: type
    evaluate: Callable[[Any, Any], Any]
    minimise: bool


FAMILIES: tuple[Family, ...] = (
    Family("routing", RoutingInstance, evaluate, minimise=True),
    Family("flow_admission", FlowAdmissionInstance, evaluate_flows, minimise=False),
    Family("packet_routing", PacketNetwork, evaluate_policy, minimise=True),
    Family("graph_search", GraphSearchInstance, evaluate_search, minimise=False),
    Family("path_query", PathQueryInstance, evaluate_paths, minimise=False),
)
"""Every family vrpsolve solves."""


def family_of(instance: object) -> Family:
    """The family of an instance; ``TypeError`` for an object of no known family."""
    for family in FAMILIES:
        if isinstance(instance, family.instance_type):
            return family
    raise TypeError(f"{type(instance).__name__} is not an instance of any problem family")
