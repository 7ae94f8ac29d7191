"""Solution files: CVRPLIB/ORTEC ``.sol``, TSPLIB ``.opt.tour`` and vrpsolve JSON.

Readers check that the file fits the instance: every node exists and is a customer, and a tour's
``NAME``/``DIMENSION`` agree with the instance, so a file for another instance is caught early.
"""

from __future__ import annotations

import re
from pathlib import Path

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import format_number, read_text, to_int, write_text_atomic
from vrpsolve.routing.io.json_format import read_json_solution, write_json_solution
from vrpsolve.routing.io.sections import parse_keyword_file
from vrpsolve.routing.model import Route, RoutingInstance, Solution

_ROUTE = re.compile(r"^route\s*#?\s*(\d+)\s*:(.*)$", re.IGNORECASE)
_META = re.compile(r"^[A-Za-z][A-Za-z _]*\b")


def read_solution(path: str | Path, instance: RoutingInstance) -> Solution:
    """Read a solution for ``instance``.

    Parameters
    ----------
    path
        A CVRPLIB/ORTEC ``.sol`` file (``Route #k: ...`` lines with 0-based node indices, the
        depot being 0; ``Cost``/``Time`` lines are ignored), a TSPLIB ``.tour`` file (1-based,
        ``-1`` terminated; rotated so that depot node 0 starts) or a vrpsolve JSON solution.
    instance
        The instance the solution is for.

    Returns
    -------
    Solution
        Routes of customer node indices. For ``.sol`` files, route ``k`` in file order drives
        vehicle ``k``; with several vehicle types, vehicles are numbered type by type (the order
        :func:`vrpsolve.routing.io.read_instance` groups PyVRP's per-vehicle data in).

    Raises
    ------
    InputError
        Naming the file and line when a route names a node that does not exist or is a depot,
        or when the file is evidently for another instance.
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith(".json"):
        solution = read_json_solution(path, instance)
        for k, route in enumerate(solution.routes):
            if not 0 <= route.vehicle_type < len(instance.vehicle_types):
                raise InputError(
                    f"routes[{k}]: vehicle type {route.vehicle_type} does not exist", path
                )
            for node in route.visits:
                _check_node(instance, node, path, None, f"routes[{k}]")
        return solution
    if name.endswith(".tour"):
        return _read_tour(path, instance)
    return _read_sol(path, instance)


def _check_node(
    instance: RoutingInstance, node: int, path: Path, line: int | None, where: str
) -> None:
    n = instance.num_nodes
    if not 0 <= node < n:
        raise InputError(
            f"{where}: node {node} does not exist; instance {instance.name!r} has nodes 0..{n - 1} "
            "(is the file for another instance?)",
            path,
            line,
        )
    if not instance.customer_mask[node]:
        raise InputError(f"{where}: node {node} is a depot, not a customer", path, line)


def _route_types(instance: RoutingInstance, count: int, path: Path) -> list[int]:
    """Vehicle type of the k-th route: vehicles numbered type by type."""
    types = instance.vehicle_types
    if len(types) == 1:
        return [0] * count
    owners: list[int] = []
    for k, vt in enumerate(types):
        owners += [k] * (count if vt.num_available is None else vt.num_available)
    if count > len(owners):
        raise InputError(
            f"the file has {count} routes but the instance has {len(owners)} vehicles", path
        )
    return owners[:count]


def _read_sol(path: Path, instance: RoutingInstance) -> Solution:
    routes: list[list[int]] = []
    for number, raw in enumerate(read_text(path).splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _ROUTE.match(line)
        if match is None:
            if _META.match(line):
                continue  # "Cost 1234", "Time 1.2", "Vehicle types ...": not part of the routes
            raise InputError(
                f"unexpected line {line[:40]!r} (expected 'Route #k: ...')", path, number
            )
        label = f"route #{match.group(1)}"
        visits = [to_int(t, path, number, label) for t in match.group(2).split()]
        for node in visits:
            _check_node(instance, node, path, number, label)
        routes.append(visits)
    if not routes:
        raise InputError("no 'Route' line found", path)
    types = _route_types(instance, len(routes), path)
    return Solution(tuple(Route(tuple(r), t) for r, t in zip(routes, types, strict=True)))


def _tour_name(value: str) -> str:
    """``./TSPLIB/a280.tsp.optbc.tour`` and ``a280.opt.tour`` both name ``a280``."""
    return Path(value.split()[0]).name.split(".")[0].lower() if value.split() else ""


def _read_tour(path: Path, instance: RoutingInstance) -> Solution:
    kf = parse_keyword_file(path, {"TOUR_SECTION"})
    name = kf.spec("NAME")
    if name is not None and _tour_name(name) not in ("", instance.name.lower()):
        raise InputError(
            f"tour NAME {name!r} is for another instance than {instance.name!r}",
            path,
            kf.spec_line("NAME"),
        )
    dimension = kf.spec_int("DIMENSION")
    if dimension is not None and dimension != instance.num_nodes:
        raise InputError(
            f"tour DIMENSION {dimension} disagrees with instance {instance.name!r} "
            f"({instance.num_nodes} nodes)",
            path,
            kf.spec_line("DIMENSION"),
        )
    section = kf.section("TOUR_SECTION")
    if section is None:
        raise InputError("missing TOUR_SECTION", path)
    tour: list[int] = []
    terminated = False
    for token, line in section.tokens():
        node = to_int(token, path, line, "TOUR_SECTION")
        if node == -1:
            terminated = True
            break
        if not 1 <= node <= instance.num_nodes:
            raise InputError(
                f"TOUR_SECTION: node {node} does not exist; instance {instance.name!r} has nodes "
                f"1..{instance.num_nodes} (is the file for another instance?)",
                path,
                line,
            )
        tour.append(node - 1)
    if not terminated:
        raise InputError("TOUR_SECTION is truncated: no terminating -1", path, section.line)
    depot = instance.depots[0]
    if depot not in tour:
        raise InputError(f"the tour does not visit depot node {depot + 1}", path, section.line)
    start = tour.index(depot)
    visits = tour[start + 1 :] + tour[:start]
    for node in visits:
        if not instance.customer_mask[node]:
            raise InputError(
                f"TOUR_SECTION: node {node + 1} is a depot, not a customer", path, section.line
            )
    return Solution((Route(tuple(visits), 0),))


def write_solution(solution: Solution, path: str | Path, cost: float | None = None) -> None:
    """Write a solution atomically: CVRPLIB ``.sol`` text, or vrpsolve JSON for ``.json`` paths.

    Parameters
    ----------
    solution
        The routes to write (node indices; the depot is not listed).
    path
        Target file; ``.json`` selects JSON (which also keeps each route's vehicle type).
    cost
        Objective value to record (``Cost`` line); omitted when ``None``.
    """
    if str(path).lower().endswith(".json"):
        write_json_solution(solution, path, cost)
        return
    lines = [
        f"Route #{k}: " + " ".join(str(v) for v in route.visits)
        for k, route in enumerate(solution.routes, start=1)
    ]
    if cost is not None:
        lines.append(f"Cost {format_number(cost)}")
    write_text_atomic(path, "\n".join(lines) + "\n")
