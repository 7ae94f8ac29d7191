"""vrpsolve: one routing environment and one solver interface for five problem families.

Vehicle routing (RouteFinder's variants, TSP and ATSP), flow admission and routing (PFAR), packet
routing, nearest-neighbour search on similarity graphs and path queries on networks: read any
family's file with :func:`read_instance`, solve it with :func:`solve` and a registered solver
(:func:`list_solvers`), and every answer is judged by the family's one evaluator.
"""

from vrpsolve.catalog import best_known as best_known
from vrpsolve.catalog import best_known_values as best_known_values
from vrpsolve.core.errors import InputError as InputError
from vrpsolve.core.errors import MissingDependencyError as MissingDependencyError
from vrpsolve.core.errors import UnknownSolverError as UnknownSolverError
from vrpsolve.core.errors import UnsupportedInstanceError as UnsupportedInstanceError
from vrpsolve.core.family import Family as Family
from vrpsolve.core.registry import families as families
from vrpsolve.core.registry import family_of as family_of
from vrpsolve.core.registry import list_solvers as list_solvers
from vrpsolve.core.solver import Result as Result
from vrpsolve.core.solver import Status as Status
from vrpsolve.flows.model import FlowAdmissionInstance as FlowAdmissionInstance
from vrpsolve.flows.model import FlowEvaluation as FlowEvaluation
from vrpsolve.flows.model import FlowSolution as FlowSolution
from vrpsolve.flows.model import evaluate_flows as evaluate_flows
from vrpsolve.io import read_instance as read_instance
from vrpsolve.io import read_solution as read_solution
from vrpsolve.io import write_instance as write_instance
from vrpsolve.io import write_solution as write_solution
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
