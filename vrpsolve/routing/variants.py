"""Routing variants as sets of attributes, named as :attr:`RoutingInstance.variant` names them.

The learning environment covers capacity plus any mix of open routes (O), classic or mixed
backhaul (B, MB), a route limit (L), time windows (TW) and several depots (MD): 48 combinations;
and the TSP (one uncapacitated vehicle), asymmetric (ATSP) on asymmetric matrices.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^(?P<md>MD)?(?P<open>O)?C?VRP(?P<backhaul>MB|B)?(?P<limit>L)?(?P<tw>TW)?$")


@dataclass(frozen=True)
class Variant:
    """Which attributes are active on top of capacity."""

    open_route: bool = False
    backhaul: str = ""
    """``""`` (none), ``"B"`` (classic: deliveries before pickups) or ``"MB"`` (mixed)."""
    limit: bool = False
    time_windows: bool = False
    multi_depot: bool = False
    tsp: bool = False
    """One vehicle without capacity visits every customer; no other attribute may be set."""

    def __post_init__(self) -> None:
        if self.backhaul not in ("", "B", "MB"):
            raise ValueError(f"backhaul must be '', 'B' or 'MB', got {self.backhaul!r}")
        others = (self.open_route, self.backhaul, self.limit, self.time_windows, self.multi_depot)
        if self.tsp and any(others):
            raise ValueError("a TSP variant takes no other attribute")

    @property
    def name(self) -> str:
        """The variant's name, e.g. ``CVRP``, ``OVRPMBLTW``, ``MDVRPTW``, ``TSP``."""
        if self.tsp:
            return "TSP"
        core = "VRP" + self.backhaul + "L" * self.limit + "TW" * self.time_windows
        if self.open_route:
            core = "O" + core
        elif core == "VRP":
            core = "CVRP"
        return ("MD" if self.multi_depot else "") + core

    @classmethod
    def parse(cls, name: str) -> Variant:
        """Read a variant name (case-insensitive); raises ``ValueError`` naming the bad name.

        ``ATSP``, ``ACVRP`` and ``ACVRPTW`` read as ``TSP``, ``CVRP`` and ``VRPTW``: asymmetry is
        a property of the matrices, not of the variant.
        """
        text = name.strip().upper()
        if text.startswith("A"):
            text = text[1:]
        if text == "TSP":
            return cls(tsp=True)
        match = _PATTERN.match(text)
        if match is None:
            raise ValueError(
                f"unknown routing variant {name!r}: expected [A][MD][O]VRP[B|MB][L][TW], "
                "[A][MD]CVRP or [A]TSP, e.g. CVRP, VRPTW, OVRPMBL, MDVRPBLTW, ATSP"
            )
        return cls(
            open_route=match["open"] is not None,
            backhaul=match["backhaul"] or "",
            limit=match["limit"] is not None,
            time_windows=match["tw"] is not None,
            multi_depot=match["md"] is not None,
        )


def all_variants(*, mixed_backhaul: bool = True, multi_depot: bool = True) -> list[Variant]:
    """Every combination of the attributes: 48, or 16 without mixed backhaul and several depots."""
    backhauls = ("", "B", "MB") if mixed_backhaul else ("", "B")
    depots = (False, True) if multi_depot else (False,)
    return [
        Variant(open_route=o, backhaul=b, limit=limit, time_windows=tw, multi_depot=md)
        for md, o, b, limit, tw in itertools.product(
            depots, (False, True), backhauls, (False, True), (False, True)
        )
    ]


PRESETS: dict[str, list[Variant]] = {
    "single-depot-16": all_variants(mixed_backhaul=False, multi_depot=False),
    "all-48": all_variants(),
}
"""Named variant mixes: RouteFinder's 16 single-depot variants, and all 48."""


def resolve_variants(spec: str | list[str] | list[Variant]) -> list[Variant]:
    """Variants from a preset name, a comma-separated list of names, or a list."""
    if isinstance(spec, str):
        if spec in PRESETS:
            return list(PRESETS[spec])
        spec = [part for part in spec.split(",") if part.strip()]
    variants = [v if isinstance(v, Variant) else Variant.parse(v) for v in spec]
    if not variants:
        raise ValueError("no variant given")
    return variants
