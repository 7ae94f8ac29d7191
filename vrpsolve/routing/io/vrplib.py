"""VRPLIB ``.vrp`` files: CVRPLIB and PyVRP's dialect (backhaul, multi-depot, heterogeneous fleet).

Reading builds the matrix under the TSPLIB rules (see
:func:`vrpsolve.routing.io.tsplib.edge_weights`), then the per-node data (demand, linehaul/backhaul,
service times, time windows, depots) and the fleet: per-vehicle values (capacity, depot, maximum
distance and duration, fixed cost) are grouped into :class:`VehicleType` entries whose
``num_available`` is the number of identical vehicles. Writing produces an ``EXPLICIT FULL_MATRIX``
file with every section of the dialect in use.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import format_number, to_int, write_text_atomic
from vrpsolve.routing.io.sections import KeywordFile, parse_keyword_file
from vrpsolve.routing.io.tsplib import TSPLIB_SECTIONS, edge_weights, node_coords
from vrpsolve.routing.io.validate import Provenance, build_instance
from vrpsolve.routing.model import MAX_NODES, BackhaulMode, RoutingInstance, VehicleType

VRPLIB_SECTIONS = TSPLIB_SECTIONS | {
    "DEMAND_SECTION",
    "LINEHAUL_SECTION",
    "BACKHAUL_SECTION",
    "DEPOT_SECTION",
    "SERVICE_TIME_SECTION",
    "TIME_WINDOW_SECTION",
    "CAPACITY_SECTION",
    "VEHICLES_DEPOT_SECTION",
    "VEHICLES_MAX_DISTANCE_SECTION",
    "VEHICLES_MAX_DURATION_SECTION",
    "VEHICLES_FIXED_COST_SECTION",
}
"""Sections the VRPLIB reader understands."""

UNSUPPORTED_SECTIONS = frozenset(
    {
        "RELEASE_TIME_SECTION",
        "PRIZE_SECTION",
        "VEHICLES_ALLOWED_CLIENTS_SECTION",
        "MUTUALLY_EXCLUSIVE_GROUP_SECTION",
        "PICKUP_AND_DELIVERY_SECTION",
        "VEHICLES_RELOAD_DEPOT_SECTION",
        "VEHICLES_MAX_RELOADS_SECTION",
        "VEHICLES_UNIT_DISTANCE_COST_SECTION",
    }
)
"""PyVRP dialect sections with no counterpart in :class:`RoutingInstance`."""

UNSUPPORTED_SPECS = frozenset({"VEHICLES_MAX_RELOADS", "VEHICLES_UNIT_DISTANCE_COST"})

# Per-vehicle fields: attribute, scalar specification(s), section, default (an infinite default
# marks a limit that may be absent: its values may be +inf).
_VEHICLE_FIELDS = (
    ("capacity", ("CAPACITY",), "CAPACITY_SECTION", math.inf),
    (
        "max_distance",
        ("VEHICLES_MAX_DISTANCE", "DISTANCE"),
        "VEHICLES_MAX_DISTANCE_SECTION",
        math.inf,
    ),
    ("max_duration", ("VEHICLES_MAX_DURATION",), "VEHICLES_MAX_DURATION_SECTION", math.inf),
    ("fixed_cost", ("VEHICLES_FIXED_COST",), "VEHICLES_FIXED_COST_SECTION", 0.0),
)


def read_vrplib(path: str | Path) -> RoutingInstance:
    """Read a VRPLIB ``.vrp`` file (CVRPLIB or PyVRP's dialect).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    RoutingInstance
        The instance, validated (see :func:`vrpsolve.routing.io.validate.validate_instance`).
    """
    kf = parse_keyword_file(path, VRPLIB_SECTIONS, UNSUPPORTED_SECTIONS)
    return build_vrplib(kf)


def build_vrplib(kf: KeywordFile) -> RoutingInstance:
    """Build and validate an instance from a parsed VRPLIB-style file."""
    for key in UNSUPPORTED_SPECS & kf.specs.keys():
        raise InputError(
            f"specification {key} is not supported by vrpsolve", kf.path, kf.spec_line(key)
        )
    n = kf.dimension()
    where = Provenance(kf.path)
    matrix, convention = edge_weights(kf, n)
    coords = node_coords(kf, n)
    depots = _depots(kf, n)

    delivery = np.zeros(n)
    for name in ("DEMAND_SECTION", "LINEHAUL_SECTION"):
        parsed = kf.per_node(name, n, 1)
        if parsed is not None:
            delivery = parsed[0][:, 0]
            where.labels["delivery"], where.lines["delivery"] = name, parsed[1]
    pickup = np.zeros(n)
    parsed = kf.per_node("BACKHAUL_SECTION", n, 1)
    if parsed is not None:
        pickup = parsed[0][:, 0]
        where.labels["pickup"], where.lines["pickup"] = "BACKHAUL_SECTION", parsed[1]
    depot_list = list(depots)
    delivery[depot_list] = 0.0
    pickup[depot_list] = 0.0
    vrp_type = (kf.spec("TYPE") or "").upper()
    if not (pickup > 0).any():
        mode = BackhaulMode.NONE
    elif vrp_type == "VRPB":
        mode = BackhaulMode.CLASSIC
    else:
        mode = BackhaulMode.MIXED

    service = np.zeros(n)
    parsed = kf.per_node("SERVICE_TIME_SECTION", n, 1)
    if parsed is not None:
        service = parsed[0][:, 0]
        where.labels["service_times"] = "SERVICE_TIME_SECTION"
        where.lines["service_times"] = parsed[1]
    elif (uniform := kf.spec_numbers("SERVICE_TIME")) is not None:
        service = np.full(n, uniform[0])
        service[depot_list] = 0.0
        where.labels["service_times"] = "SERVICE_TIME"

    windows = None
    parsed = kf.per_node("TIME_WINDOW_SECTION", n, 2, unlimited=(1,))
    if parsed is not None:
        windows = parsed[0]
        where.labels["time_windows"] = "TIME_WINDOW_SECTION"
        where.lines["time_windows"] = parsed[1]
    where.labels.setdefault("delivery", "DEMAND_SECTION")

    return build_instance(
        where,
        name=kf.name(),
        distance=matrix,
        coords=coords,
        depots=depots,
        delivery=delivery,
        pickup=pickup,
        backhaul_mode=mode,
        time_windows=windows,
        service_times=service,
        vehicle_types=_vehicle_types(kf, depots),
        cost_convention=convention,
    )


def _depots(kf: KeywordFile, n: int) -> tuple[int, ...]:
    section = kf.section("DEPOT_SECTION")
    if section is None:
        return (0,)
    depots: list[int] = []
    for token, line in section.tokens():
        node = to_int(token, kf.path, line, "DEPOT_SECTION")
        if node == -1:
            break
        if not 1 <= node <= n:
            raise InputError(f"DEPOT_SECTION: depot {node} is out of range 1..{n}", kf.path, line)
        if node - 1 in depots:
            raise InputError(f"DEPOT_SECTION: depot {node} appears twice", kf.path, line)
        depots.append(node - 1)
    if not depots:
        raise InputError("DEPOT_SECTION lists no depot", kf.path, section.line)
    return tuple(depots)


def _vehicle_types(kf: KeywordFile, depots: tuple[int, ...]) -> tuple[VehicleType, ...]:
    """Per-vehicle values grouped into types; an unlimited single type when no count is given."""
    count = kf.count("VEHICLES")
    sections = [s for s in (f[2] for f in _VEHICLE_FIELDS) if kf.section(s) is not None]
    if kf.section("VEHICLES_DEPOT_SECTION") is not None:
        sections.append("VEHICLES_DEPOT_SECTION")
    if count is None and sections:
        first = kf.sections[sections[0]]
        count = len(first.rows)
        if count > MAX_NODES:
            raise InputError(
                f"{first.name} lists {count} vehicles, more than the maximum of {MAX_NODES}",
                kf.path,
                first.line,
            )
    columns: dict[str, list[float]] = {}
    size = 1 if count is None else count
    for attribute, specs, section_name, default in _VEHICLE_FIELDS:
        unlimited = math.isinf(default)
        parsed = None
        if count is not None:
            parsed = kf.per_node(section_name, size, 1, unlimited=(0,) if unlimited else ())
        if parsed is not None:
            columns[attribute] = list(parsed[0][:, 0])
            continue
        value: list[float] = [default]
        for spec in specs:
            numbers = kf.spec_numbers(spec, unlimited=unlimited)
            if numbers is not None:
                value = numbers
                break
        if len(value) == 1:
            value = value * size
        elif len(value) != size:
            raise InputError(
                f"{specs[0]} lists {len(value)} values for {size} vehicles",
                kf.path,
                kf.spec_line(specs[0]),
            )
        columns[attribute] = value
    starts = [depots[0]] * size
    parsed = kf.per_node("VEHICLES_DEPOT_SECTION", size, 1) if count is not None else None
    if parsed is not None:
        for k, (depot, line) in enumerate(zip(parsed[0][:, 0], parsed[1], strict=True)):
            if int(depot) - 1 not in depots:
                raise InputError(
                    f"VEHICLES_DEPOT_SECTION: vehicle {k + 1} uses node {int(depot)}, which is "
                    "not a depot",
                    kf.path,
                    line,
                )
            starts[k] = int(depot) - 1
    groups: dict[tuple[float, ...], int] = {}
    for k in range(size):
        key = (
            columns["capacity"][k],
            starts[k],
            columns["max_distance"][k],
            columns["max_duration"][k],
            columns["fixed_cost"][k],
        )
        groups[key] = groups.get(key, 0) + 1
    return tuple(
        VehicleType(
            capacity=float(capacity),
            num_available=None if count is None else number,
            start_depot=int(depot),
            end_depot=int(depot),
            max_distance=float(max_distance),
            max_duration=float(max_duration),
            fixed_cost=float(fixed_cost),
        )
        for (capacity, depot, max_distance, max_duration, fixed_cost), number in groups.items()
    )


# -- writing ---------------------------------------------------------------------------------------
def write_vrplib(instance: RoutingInstance, path: str | Path) -> None:
    """Write an instance as a VRPLIB file in PyVRP's dialect, with an explicit full matrix.

    Vehicle types are expanded into per-vehicle sections (types in order, each type's vehicles
    contiguous); an unlimited type is written as one vehicle per customer when several types
    exist. The convention is kept in the vrpsolve specification ``COST_CONVENTION``.

    Raises
    ------
    ValueError
        If the instance uses something the dialect cannot express: a duration matrix that
        differs from the distance matrix, open routes, a route ending at another depot, or a
        fleet mixing capacitated and uncapacitated vehicles.
    """
    if not np.array_equal(instance.duration, instance.distance):
        raise ValueError("VRPLIB has one matrix: duration must equal distance (use JSON)")
    if instance.has_open_routes:
        raise ValueError("VRPLIB cannot express open routes (use JSON)")
    types = instance.vehicle_types
    if any(vt.start_depot != vt.end_depot for vt in types):
        raise ValueError("VRPLIB cannot express routes ending at another depot (use JSON)")
    finite = {math.isfinite(vt.capacity) for vt in types}
    if len(finite) > 1:
        raise ValueError("VRPLIB cannot mix capacitated and uncapacitated vehicles (use JSON)")
    n = instance.num_nodes
    vehicles: list[VehicleType] = []
    for vt in types:
        number = vt.num_available
        if number is None:
            number = 1 if len(types) == 1 else max(1, instance.num_customers)
        vehicles += [vt] * number
    limited = len(types) > 1 or types[0].num_available is not None
    out = [
        f"NAME : {instance.name}",
        "TYPE : "
        + ("VRPB" if instance.backhaul_mode is BackhaulMode.CLASSIC else instance.variant),
        "COMMENT : written by vrpsolve",
        f"DIMENSION : {n}",
    ]
    if limited:
        out.append(f"VEHICLES : {len(vehicles)}")
    out += [
        f"COST_CONVENTION : {instance.cost_convention.value}",
        "EDGE_WEIGHT_TYPE : EXPLICIT",
        "EDGE_WEIGHT_FORMAT : FULL_MATRIX",
    ]
    per_vehicle = {
        "capacity": ("CAPACITY", "CAPACITY_SECTION", math.inf),
        "max_distance": ("VEHICLES_MAX_DISTANCE", "VEHICLES_MAX_DISTANCE_SECTION", math.inf),
        "max_duration": ("VEHICLES_MAX_DURATION", "VEHICLES_MAX_DURATION_SECTION", math.inf),
        "fixed_cost": ("VEHICLES_FIXED_COST", "VEHICLES_FIXED_COST_SECTION", 0.0),
    }
    sections: list[str] = []
    for attribute, (spec, section, default) in per_vehicle.items():
        values = [getattr(v, attribute) for v in vehicles]
        if len(set(values)) == 1:
            if values[0] != default:
                out.append(f"{spec} : {format_number(values[0])}")
        else:
            sections.append(section)
            sections += [f"{k + 1}\t{format_number(v)}" for k, v in enumerate(values)]
    out.append("EDGE_WEIGHT_SECTION")
    out += ["\t".join(format_number(v) for v in row) for row in instance.distance]
    if instance.coords is not None:
        out.append("NODE_COORD_SECTION")
        out += _indexed(instance.coords)
    if instance.has_backhaul:
        out.append("LINEHAUL_SECTION")
        out += _indexed(instance.delivery[:, None])
        out.append("BACKHAUL_SECTION")
        out += _indexed(instance.pickup[:, None])
    else:
        out.append("DEMAND_SECTION")
        out += _indexed(instance.delivery[:, None])
    if instance.service_times.any():
        out.append("SERVICE_TIME_SECTION")
        out += _indexed(instance.service_times[:, None])
    if instance.time_windows is not None:
        out.append("TIME_WINDOW_SECTION")
        out += _indexed(instance.time_windows)
    out.append("DEPOT_SECTION")
    out += [str(d + 1) for d in instance.depots] + ["-1"]
    out += sections
    if any(v.start_depot != instance.depots[0] for v in vehicles):
        out.append("VEHICLES_DEPOT_SECTION")
        out += [f"{k + 1}\t{v.start_depot + 1}" for k, v in enumerate(vehicles)]
    out.append("EOF")
    write_text_atomic(path, "\n".join(out) + "\n")


def _indexed(values: np.ndarray) -> list[str]:
    return [f"{i + 1}\t" + "\t".join(format_number(v) for v in row) for i, row in enumerate(values)]
