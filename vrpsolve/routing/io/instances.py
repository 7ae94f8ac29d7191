"""Read and write instances in any supported format (dispatch on the format name)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import read_text
from vrpsolve.flows.model import FlowAdmissionInstance
from vrpsolve.packets.model import PacketNetwork
from vrpsolve.routing.io.detect import FORMATS, detect_format
from vrpsolve.routing.io.json_format import read_json_instance, write_json_instance
from vrpsolve.routing.io.ortec import read_ortec
from vrpsolve.routing.io.solomon import read_solomon
from vrpsolve.routing.io.tsplib import read_atsp, read_tsp
from vrpsolve.routing.io.vrplib import read_vrplib, write_vrplib
from vrpsolve.routing.model import RoutingInstance


def _read_json(path: Path) -> Any:
    """A vrpsolve JSON instance of any family, told apart by its ``format`` tag."""
    from vrpsolve.flows.files import INSTANCE_TAG, read_flow_instance

    head = read_text(path)[:4096].replace(" ", "")
    if f'"{INSTANCE_TAG}"' in head:
        return read_flow_instance(path)
    if '"vrpsolve-packet-network"' in head:
        from vrpsolve.packets.topologies import read_packet_network

        return read_packet_network(path)
    return read_json_instance(path)


def _read_network(kind: str) -> Callable[[Path], FlowAdmissionInstance]:
    def read(path: Path) -> FlowAdmissionInstance:
        from vrpsolve.networks.topology import read_topology

        return read_topology(path, format=kind).to_instance()

    return read


_READERS: dict[str, Callable[[Path], Any]] = {
    "vrplib": read_vrplib,
    "solomon": read_solomon,
    "tsplib": read_tsp,
    "atsp": read_atsp,
    "ortec": read_ortec,
    "json": _read_json,
    "gml": _read_network("gml"),
    "graphml": _read_network("graphml"),
    "sndlib": _read_network("sndlib"),
}
_WRITERS: dict[str, Callable[[RoutingInstance, Path], None]] = {
    "json": write_json_instance,
    "vrplib": write_vrplib,
}
assert set(_READERS) == set(FORMATS)


def read_instance(
    path: str | Path, format: str | None = None
) -> RoutingInstance | FlowAdmissionInstance | PacketNetwork:
    """Read an instance of any family.

    Routing formats give a routing instance; PFAR JSON and network files (GML, GraphML,
    SNDlib) a flow-admission instance; ``vrpsolve-packet-network`` JSON a packet network.

    Parameters
    ----------
    path
        The instance file.
    format
        One of :data:`vrpsolve.routing.io.FORMATS`; detected from extension and content when
        ``None``.

    Returns
    -------
    RoutingInstance, FlowAdmissionInstance or PacketNetwork
        The instance, validated; routing instances with the file's cost convention applied.

    Raises
    ------
    InputError
        On any problem with the file, naming it (and the line or field where possible).
    """
    path = Path(path)
    if format is None:
        format = detect_format(path)
    reader = _READERS.get(format.lower())
    if reader is None:
        raise InputError(f"unknown format {format!r} (expected one of {', '.join(FORMATS)})", path)
    return reader(path)


def read_routing_instance(path: str | Path, format: str | None = None) -> RoutingInstance:
    """Read an instance that must be a routing one (``InputError`` naming the file if not)."""
    instance = read_instance(path, format)
    if not isinstance(instance, RoutingInstance):
        raise InputError("expected a routing instance, got a flow-admission one", path)
    return instance


def write_instance(instance: RoutingInstance, path: str | Path, format: str = "json") -> None:
    """Write a routing instance atomically.

    Parameters
    ----------
    instance
        The instance.
    path
        Target file.
    format
        ``"json"`` (lossless ``vrpsolve-routing``) or ``"vrplib"`` (PyVRP's VRPLIB dialect with
        an explicit full matrix).

    Raises
    ------
    ValueError
        For an unknown format, or an instance the chosen format cannot express.
    """
    writer = _WRITERS.get(format.lower())
    if writer is None:
        raise ValueError(f"cannot write format {format!r} (expected json or vrplib)")
    writer(instance, Path(path))
