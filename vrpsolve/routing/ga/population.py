"""Individuals, ordered crossover and the two subpopulations of the genetic algorithm.

An :class:`Individual` is a set of routes (its giant tour is their concatenation) with its cost
(length plus fixed costs) and its excess per penalised constraint, so its penalised cost follows
from the current weights without re-evaluating it. The population keeps feasible and infeasible
individuals apart (Vidal et al., 2012). Diversity is the broken-pairs distance: the share of
customers whose successor in one solution is neither their successor nor their predecessor in
the other. The biased fitness ranks cost and diversity (mean distance to the closest few); parents
are chosen by binary tournament on it, and when a subpopulation outgrows ``mu + lambda`` the
survivors are chosen by removing clones first, then the worst biased fitness.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba as nb
import numpy as np

from vrpsolve.routing.ga.kernel import FloatArray, IntArray


@dataclass
class Individual:
    """A set of routes with its cost, excesses and neighbour structure.

    Attributes
    ----------
    tour, bounds, types
        Route ``r`` is ``tour[bounds[r]:bounds[r+1]]`` driven by type ``types[r]``.
    cost
        Length plus fixed costs.
    excess
        Load, time, length and order excess (zero when feasible).
    """

    tour: IntArray
    bounds: IntArray
    types: IntArray
    cost: float
    excess: FloatArray
    succ: IntArray = field(init=False, repr=False)
    pred: IntArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        size = int(self.tour.max(initial=0)) + 2
        self.succ = np.full(size, -1, dtype=np.int64)
        self.pred = np.full(size, -1, dtype=np.int64)
        for r in range(len(self.types)):
            visits = self.tour[self.bounds[r] : self.bounds[r + 1]]
            self.succ[visits[:-1]] = visits[1:]
            self.pred[visits[1:]] = visits[:-1]

    @property
    def feasible(self) -> bool:
        """Whether no constraint is exceeded."""
        return not bool(self.excess.any())

    def penalised(self, weights: FloatArray) -> float:
        """Cost plus the weighted excesses."""
        return self.cost + float(weights @ self.excess)

    def routes(self) -> list[tuple[int, list[int]]]:
        """``(vehicle type, visits)`` per route."""
        return [
            (int(self.types[r]), [int(c) for c in self.tour[self.bounds[r] : self.bounds[r + 1]]])
            for r in range(len(self.types))
        ]


def broken_pairs(a: Individual, b: Individual) -> float:
    """Share of customers whose successor in ``a`` is neither neighbour of theirs in ``b``."""
    n = min(a.succ.size, b.succ.size)
    customers = a.tour[a.tour < n]
    succ_a = a.succ[customers]
    broken = (succ_a != b.succ[customers]) & (succ_a != b.pred[customers])
    return float(np.count_nonzero(broken)) / max(1, a.tour.size)


@nb.njit(cache=True)
def _ordered_crossover(
    first: IntArray, second: IntArray, start: int, end: int, num_nodes: int
) -> IntArray:  # pragma: no cover - compiled
    m = first.shape[0]
    child = np.full(m, -1, dtype=np.int64)
    taken = np.zeros(num_nodes, dtype=np.bool_)
    p = start
    while True:
        child[p] = first[p]
        taken[first[p]] = True
        if p == end:
            break
        p = (p + 1) % m
    q = (end + 1) % m
    for t in range(m):
        node = second[(end + 1 + t) % m]
        if not taken[node]:
            child[q] = node
            q = (q + 1) % m
    return child


def ordered_crossover(
    first: IntArray, second: IntArray, rng: np.random.Generator, num_nodes: int
) -> IntArray:
    """OX: a random cyclic slice of ``first``, the rest in ``second``'s order after the slice."""
    m = first.shape[0]
    start, end = (int(v) for v in rng.integers(0, m, size=2))
    child: IntArray = _ordered_crossover(first, second, start, end, num_nodes)
    return child


class SubPopulation:
    """Individuals of one kind (feasible or infeasible) and their pairwise distances.

    Parameters
    ----------
    mu, lam
        Minimum size after survivor selection, and growth allowed before it.
    num_close
        Neighbours averaged in the diversity contribution.
    num_elite
        Individuals whose rank the diversity may not spoil.
    """

    def __init__(self, mu: int, lam: int, num_close: int, num_elite: int) -> None:
        self.mu, self.lam = mu, lam
        self.num_close, self.num_elite = num_close, num_elite
        self.members: list[Individual] = []
        self.distances = np.zeros((0, 0))
        self._fitness: FloatArray | None = None

    def __len__(self) -> int:
        return len(self.members)

    def add(self, individual: Individual, weights: FloatArray) -> None:
        """Insert an individual; select survivors when the subpopulation is full."""
        row = np.array([broken_pairs(individual, other) for other in self.members])
        size = len(self.members)
        grown = np.zeros((size + 1, size + 1))
        grown[:size, :size] = self.distances
        grown[size, :size] = row
        grown[:size, size] = row
        self.distances = grown
        self.members.append(individual)
        self._fitness = None
        if len(self.members) > self.mu + self.lam:
            while len(self.members) > self.mu:
                self._remove(self._worst(weights))

    def _remove(self, index: int) -> None:
        del self.members[index]
        self.distances = np.delete(np.delete(self.distances, index, 0), index, 1)
        self._fitness = None

    def _worst(self, weights: FloatArray) -> int:
        """A clone if there is one (the worse of the pair), else the worst biased fitness."""
        fitness = self.fitness(weights)
        masked = self.distances + np.eye(len(self.members))
        clones = np.flatnonzero((masked <= 1e-12).any(axis=1))
        if clones.size:
            return int(clones[np.argmax(fitness[clones])])
        return int(np.argmax(fitness))

    def fitness(self, weights: FloatArray) -> FloatArray:
        """Biased fitness per member (lower is better): cost rank plus weighted diversity rank."""
        if self._fitness is not None:
            return self._fitness
        size = len(self.members)
        if size == 1:
            self._fitness = np.zeros(1)
            return self._fitness
        costs = np.array([m.penalised(weights) for m in self.members])
        close = min(self.num_close, size - 1)
        masked = self.distances + np.diag(np.full(size, np.inf))
        diversity = np.partition(masked, close - 1, axis=1)[:, :close].mean(axis=1)
        cost_rank = np.empty(size)
        cost_rank[np.argsort(costs, kind="stable")] = np.arange(size) / (size - 1)
        div_rank = np.empty(size)
        div_rank[np.argsort(-diversity, kind="stable")] = np.arange(size) / (size - 1)
        self._fitness = cost_rank + (1.0 - min(self.num_elite, size) / size) * div_rank
        return self._fitness

    def reweigh(self) -> None:
        """Forget cached fitness after the penalty weights changed."""
        self._fitness = None


class Population:
    """Feasible and infeasible subpopulations with parent selection."""

    def __init__(self, mu: int = 25, lam: int = 40, num_close: int = 5, num_elite: int = 4) -> None:
        self.feasible = SubPopulation(mu, lam, num_close, num_elite)
        self.infeasible = SubPopulation(mu, lam, num_close, num_elite)

    def __len__(self) -> int:
        return len(self.feasible) + len(self.infeasible)

    def add(self, individual: Individual, weights: FloatArray) -> None:
        """Insert into the subpopulation matching the individual's feasibility."""
        target = self.feasible if individual.feasible else self.infeasible
        target.add(individual, weights)

    def reweigh(self) -> None:
        """Forget cached fitness after the penalty weights changed."""
        self.feasible.reweigh()
        self.infeasible.reweigh()

    def select(self, rng: np.random.Generator, weights: FloatArray) -> Individual:
        """Binary tournament on biased fitness over both subpopulations."""
        picks = []
        total = len(self)
        for index in rng.integers(0, total, size=2):
            sub = self.feasible if index < len(self.feasible) else self.infeasible
            local = int(index) if sub is self.feasible else int(index) - len(self.feasible)
            picks.append((float(sub.fitness(weights)[local]), sub.members[local]))
        return picks[0][1] if picks[0][0] <= picks[1][0] else picks[1][1]

    def clear(self) -> None:
        """Remove every individual (restart)."""
        mu, lam = self.feasible.mu, self.feasible.lam
        close, elite = self.feasible.num_close, self.feasible.num_elite
        self.feasible = SubPopulation(mu, lam, close, elite)
        self.infeasible = SubPopulation(mu, lam, close, elite)
