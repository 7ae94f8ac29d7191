"""vrpsolve: one routing model and one solver interface for vehicle routing and related problems."""

from vrpsolve.catalog import best_known as best_known
from vrpsolve.catalog import best_known_values as best_known_values
from vrpsolve.core.errors import InputError as InputError
from vrpsolve.core.registry import UnsupportedInstanceError as UnsupportedInstanceError
from vrpsolve.core.registry import list_solvers as list_solvers
from vrpsolve.core.solver import Result as Result
from vrpsolve.core.solver import Status as Status
from vrpsolve.flows.model import FlowAdmissionInstance as FlowAdmissionInstance
from vrpsolve.flows.model import FlowEvaluation as FlowEvaluation
from vrpsolve.flows.model import FlowSolution as FlowSolution
from vrpsolve.flows.model import evaluate_flows as evaluate_flows
from vrpsolve.routing.model import ATTRIBUTES as ATTRIBUTES
from vrpsolve.routing.model import BackhaulMode as BackhaulMode
from vrpsolve.routing.model import CostConvention as CostConvention
from vrpsolve.routing.model import Evaluation as Evaluation
from vrpsolve.routing.model import Route as Route
from vrpsolve.routing.model import RoutingInstance as RoutingInstance
from vrpsolve.routing.model import Solution as Solution
from vrpsolve.routing.model import VehicleType as VehicleType
from vrpsolve.routing.model import Violation as Violation
from vrpsolve.routing.model import evaluate as evaluate
from vrpsolve.solve import solve as solve

__version__ = "0.1.0"
