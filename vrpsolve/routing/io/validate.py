"""Checks every reader applies to the instance it built, with errors that name file and line.

Readers parse syntax (sizes, numbers, sections); this module checks meaning: demands are
non-negative and fit some vehicle, time windows are well formed and reachable by some vehicle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vrpsolve.core.errors import InputError
from vrpsolve.routing.model import RoutingInstance

_TOLERANCE = 1e-6


@dataclass
class Provenance:
    """Where each per-node attribute came from, so an error can point at the right line.

    Parameters
    ----------
    path
        The file that was read.
    labels
        Attribute name (``"delivery"``, ``"pickup"``, ``"time_windows"``, ``"service_times"``)
        to the name the file uses for it (``"DEMAND_SECTION"``, ``"DUE DATE"``, ...).
    lines
        Attribute name to the line number of each node's entry.
    """

    path: Path
    labels: dict[str, str] = field(default_factory=dict)
    lines: dict[str, Sequence[int]] = field(default_factory=dict)

    def error(self, attribute: str, node: int, problem: str) -> InputError:
        """An :class:`InputError` for one node's entry of an attribute."""
        label = self.labels.get(attribute, attribute)
        lines = self.lines.get(attribute)
        line = None if lines is None or node >= len(lines) else int(lines[node])
        return InputError(f"{label}, node {node}: {problem}", self.path, line)


def build_instance(where: Provenance, **fields: Any) -> RoutingInstance:
    """Build a :class:`RoutingInstance` from a file's ``fields`` and validate it.

    Raises
    ------
    InputError
        Naming the file, for anything the model's constructor refuses (a number that is not
        finite, say) or :func:`validate_instance` finds.
    """
    try:
        instance = RoutingInstance(**fields)
    except ValueError as exc:
        raise InputError(str(exc), where.path) from None
    return validate_instance(instance, where)


def validate_instance(instance: RoutingInstance, where: Provenance) -> RoutingInstance:
    """Check a freshly read instance and return it unchanged.

    Raises
    ------
    InputError
        On a negative demand, service time or window bound; a window that closes before it
        opens; a customer whose delivery or pickup exceeds every vehicle's capacity; or a
        customer whose time window no vehicle can reach (or, for closed routes, return from
        before its depot closes).
    """
    _check_non_negative(instance, where)
    _check_capacity(instance, where)
    _check_time_windows(instance, where)
    return instance


def _check_non_negative(instance: RoutingInstance, where: Provenance) -> None:
    for attribute in ("delivery", "pickup", "service_times"):
        values = getattr(instance, attribute)
        negative = np.flatnonzero(values < 0)
        if negative.size:
            node = int(negative[0])
            kind = "service time" if attribute == "service_times" else "demand"
            raise where.error(attribute, node, f"negative {kind} {values[node]:g}")


def _check_capacity(instance: RoutingInstance, where: Provenance) -> None:
    largest = max(vt.capacity for vt in instance.vehicle_types)
    for attribute in ("delivery", "pickup"):
        values = getattr(instance, attribute)
        too_big = np.flatnonzero(values > largest + _TOLERANCE)
        if too_big.size:
            node = int(too_big[0])
            raise where.error(
                attribute,
                node,
                f"demand {values[node]:g} exceeds the capacity of every vehicle "
                f"(largest {largest:g})",
            )


def _check_time_windows(instance: RoutingInstance, where: Provenance) -> None:
    windows = instance.time_windows
    if windows is None:
        return
    early, late = windows[:, 0], windows[:, 1]
    bad = np.flatnonzero(early > late + _TOLERANCE)
    if bad.size:
        node = int(bad[0])
        raise where.error(
            "time_windows", node, f"time window [{early[node]:g}, {late[node]:g}] is empty"
        )
    customers = instance.customers
    reachable = np.zeros(instance.num_nodes, dtype=bool)
    service = instance.service_times
    for vt in instance.vehicle_types:
        start, end = vt.start_depot, vt.end_depot
        leave = early[start] + service[start]
        arrival = leave + instance.duration[start, :]
        ok = arrival <= late + _TOLERANCE
        if not vt.open_route:
            begin = np.maximum(arrival, early)
            back = begin + service + instance.duration[:, end]
            ok &= back <= late[end] + _TOLERANCE
        reachable |= ok
    unreachable = [int(c) for c in customers if not reachable[c]]
    if unreachable:
        node = unreachable[0]
        raise where.error(
            "time_windows",
            node,
            f"time window [{early[node]:g}, {late[node]:g}] cannot be met by any vehicle "
            f"(starting when its depot opens, or returning before its depot closes); "
            f"{len(unreachable)} customer(s) affected",
        )
