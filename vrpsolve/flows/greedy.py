"""Greedy PFAR baseline: admit flows one by one, by priority, on shortest residual paths."""

from __future__ import annotations

import heapq
import math

from vrpsolve.flows.model import FlowAdmissionInstance, FlowSolution, Path, within

_Arc = tuple[int, int, float]
"""An outgoing link: (link index, head node index, delay)."""


def admission_order(instance: FlowAdmissionInstance) -> list[int]:
    """Flow indices by priority (highest first), then priority per unit demand, then index.

    A flow with zero demand has an infinite priority-to-demand ratio.
    """

    def key(k: int) -> tuple[float, float, int]:
        flow = instance.flows[k]
        ratio = math.inf if flow.demand == 0 else flow.priority / flow.demand
        return (-flow.priority, -ratio, k)

    return sorted(range(instance.num_flows), key=key)


def _dijkstra(
    arcs: list[list[_Arc]], tails: list[int], usable: list[bool], source: int, target: int
) -> list[int] | None:
    """Links of a path with least (delay, hops), or ``None`` when the target is unreachable."""
    best: dict[int, tuple[float, int]] = {source: (0.0, 0)}
    via: dict[int, int] = {}
    heap = [(0.0, 0, source)]
    done: set[int] = set()
    while heap:
        delay, hops, u = heapq.heappop(heap)
        if u in done:
            continue
        if u == target:
            break
        done.add(u)
        for link, v, d in arcs[u]:
            if not usable[link] or v in done:
                continue
            label = (delay + d, hops + 1)
            if v not in best or label < best[v]:
                best[v] = label
                via[v] = link
                heapq.heappush(heap, (label[0], label[1], v))
    if target not in best:
        return None
    links, node = [], target
    while node != source:
        links.append(via[node])
        node = tails[via[node]]
    return links[::-1]


def _hop_limited(
    arcs: list[list[_Arc]],
    tails: list[int],
    usable: list[bool],
    source: int,
    target: int,
    max_hops: int,
) -> list[int] | None:
    """Links of a least-delay path with at most ``max_hops`` links (fewest hops among ties).

    Layer ``h`` holds the least delay of a walk with exactly ``h`` links. The chosen walk has no
    cycle: removing one would give a walk with no more delay and fewer links.
    """
    n = len(arcs)
    layers: list[list[float]] = [[math.inf] * n]
    layers[0][source] = 0.0
    preds: list[list[int]] = [[-1] * n]
    for _ in range(min(max_hops, n - 1)):
        cur, nxt, pred = layers[-1], [math.inf] * n, [-1] * n
        for u in range(n):
            if cur[u] == math.inf:
                continue
            for link, v, d in arcs[u]:
                if usable[link] and cur[u] + d < nxt[v]:
                    nxt[v] = cur[u] + d
                    pred[v] = link
        layers.append(nxt)
        preds.append(pred)
    candidates = [(layer[target], h) for h, layer in enumerate(layers) if h > 0]
    delay, hops = min(candidates, default=(math.inf, 0))
    if delay == math.inf:
        return None
    links, node = [], target
    for h in range(hops, 0, -1):
        link = preds[h][node]
        links.append(link)
        node = tails[link]
    return links[::-1]


def greedy_admission(instance: FlowAdmissionInstance) -> FlowSolution:
    """Admit flows greedily in :func:`admission_order`, each on a shortest residual path.

    Each flow, in turn, is routed on a path of least delay (fewest hops among equal delays, so
    least hops on a network without delays) through the links whose residual capacity still
    holds its demand, within its hop limit; it is rejected when there is no such path or the
    least delay breaks its delay limit. Admitted demand is then taken off the residual capacity.
    Capacity and delay tests use :func:`vrpsolve.flows.model.within`, as the
    evaluator does.

    Parameters
    ----------
    instance
        The PFAR instance.

    Returns
    -------
    FlowSolution
        A solution that :func:`~vrpsolve.flows.model.evaluate_flows` finds feasible.
    """
    index = {node: k for k, node in enumerate(instance.nodes)}
    arcs: list[list[_Arc]] = [[] for _ in instance.nodes]
    tails = [index[link.source] for link in instance.links]
    for k, link in enumerate(instance.links):
        arcs[tails[k]].append((k, index[link.target], link.delay))
    load = [0.0] * instance.num_links
    paths: list[Path | None] = [None] * instance.num_flows
    for k in admission_order(instance):
        flow = instance.flows[k]
        usable = [
            within(load[j] + flow.demand, link.capacity) for j, link in enumerate(instance.links)
        ]
        source, target = index[flow.source], index[flow.target]
        if flow.max_hops is None:
            links = _dijkstra(arcs, tails, usable, source, target)
        else:
            links = _hop_limited(arcs, tails, usable, source, target, flow.max_hops)
        if links is None:
            continue
        delay = math.fsum(instance.links[j].delay for j in links)
        if flow.max_delay is not None and not within(delay, flow.max_delay):
            continue
        for j in links:
            load[j] += flow.demand
        paths[k] = (flow.source, *(instance.links[j].target for j in links))
    return FlowSolution(tuple(paths))
