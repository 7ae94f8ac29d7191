"""Instance generators for the learning environment: RouteFinder-style synthetic distributions.

A generator draws a batch of instances as a :class:`~tensordict.TensorDict` in the environment's
layout (see :mod:`vrpsolve.routing.env`). Where nodes are comes from a *matrix source*: uniform
or clustered points in the unit square with Euclidean distances, a synthetic asymmetric
perturbation of those, or real road-network matrices from a city dataset. The attributes on top
follow the RouteFinder paper (Berto et al.), which takes them from Liu et al. (2024): integer
demands 1..9, capacity 30 + n/5, 20% backhaul customers, a route limit of 3, time windows inside a
depot horizon of 4.6 with service times in [0.15, 0.18] and window lengths in [0.18, 0.2]. Each
instance in a batch draws its own variant from a list (mixed-batch sampling).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import torch
from tensordict import TensorDict

from vrpsolve.routing.variants import Variant, resolve_variants

if TYPE_CHECKING:
    from vrpsolve.routing.cities import CityDataset

BACKHAUL_CLASS = {"": 0, "B": 1, "MB": 2}
"""The ``backhaul_class`` code of each backhaul mode."""


def default_capacity(num_customers: int) -> int:
    """Vehicle capacity for ``num_customers`` customers: 30, plus n/5 above 20 customers."""
    return 30 + (num_customers // 5 if num_customers > 20 else 0)


Matrices = tuple[torch.Tensor, torch.Tensor, torch.Tensor]
"""``(locs [B, M, 2], distance [B, M, M], duration [B, M, M])``, all float32."""


class MatrixSource(Protocol):
    """Where a batch of ``num_nodes`` nodes lies and what travelling between them costs."""

    def sample(self, batch: int, num_nodes: int, rng: torch.Generator) -> Matrices:
        """Draw ``batch`` node sets of ``num_nodes`` nodes each."""
        ...


def _uniform(shape: Sequence[int], rng: torch.Generator, low: float = 0.0, high: float = 1.0):
    return low + (high - low) * torch.rand(*shape, generator=rng)


def _points(batch: int, num_nodes: int, rng: torch.Generator, clustered: bool) -> torch.Tensor:
    if not clustered:
        return _uniform((batch, num_nodes, 2), rng)
    centres = _uniform((batch, 3, 2), rng, 0.2, 0.8)
    which = torch.randint(0, 3, (batch, num_nodes), generator=rng)
    spread = 0.07 * torch.randn(batch, num_nodes, 2, generator=rng)
    return (torch.gather(centres, 1, which[..., None].expand(-1, -1, 2)) + spread).clamp(0, 1)


@dataclass(frozen=True)
class EuclideanSource:
    """Points in the unit square (uniform, or around three centres); duration equals distance."""

    clustered: bool = False

    def sample(self, batch: int, num_nodes: int, rng: torch.Generator) -> Matrices:
        """Draw points and their Euclidean distance matrix."""
        locs = _points(batch, num_nodes, rng, self.clustered)
        distance = torch.cdist(locs.double(), locs.double()).float()
        return locs, distance, distance.clone()


@dataclass(frozen=True)
class PerturbedSource:
    """Asymmetric synthetic matrices: each directed Euclidean distance times U[1, max_factor]."""

    max_factor: float = 1.3

    def sample(self, batch: int, num_nodes: int, rng: torch.Generator) -> Matrices:
        """Draw points and independently stretched distances in each direction."""
        locs, euclidean, _ = EuclideanSource().sample(batch, num_nodes, rng)
        distance = euclidean * _uniform(euclidean.shape, rng, 1.0, self.max_factor)
        duration = euclidean * _uniform(euclidean.shape, rng, 1.0, self.max_factor)
        return locs, distance, duration


@dataclass(frozen=True)
class CitySource:
    """Real road-network matrices: sampled points of city datasets, each matrix scaled to max 1.

    Coordinates are the points' local metric positions scaled into the unit square; they are
    features only, the matrices carry the cost.
    """

    cities: tuple[CityDataset, ...]

    def sample(self, batch: int, num_nodes: int, rng: torch.Generator) -> Matrices:
        """Draw a city per instance and ``num_nodes`` distinct points of it."""
        locs: list[torch.Tensor] = []
        distance: list[torch.Tensor] = []
        duration: list[torch.Tensor] = []
        picks = torch.randint(0, len(self.cities), (batch,), generator=rng)
        for city_index in picks.tolist():
            city = self.cities[city_index]
            if num_nodes > len(city.xy):
                raise ValueError(
                    f"city {city.name} has {len(city.xy)} points, fewer than {num_nodes} nodes"
                )
            nodes = torch.randperm(len(city.xy), generator=rng)[:num_nodes].numpy()
            xy = torch.as_tensor(city.xy[nodes], dtype=torch.float64)
            xy = xy - xy.min(0).values
            locs.append((xy / xy.max().clamp_min(1e-9)).float())
            for out, matrix in ((distance, city.distance), (duration, city.duration)):
                sub = torch.as_tensor(matrix[nodes][:, nodes], dtype=torch.float64)
                out.append((sub / sub.max().clamp_min(1e-9)).float())
        return torch.stack(locs), torch.stack(distance), torch.stack(duration)


class RoutingGenerator:
    """Draws batches of routing instances in the environment's layout.

    Parameters
    ----------
    num_customers
        Customers per instance.
    variants
        A preset (``"single-depot-16"``, ``"all-48"``), a comma-separated list of variant names,
        or a list; each instance draws one uniformly.
    num_depots
        Depots of the multi-depot variants. A batch that may hold such variants has this many
        depot nodes; its single-depot instances carry copies of depot 0 that they never use.
    source
        Where nodes lie and what travel costs (default: uniform points, Euclidean).
    limit_kind
        What the L attribute limits: route ``"distance"`` (RouteFinder) or ``"duration"``.
    capacity
        Vehicle capacity; default :func:`default_capacity`.
    backhaul_share
        Share of customers that are backhaul (pickup) customers in B and MB variants.
    horizon, route_limit
        Depot time window end, and the route limit (raised where a single round trip from depot
        0 would not fit it, so every instance stays feasible).
    """

    def __init__(
        self,
        num_customers: int = 50,
        variants: str | list[str] | list[Variant] = "single-depot-16",
        *,
        num_depots: int = 3,
        source: MatrixSource | None = None,
        limit_kind: str = "distance",
        capacity: float | None = None,
        backhaul_share: float = 0.2,
        horizon: float = 4.6,
        route_limit: float = 3.0,
    ) -> None:
        if num_customers < 1:
            raise ValueError(f"num_customers must be positive, got {num_customers}")
        if limit_kind not in ("distance", "duration"):
            raise ValueError(f"limit_kind must be 'distance' or 'duration', got {limit_kind!r}")
        self.num_customers = num_customers
        self.variants = resolve_variants(variants)
        self.num_depots = num_depots if any(v.multi_depot for v in self.variants) else 1
        self.source: MatrixSource = source if source is not None else EuclideanSource()
        self.limit_kind = limit_kind
        self.capacity = float(default_capacity(num_customers) if capacity is None else capacity)
        self.backhaul_share = backhaul_share
        self.horizon = horizon
        self.route_limit = route_limit

    def __call__(self, batch_size: int | Sequence[int], seed: int | None = None) -> TensorDict:
        """Draw a batch, reproducibly with ``seed``, else from torch's global RNG."""
        batch = batch_size if isinstance(batch_size, int) else int(batch_size[0])
        rng = torch.Generator().manual_seed(seed) if seed is not None else torch.default_generator
        return self.generate(batch, rng)

    def generate(self, batch: int, rng: torch.Generator) -> TensorDict:
        """Draw ``batch`` instances from ``rng``."""
        depots, n = self.num_depots, self.num_customers
        size = depots + n
        picks = torch.randint(0, len(self.variants), (batch,), generator=rng).tolist()
        chosen = [self.variants[i] for i in picks]

        def flag(attribute: str) -> torch.Tensor:
            return torch.tensor([[bool(getattr(v, attribute))] for v in chosen])

        multi_depot = flag("multi_depot")
        locs, distance, duration = self.source.sample(batch, size, rng)
        _share_depot_zero((locs, distance, duration), depots, ~multi_depot[:, 0])

        tsp = flag("tsp")
        delivery, pickup, backhaul_class = self._demands(chosen, batch, rng)
        delivery[tsp[:, 0]] = 0.0
        windows, service = self._time_windows(duration, flag("time_windows")[:, 0], rng)
        limited = flag("limit")
        distance_limit = torch.full((batch, 1), torch.inf)
        duration_limit = torch.full((batch, 1), torch.inf)
        if self.limit_kind == "distance":
            trip = distance[:, 0, depots:] + distance[:, depots:, 0]
            target = distance_limit
        else:
            trip = duration[:, 0, depots:] + service[:, depots:] + duration[:, depots:, 0]
            target = duration_limit
        needed = 1.05 * trip.max(-1, keepdim=True).values
        target[:] = torch.where(limited, needed.clamp_min(self.route_limit), torch.inf)
        # Where nothing is timed, travel time is irrelevant: keep one matrix, as files expect.
        untimed = ~flag("time_windows")[:, 0] & torch.isinf(duration_limit[:, 0])
        duration[untimed] = distance[untimed]

        return TensorDict(
            {
                "locs": locs,
                "distance": distance,
                "duration": duration,
                "num_depots": torch.full((batch, 1), depots),
                "demand_linehaul": delivery,
                "demand_backhaul": pickup,
                "vehicle_capacity": torch.where(tsp, torch.inf, self.capacity),
                "backhaul_class": backhaul_class,
                "open_route": flag("open_route"),
                "time_windows": windows,
                "service_time": service,
                "distance_limit": distance_limit,
                "duration_limit": duration_limit,
                "multi_depot": multi_depot,
                "single_route": tsp,
            },
            batch_size=[batch],
        )

    def _demands(
        self, chosen: list[Variant], batch: int, rng: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        depots, n = self.num_depots, self.num_customers
        amount = torch.randint(1, 10, (batch, n), generator=rng).float()
        is_pickup = torch.rand(batch, n, generator=rng) < self.backhaul_share
        codes = torch.tensor([[BACKHAUL_CLASS[v.backhaul]] for v in chosen])
        is_pickup &= codes > 0
        zeros = torch.zeros(batch, depots)
        delivery = torch.cat([zeros, torch.where(is_pickup, 0.0, amount)], 1)
        pickup = torch.cat([zeros, torch.where(is_pickup, amount, 0.0)], 1)
        return delivery, pickup, codes

    def _time_windows(
        self, duration: torch.Tensor, active: torch.Tensor, rng: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Windows reachable from depot 0 and leaving time to return before the horizon."""
        batch, size, _ = duration.shape
        depots, n = self.num_depots, self.num_customers
        service = _uniform((batch, n), rng, 0.15, 0.18)
        length = _uniform((batch, n), rng, 0.18, 0.2)
        out, back = duration[:, 0, depots:], duration[:, depots:, 0]
        slack = (self.horizon - service - length - out - back).clamp_min(0.0)
        start = out + _uniform((batch, n), rng) * slack
        windows = torch.zeros(batch, size, 2)
        windows[:, :depots, 1] = self.horizon
        windows[:, depots:, 0] = start
        windows[:, depots:, 1] = start + length
        service = torch.cat([torch.zeros(batch, depots), service], 1)
        windows[~active] = torch.tensor([0.0, torch.inf])
        service[~active] = 0.0
        return windows, service


def _share_depot_zero(matrices: Matrices, num_depots: int, rows: torch.Tensor) -> None:
    """Make every depot of the selected instances a copy of depot 0, in place."""
    if num_depots < 2 or not rows.any():
        return
    locs, distance, duration = matrices
    for copy in range(1, num_depots):
        locs[rows, copy] = locs[rows, 0]
        for matrix in (distance, duration):
            matrix[rows, copy, :] = matrix[rows, 0, :]
            matrix[rows, :, copy] = matrix[rows, :, 0]
            matrix[rows, copy, copy] = 0.0


SOURCE_NAMES = (
    "uniform",
    "clustered",
    "asymmetric",
    "city:NAME[,NAME...]",
    "cities:train",
    "cities:held-out",
)
"""The spellings :func:`make_source` accepts."""


def make_source(spec: str) -> MatrixSource:
    """A matrix source from its name (see :data:`SOURCE_NAMES`); ``ValueError`` if unknown."""
    if spec == "uniform":
        return EuclideanSource()
    if spec == "clustered":
        return EuclideanSource(clustered=True)
    if spec == "asymmetric":
        return PerturbedSource()
    from vrpsolve.routing.cities import HELD_OUT_CITIES, TRAIN_CITIES, load_city

    groups = {"cities:train": TRAIN_CITIES, "cities:held-out": HELD_OUT_CITIES}
    if spec in groups:
        return CitySource(tuple(load_city(name) for name in groups[spec]))
    if spec.startswith("city:") and spec[5:]:
        try:
            return CitySource(tuple(load_city(name) for name in spec[5:].split(",")))
        except KeyError as error:
            raise ValueError(error.args[0]) from None
    raise ValueError(f"unknown instance source {spec!r}; expected one of {', '.join(SOURCE_NAMES)}")
