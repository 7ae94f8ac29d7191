"""TSPLIB: symmetric ``.tsp`` and asymmetric ``.atsp`` files, and the TSPLIB edge-weight rules.

The edge-weight part (:func:`edge_weights`) is shared with the VRPLIB and ORTEC readers, which
extend TSPLIB's layout.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import check_finite
from vrpsolve.routing.io import distances
from vrpsolve.routing.io.sections import KeywordFile, parse_keyword_file
from vrpsolve.routing.io.validate import Provenance, build_instance
from vrpsolve.routing.model import CostConvention, RoutingInstance, VehicleType

FloatArray = distances.FloatArray

TSPLIB_SECTIONS = frozenset(
    {
        "NODE_COORD_SECTION",
        "EDGE_WEIGHT_SECTION",
        "DISPLAY_DATA_SECTION",
        "FIXED_EDGES_SECTION",
    }
)
"""Sections a TSPLIB ``.tsp``/``.atsp`` file may hold (display data and fixed edges are ignored)."""

_GEOMETRIC = {
    "EUC_2D": (distances.euclidean_nint, CostConvention.NINT),
    "ATT": (distances.att, CostConvention.ATT),
    "GEO": (distances.geo, CostConvention.NINT),
}


def node_coords(kf: KeywordFile, n: int) -> FloatArray | None:
    """The ``NODE_COORD_SECTION`` as an ``n x 2`` array, or ``None`` when absent."""
    parsed = kf.per_node("NODE_COORD_SECTION", n, 2)
    return None if parsed is None else parsed[0]


def edge_weights(kf: KeywordFile, n: int) -> tuple[FloatArray, CostConvention]:
    """The distance matrix a TSPLIB-style file describes, with the convention it follows.

    ``EUC_2D`` is rounded per edge (nint), ``ATT`` is TSPLIB's pseudo-Euclidean distance, ``GEO``
    the TSPLIB great-circle distance, and ``EXPLICIT`` reads ``EDGE_WEIGHT_SECTION`` as a token
    stream in any TSPLIB layout, with the diagonal set to zero. An explicit matrix of integers is
    tagged ``EXPLICIT``; a non-integer one ``FLOAT`` unless the vrpsolve extension specification
    ``COST_CONVENTION`` names the convention. Every distance off the diagonal must be finite
    (coordinates so large that a distance overflows are refused too).
    """
    kind = (kf.spec("EDGE_WEIGHT_TYPE") or "").upper()
    line = kf.spec_line("EDGE_WEIGHT_TYPE")
    if kind == "EXPLICIT":
        layout = (kf.spec("EDGE_WEIGHT_FORMAT") or "FULL_MATRIX").upper()
        if layout not in distances.EXPLICIT_FORMATS:
            raise InputError(
                f"unsupported EDGE_WEIGHT_FORMAT {layout}",
                kf.path,
                kf.spec_line("EDGE_WEIGHT_FORMAT"),
            )
        if kf.section("EDGE_WEIGHT_SECTION") is None:
            raise InputError(
                "EDGE_WEIGHT_TYPE is EXPLICIT but there is no EDGE_WEIGHT_SECTION", kf.path, line
            )
        values = kf.numbers("EDGE_WEIGHT_SECTION", distances.explicit_count(n, layout))
        matrix = distances.explicit_matrix(values, n, layout)
        section = kf.sections["EDGE_WEIGHT_SECTION"]
        check_finite(matrix, "EDGE_WEIGHT_SECTION distance", kf.path, section.line)
        return matrix, _explicit_convention(kf, matrix)
    if kind not in _GEOMETRIC:
        shown = kind or "(missing)"
        raise InputError(f"unsupported EDGE_WEIGHT_TYPE {shown}", kf.path, line)
    coords = node_coords(kf, n)
    if coords is None:
        raise InputError(f"EDGE_WEIGHT_TYPE {kind} needs a NODE_COORD_SECTION", kf.path, line)
    function, convention = _GEOMETRIC[kind]
    with np.errstate(over="ignore", invalid="ignore"):
        matrix = function(coords)
    check_finite(matrix, f"{kind} distance", kf.path, kf.sections["NODE_COORD_SECTION"].line)
    return matrix, convention


def _explicit_convention(kf: KeywordFile, matrix: FloatArray) -> CostConvention:
    declared = kf.spec("COST_CONVENTION")
    if declared is not None:
        try:
            return CostConvention(declared.strip().lower())
        except ValueError:
            names = ", ".join(c.value for c in CostConvention)
            raise InputError(
                f"unknown COST_CONVENTION {declared!r} (expected one of {names})",
                kf.path,
                kf.spec_line("COST_CONVENTION"),
            ) from None
    integral = bool(np.all(matrix == np.round(matrix)))
    return CostConvention.EXPLICIT if integral else CostConvention.FLOAT


def _read(path: str | Path, expected_type: str) -> RoutingInstance:
    kf = parse_keyword_file(path, TSPLIB_SECTIONS)
    declared = (kf.spec("TYPE") or expected_type).upper().split()[0]
    if declared != expected_type:
        raise InputError(
            f"TYPE is {declared}, expected {expected_type}", kf.path, kf.spec_line("TYPE")
        )
    n = kf.dimension()
    matrix, convention = edge_weights(kf, n)
    coords = node_coords(kf, n) if kf.section("NODE_COORD_SECTION") else None
    return build_instance(
        Provenance(kf.path),
        name=kf.name(),
        distance=matrix,
        coords=coords,
        depots=(0,),
        vehicle_types=(VehicleType(capacity=math.inf, num_available=1),),
        cost_convention=convention,
    )


def read_tsp(path: str | Path) -> RoutingInstance:
    """Read a TSPLIB ``.tsp`` file as a one-vehicle, uncapacitated instance with depot node 0.

    Parameters
    ----------
    path
        The ``.tsp`` file (``EUC_2D``, ``ATT``, ``GEO`` or ``EXPLICIT``).

    Returns
    -------
    RoutingInstance
        A TSP: one vehicle (``num_available=1``), infinite capacity.
    """
    return _read(path, "TSP")


def read_atsp(path: str | Path) -> RoutingInstance:
    """Read a TSPLIB ``.atsp`` file (an explicit matrix read as a token stream).

    The diagonal, which TSPLIB fills with a large "infinity", is set to zero. The convention is
    ``EXPLICIT``; there is one vehicle and node 0 is the depot.
    """
    return _read(path, "ATSP")
