"""Genetic algorithm for priority flow admission and routing (PFAR).

After López, Labonne, Poletti and Belabed, *Priority Flow Admission and Routing in SDN: Exact and
Heuristic Approaches* (arXiv 2009.10822), whose genetic algorithm reaches about 95% of the ILP
optimum in fixed time.

Modelling choices:

- **Candidate paths**: each flow may use one of up to ``k`` shortest simple paths (least delay
  first on a network with delays, fewest hops otherwise) through the links able to hold its
  demand that keep its hop and delay limits (:func:`vrpsolve.flows.ilp.candidate_paths`, as the
  path ILP uses), plus the path the greedy baseline gives it when that one is not among them.
- **Chromosome**: one gene per flow, ``-1`` for a rejected flow or the index of its candidate.
- **Decoding and repair**: the admitted flows are placed in greedy's admission order (priority,
  highest first, then priority per unit demand, then index); a flow whose path would exceed a
  link's residual capacity is rejected. A fill step then tries every rejected flow, in the same
  order, on each of its candidates (shortest first) and admits it on the first that fits. The
  repaired genes are written back into the chromosome, so every individual is feasible.
- **Fitness**: the evaluator's :meth:`~vrpsolve.flows.model.FlowEvaluation.key` (total
  admitted priority, or the admitted mass class by class in lexicographic mode), computed with
  NumPy from admitted counts per priority class; ties go to the solution that puts less demand
  times hops on the network, which leaves room for more flows.
- **Search**: tournament selection, uniform crossover, mutation of each gene with probability
  ``1 / F`` (to another candidate or to rejection), elitism. The initial population holds the
  greedy solution, the all-shortest-paths chromosome and random ones, so the result is never
  worse than greedy.
- **Stopping**: a wall-clock ``time_limit`` (covering greedy and the candidate paths; flows still
  without candidates when half of it is spent keep greedy's path only) and/or
  ``max_generations``. The same seed and a generation cap give the same result. With a time
  limit, a stop request (:mod:`vrpsolve.core.stop`) counts as its end.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vrpsolve.core.stop import expired
from vrpsolve.flows.greedy import admission_order, greedy_admission
from vrpsolve.flows.model import (
    TOLERANCE,
    AdmissionMode,
    FlowAdmissionInstance,
    FlowSolution,
    Path,
    evaluate_flows,
)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

DEFAULT_K = 5
"""Candidate paths per flow (before greedy's path is added)."""

DEFAULT_POPULATION = 50
"""Individuals per generation."""

DEFAULT_TIME_LIMIT = 10.0
"""Wall-clock seconds when neither a time limit nor a generation cap is given."""

_CHECK_EVERY = 64
"""Flows decoded between two looks at the clock."""

_EXAMINED = 8
"""Paths examined per candidate wanted (skipped ones, breaking a hop limit, included)."""


@dataclass(frozen=True)
class GaOutcome:
    """What :func:`genetic_admission` returns.

    Attributes
    ----------
    solution
        The best solution found; always feasible under
        :func:`~vrpsolve.flows.model.evaluate_flows`.
    objective
        Its total admitted priority, as the evaluator computes it.
    generations
        Generations completed after the initial population.
    runtime
        Wall-clock seconds, greedy and candidate paths included.
    history
        ``(generation, seconds, objective)`` for the initial population and each generation that
        improved the best key (generation 0 is the initial population).
    """

    solution: FlowSolution
    objective: float
    generations: int
    runtime: float
    history: tuple[tuple[int, float, float], ...]


class _Encoding:
    """Candidate paths as link-index arrays, and the vectorised decoder and fitness."""

    def __init__(self, instance: FlowAdmissionInstance, candidates: list[list[Path]]) -> None:
        num_links = instance.num_links
        self.instance = instance
        self.candidates = candidates
        self.num_candidates = np.array([len(c) for c in candidates], dtype=np.int64)
        self.demand = np.array([f.demand for f in instance.flows], dtype=np.float64)
        capacity = np.append(instance.capacities(), math.inf)  # last: a dummy padding link
        # Precomputed as within() computes it, so the decoder admits exactly what it would.
        self.limit = capacity + TOLERANCE * np.maximum(1.0, np.abs(capacity))
        self.links: list[list[IntArray]] = []
        self.padded: list[IntArray] = []
        widest = max(1, int(self.num_candidates.max(initial=0)))
        # usage[f, c]: demand times hops of candidate c; the last column (gene -1) stays 0.
        self.usage = np.zeros((instance.num_flows, widest + 1), dtype=np.float64)
        for f, paths in enumerate(candidates):
            arrays = [
                np.array(
                    [instance.link_index(u, v) for u, v in itertools.pairwise(p)],
                    dtype=np.int64,
                )
                for p in paths
            ]
            self.links.append(arrays)
            width = max((a.size for a in arrays), default=1)
            pad = np.full((max(1, len(arrays)), width), num_links, dtype=np.int64)
            for c, a in enumerate(arrays):
                pad[c, : a.size] = a
                self.usage[f, c] = self.demand[f] * a.size
            self.padded.append(pad)
        self.order = np.array(
            [f for f in admission_order(instance) if self.num_candidates[f] > 0], dtype=np.int64
        )
        self.classes = np.array(instance.priority_classes, dtype=np.float64)
        class_of = {p: c for c, p in enumerate(instance.priority_classes)}
        self.onehot = np.zeros((instance.num_flows, self.classes.size), dtype=np.float64)
        for f, flow in enumerate(instance.flows):
            self.onehot[f, class_of[flow.priority]] = 1.0
        self.lexicographic = instance.mode is AdmissionMode.LEXICOGRAPHIC

    def decode(self, genes: IntArray, deadline: float | None = None) -> bool:
        """Repair and fill a population in place; ``False`` if the deadline passed first.

        Admitted genes are placed in admission order and rejected (set to ``-1``) where their
        path does not fit the residual capacity; then each rejected flow, in the same order, is
        admitted on its first candidate that fits.
        """
        size = genes.shape[0]
        load = np.zeros((size, self.limit.size), dtype=np.float64)
        limit = self.limit
        for step, f in enumerate(self.order):
            if step % _CHECK_EVERY == 0 and _late(deadline):
                return False
            rows = np.flatnonzero(genes[:, f] >= 0)
            if rows.size == 0:
                continue
            links = self.padded[f][genes[rows, f]]
            new = load[rows[:, None], links] + self.demand[f]
            fits = (new <= limit[links]).all(axis=1)
            if not fits.all():
                genes[rows[~fits], f] = -1
                rows, links, new = rows[fits], links[fits], new[fits]
            load[rows[:, None], links] = new
        for step, f in enumerate(self.order):
            if step % _CHECK_EVERY == 0 and _late(deadline):
                return False
            rows = np.flatnonzero(genes[:, f] < 0)
            for c, links in enumerate(self.links[f]):
                if rows.size == 0:
                    break
                block = np.ix_(rows, links)
                new = load[block] + self.demand[f]
                fits = (new <= limit[links]).all(axis=1)
                if fits.any():
                    taken = rows[fits]
                    load[np.ix_(taken, links)] = new[fits]
                    genes[taken, f] = c
                    rows = rows[~fits]
        return True

    def objectives(self, genes: IntArray) -> FloatArray:
        """Total admitted priority of each individual."""
        return ((genes >= 0).astype(np.float64) @ self.onehot) @ self.classes

    def keys(self, genes: IntArray) -> FloatArray:
        """One row per individual that sorts better individuals higher, column by column.

        The evaluator's key without its feasibility entry (every decoded individual is
        feasible), then minus the demand times hops on the network as a tie-break.
        """
        counts = (genes >= 0).astype(np.float64) @ self.onehot
        head = counts * self.classes if self.lexicographic else (counts @ self.classes)[:, None]
        used = self.usage[np.arange(genes.shape[1]), genes].sum(axis=1)
        return np.column_stack([head, -used])

    def solution(self, genes: IntArray) -> FlowSolution:
        """The solution a decoded chromosome stands for."""
        return FlowSolution(
            tuple(None if g < 0 else self.candidates[f][g] for f, g in enumerate(genes.tolist()))
        )


def _now() -> float:
    return time.perf_counter()


def _late(deadline: float | None) -> bool:
    """Whether there is a deadline and it has passed, or a stop was requested."""
    return deadline is not None and expired(deadline)


def _ranks(keys: FloatArray) -> IntArray:
    """Rank of each row (0 worst), comparing columns left to right; ties by row order."""
    order = np.lexsort(keys.T[::-1])
    ranks = np.empty(keys.shape[0], dtype=np.int64)
    ranks[order] = np.arange(keys.shape[0])
    return ranks


def _candidate_lists(
    instance: FlowAdmissionInstance,
    greedy: FlowSolution,
    k: int,
    deadline: float | None,
) -> list[list[Path]]:
    """Each flow's candidate paths, with greedy's path added when it is missing.

    The paths are :func:`vrpsolve.flows.ilp.candidate_paths`, shared by flows with the same
    endpoints, limits and set of links able to hold their demand. Flows reached after
    ``deadline`` keep greedy's path only.
    """
    from vrpsolve.flows.ilp import candidate_paths  # brings in PuLP, which only this needs

    capacity = instance.capacities()
    limits = np.unique(capacity + TOLERANCE * np.maximum(1.0, np.abs(capacity)))
    cache: dict[tuple[object, ...], list[Path]] = {}
    candidates: list[list[Path]] = []
    late = False
    for f, flow in enumerate(instance.flows):
        late = late or _late(deadline)
        paths: list[Path] = []
        if not late:
            # Links whose capacity cannot hold the demand are left out: count the limits below it.
            blocked = int(np.searchsorted(limits, flow.demand, side="left"))
            key = (flow.source, flow.target, flow.max_hops, flow.max_delay, blocked)
            if key not in cache:
                cache[key] = candidate_paths(instance, f, k, max_examined=_EXAMINED * k)
            paths = list(cache[key])
        own = greedy.paths[f]
        if own is not None and own not in paths:
            paths.append(own)
        candidates.append(paths)
    return candidates


def genetic_admission(
    instance: FlowAdmissionInstance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    k: int = DEFAULT_K,
    population: int = DEFAULT_POPULATION,
    max_generations: int | None = None,
    tournament: int = 2,
    elite: int = 2,
    crossover_rate: float = 0.9,
    mutation_rate: float | None = None,
) -> GaOutcome:
    """Admit and route flows with a genetic algorithm over candidate paths.

    Parameters
    ----------
    instance
        The PFAR instance (weighted or lexicographic mode).
    time_limit
        Wall-clock seconds for the whole run, greedy and candidate paths included. When neither
        it nor ``max_generations`` is given, :data:`DEFAULT_TIME_LIMIT` applies.
    seed
        Seed of the random generator; with ``max_generations`` and no binding time limit the
        same seed gives the same result.
    k
        Shortest simple paths per flow (greedy's path is added when it is not among them).
    population
        Individuals per generation (at least 2).
    max_generations
        Generation cap; ``None`` for none.
    tournament
        Tournament size of the parent selection.
    elite
        Best individuals carried unchanged into the next generation (at least 1).
    crossover_rate
        Probability that a child comes from uniform crossover rather than a copy of a parent.
    mutation_rate
        Probability that a gene is mutated; ``1 / number of flows`` when ``None``.

    Returns
    -------
    GaOutcome
        The best solution (feasible, never worse than greedy's), its objective, the generations
        completed, the runtime and the improvement history.

    Raises
    ------
    ValueError
        For a bad parameter (never because of the instance).
    """
    start = _now()
    if k < 1:
        raise ValueError(f"k must be positive, got {k}")
    if population < 2:
        raise ValueError(f"population must be at least 2, got {population}")
    if not 1 <= elite < population:
        raise ValueError(f"elite must be between 1 and population - 1, got {elite}")
    if tournament < 1:
        raise ValueError(f"tournament must be positive, got {tournament}")
    if max_generations is not None and max_generations < 0:
        raise ValueError(f"max_generations must be non-negative, got {max_generations}")
    if time_limit is None and max_generations is None:
        time_limit = DEFAULT_TIME_LIMIT
    if time_limit is not None and not time_limit >= 0:
        raise ValueError(f"time_limit must be non-negative, got {time_limit}")
    deadline = None if time_limit is None else start + time_limit
    rng = np.random.default_rng(seed)

    greedy = greedy_admission(instance)
    paths_deadline = None if time_limit is None else start + 0.5 * time_limit
    encoding = _Encoding(instance, _candidate_lists(instance, greedy, k, paths_deadline))
    num_flows = instance.num_flows
    options = encoding.num_candidates
    greedy_genes = np.array(
        [-1 if p is None else encoding.candidates[f].index(p) for f, p in enumerate(greedy.paths)],
        dtype=np.int64,
    )
    # Initial population: greedy, every flow on its first candidate, then random genes.
    # Genes drawn from -1 .. options - 1, so flows without candidates stay rejected.
    pop = rng.integers(-1, options[None, :], size=(population, num_flows))
    pop[0] = greedy_genes
    pop[1] = np.where(options > 0, 0, -1)
    encoding.decode(pop[:1])
    if not encoding.decode(pop[1:], deadline):
        pop = pop[:1]
    keys = encoding.keys(pop)
    ranks = _ranks(keys)
    best = int(np.argmax(ranks))
    best_genes, best_key = pop[best].copy(), tuple(keys[best].tolist())
    history = [(0, _now() - start, float(encoding.objectives(pop[best : best + 1])[0]))]
    rate = mutation_rate if mutation_rate is not None else 1.0 / max(1, num_flows)
    mutable = options > 0
    generations = 0
    while pop.shape[0] == population and num_flows > 0:
        if max_generations is not None and generations >= max_generations:
            break
        if _late(deadline):
            break
        children_count = population - elite
        picks = rng.integers(population, size=(2, children_count, tournament))
        winners = np.take_along_axis(picks, np.argmax(ranks[picks], axis=2)[..., None], axis=2)
        mothers, fathers = pop[winners[0, :, 0]], pop[winners[1, :, 0]]
        mix = rng.random((children_count, num_flows)) < 0.5
        mix &= (rng.random(children_count) < crossover_rate)[:, None]
        children = np.where(mix, fathers, mothers)
        mutate = (rng.random((children_count, num_flows)) < rate) & mutable
        if mutate.any():
            rows, cols = np.nonzero(mutate)
            # A uniform choice among the options other than the current gene.
            drawn = rng.integers(options[cols]) - 1
            drawn += drawn >= children[rows, cols]
            children[rows, cols] = drawn
        if not encoding.decode(children, deadline):
            break
        elites = np.argsort(ranks)[-elite:]
        pop = np.concatenate([pop[elites], children])
        keys = np.concatenate([keys[elites], encoding.keys(children)])
        ranks = _ranks(keys)
        generations += 1
        top = int(np.argmax(ranks))
        if tuple(keys[top].tolist()) > best_key:
            improved_head = keys[top, :-1].tolist() != list(best_key[:-1])
            best_genes, best_key = pop[top].copy(), tuple(keys[top].tolist())
            if improved_head:
                objective = float(encoding.objectives(pop[top : top + 1])[0])
                history.append((generations, _now() - start, objective))

    solution = encoding.solution(best_genes)
    result = evaluate_flows(instance, solution)
    if not result.feasible:  # a rounding corner the decoder missed: fall back to greedy
        solution, result = greedy, evaluate_flows(instance, greedy)
    return GaOutcome(
        solution=solution,
        objective=result.objective,
        generations=generations,
        runtime=_now() - start,
        history=tuple(history),
    )
