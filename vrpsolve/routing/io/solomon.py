"""Solomon VRPTW ``.txt`` files under the CVRPLIB convention.

Distances and travel times are Euclidean distances truncated to one decimal, ``floor(10 d)/10``
(convention ``TRUNC1``). The capacity comes from the ``VEHICLE`` block; its ``NUMBER`` is not a
binding fleet limit under this convention (the vehicle count is free), so the fleet is unlimited.
Row 0 is the depot, whose due date is the closing time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import check_finite, read_text, to_int, to_number
from vrpsolve.routing.io.distances import euclidean_trunc1
from vrpsolve.routing.io.validate import Provenance, build_instance
from vrpsolve.routing.model import MAX_NODES, CostConvention, RoutingInstance, VehicleType

_COLUMNS = ("CUST NO.", "XCOORD.", "YCOORD.", "DEMAND", "READY TIME", "DUE DATE", "SERVICE TIME")


def read_solomon(path: str | Path) -> RoutingInstance:
    """Read a Solomon VRPTW instance.

    Parameters
    ----------
    path
        The ``.txt`` file: a name line, a ``VEHICLE`` block (``NUMBER CAPACITY``) and a
        ``CUSTOMER`` block with seven columns per node, the depot first.

    Returns
    -------
    RoutingInstance
        VRPTW with an unlimited fleet (``num_available=None``), convention ``TRUNC1``.
    """
    path = Path(path)
    lines = [
        (number, raw.strip())
        for number, raw in enumerate(read_text(path).splitlines(), start=1)
        if raw.strip()
    ]
    name = lines[0][1].split()[0]
    block = ""
    capacity: float | None = None
    rows: list[tuple[int, list[float]]] = []
    for number, line in lines[1:]:
        upper = line.upper()
        if upper in ("VEHICLE", "CUSTOMER"):
            block = upper
            continue
        if upper.startswith(("NUMBER", "CUST")):
            continue
        tokens = line.split()
        if block == "VEHICLE":
            if len(tokens) != 2 or capacity is not None:
                raise InputError("VEHICLE block: expected one line 'NUMBER CAPACITY'", path, number)
            to_int(tokens[0], path, number, "VEHICLE NUMBER")
            capacity = to_number(tokens[1], path, number, "VEHICLE CAPACITY")
        elif block == "CUSTOMER":
            if len(tokens) != len(_COLUMNS):
                raise InputError(
                    f"CUSTOMER block: expected {len(_COLUMNS)} columns, got {len(tokens)}",
                    path,
                    number,
                )
            values = [to_number(t, path, number, c) for t, c in zip(tokens, _COLUMNS, strict=True)]
            if values[0] != len(rows):
                raise InputError(
                    f"CUSTOMER block: expected customer number {len(rows)}, got {tokens[0]}",
                    path,
                    number,
                )
            if len(rows) == MAX_NODES:
                raise InputError(f"CUSTOMER block: more than {MAX_NODES} nodes", path, number)
            rows.append((number, values))
        else:
            raise InputError(
                f"unexpected line {line[:40]!r} before the VEHICLE block", path, number
            )
    if capacity is None:
        raise InputError("missing VEHICLE block (NUMBER CAPACITY)", path)
    if len(rows) < 2:
        raise InputError("CUSTOMER block is truncated: it needs the depot and a customer", path)
    data = np.array([values for _, values in rows])
    row_lines = [number for number, _ in rows]
    where = Provenance(
        path,
        labels={
            "delivery": "DEMAND",
            "time_windows": "READY TIME/DUE DATE",
            "service_times": "SERVICE TIME",
        },
        lines={"delivery": row_lines, "time_windows": row_lines, "service_times": row_lines},
    )
    coords = data[:, 1:3]
    with np.errstate(over="ignore", invalid="ignore"):
        matrix = euclidean_trunc1(coords)
    check_finite(matrix, "distance computed from XCOORD./YCOORD.", path)
    return build_instance(
        where,
        name=name,
        distance=matrix,
        duration=matrix,
        coords=coords,
        depots=(0,),
        delivery=data[:, 3],
        time_windows=data[:, 4:6],
        service_times=data[:, 6],
        vehicle_types=(VehicleType(capacity=capacity, num_available=None),),
        cost_convention=CostConvention.TRUNC1,
    )
