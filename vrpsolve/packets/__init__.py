"""Packet routing: a discrete-event simulator, topologies and baseline routing policies.

The instance type and the evaluator live in :mod:`vrpsolve.packets.model`;
:mod:`vrpsolve.packets.simulator` runs a network under a routing policy (or step by step for an
external agent), :mod:`vrpsolve.packets.topologies` builds networks and
:mod:`vrpsolve.packets.policies` holds the static shortest-path baselines.
"""

from vrpsolve.packets.model import PacketLink as PacketLink
from vrpsolve.packets.model import PacketNetwork as PacketNetwork
from vrpsolve.packets.model import SimulationReport as SimulationReport
from vrpsolve.packets.model import TrafficModel as TrafficModel
from vrpsolve.packets.policies import RandomPolicy as RandomPolicy
from vrpsolve.packets.policies import ShortestPathPolicy as ShortestPathPolicy
from vrpsolve.packets.simulator import Decision as Decision
from vrpsolve.packets.simulator import LearningPolicy as LearningPolicy
from vrpsolve.packets.simulator import NodeView as NodeView
from vrpsolve.packets.simulator import Packet as Packet
from vrpsolve.packets.simulator import RoutingPolicy as RoutingPolicy
from vrpsolve.packets.simulator import Simulation as Simulation
from vrpsolve.packets.simulator import SimulationHooks as SimulationHooks
from vrpsolve.packets.simulator import evaluate_policy as evaluate_policy
from vrpsolve.packets.topologies import boyan_littman_grid as boyan_littman_grid
from vrpsolve.packets.topologies import random_geometric_network as random_geometric_network
from vrpsolve.packets.topologies import read_packet_network as read_packet_network
from vrpsolve.packets.topologies import write_packet_network as write_packet_network
from vrpsolve.packets.topologies import zoo_network as zoo_network
