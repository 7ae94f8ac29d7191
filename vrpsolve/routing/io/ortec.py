"""ORTEC VRPTW ``.txt`` files (EURO Meets NeurIPS 2022): VRPLIB layout, real asymmetric matrix.

The integer ``EDGE_WEIGHT_SECTION`` (``FULL_MATRIX``) is the travel duration and also the cost
(convention ``EXPLICIT``); coordinates are kept for plots only. ``VEHICLES`` limits the fleet,
``CAPACITY`` is shared, and the depot's time window gives the departure and closing time.
"""

from __future__ import annotations

from pathlib import Path

from vrpsolve.core.errors import InputError
from vrpsolve.routing.io.sections import parse_keyword_file
from vrpsolve.routing.io.vrplib import UNSUPPORTED_SECTIONS, VRPLIB_SECTIONS, build_vrplib
from vrpsolve.routing.model import RoutingInstance


def read_ortec(path: str | Path) -> RoutingInstance:
    """Read an ORTEC VRPTW instance.

    Parameters
    ----------
    path
        The ``.txt`` file.

    Returns
    -------
    RoutingInstance
        Asymmetric CVRPTW with a fleet limit; ``distance`` and ``duration`` are the same matrix.

    Raises
    ------
    InputError
        If the file lacks the explicit matrix or the time windows that define the format.
    """
    kf = parse_keyword_file(path, VRPLIB_SECTIONS, UNSUPPORTED_SECTIONS)
    if (kf.spec("EDGE_WEIGHT_TYPE") or "").upper() != "EXPLICIT":
        raise InputError(
            "an ORTEC file needs EDGE_WEIGHT_TYPE : EXPLICIT",
            kf.path,
            kf.spec_line("EDGE_WEIGHT_TYPE"),
        )
    for name in ("EDGE_WEIGHT_SECTION", "TIME_WINDOW_SECTION"):
        if kf.section(name) is None:
            raise InputError(f"an ORTEC file needs a {name}", kf.path)
    return build_vrplib(kf)
