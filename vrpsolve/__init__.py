"""vrpsolve: one routing model and one solver interface for vehicle routing and related problems."""

from vrpsolve.catalog import best_known as best_known
from vrpsolve.catalog import best_known_values as best_known_values
from vrpsolve.errors import InputError as InputError
from vrpsolve.problems.flow_admission import FlowAdmissionInstance as FlowAdmissionInstance
from vrpsolve.problems.flow_admission import FlowEvaluation as FlowEvaluation
from vrpsolve.problems.flow_admission import FlowSolution as FlowSolution
from vrpsolve.problems.flow_admission import evaluate_flows as evaluate_flows
from vrpsolve.problems.routing import ATTRIBUTES as ATTRIBUTES
from vrpsolve.problems.routing import BackhaulMode as BackhaulMode
from vrpsolve.problems.routing import CostConvention as CostConvention
from vrpsolve.problems.routing import Evaluation as Evaluation
from vrpsolve.problems.routing import Route as Route
from vrpsolve.problems.routing import RoutingInstance as RoutingInstance
from vrpsolve.problems.routing import Solution as Solution
from vrpsolve.problems.routing import VehicleType as VehicleType
from vrpsolve.problems.routing import Violation as Violation
from vrpsolve.problems.routing import evaluate as evaluate
from vrpsolve.solve import solve as solve
from vrpsolve.solvers.base import Result as Result
from vrpsolve.solvers.base import Status as Status
from vrpsolve.solvers.registry import UnsupportedInstanceError as UnsupportedInstanceError
from vrpsolve.solvers.registry import list_solvers as list_solvers

__version__ = "0.1.0"
