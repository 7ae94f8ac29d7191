"""Routing policies as files: the packet-routing family's solution files.

A solver's answer to a packet network is a routing policy. Every policy a solver returns can be
written to a ``vrpsolve-packet-policy`` ``.npz`` file and read back for the same network, so that
``vrpsolve eval`` re-judges it by simulation: the learned ones (Q-routing, OLPOMDP) with their
tables and random state (:meth:`~vrpsolve.packets.learning.QRoutingPolicy.save`), the static
shortest-path ones with their next-hop table, which the reader rebuilds from the network and
checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import atomic_writer
from vrpsolve.packets.learning import (
    POLICY_FORMAT,
    POLICY_VERSION,
    load_policy,
    read_policy_file,
)
from vrpsolve.packets.model import PacketNetwork
from vrpsolve.packets.policies import PathWeight, ShortestPathPolicy
from vrpsolve.packets.simulator import RoutingPolicy

_STATIC: dict[str, PathWeight] = {"shortest-hops": "hops", "shortest-delay": "delay"}
"""Kinds of static policy files and the path weight each stands for."""


def _network_meta(network: PacketNetwork) -> dict[str, Any]:
    links = [[link.source, link.target] for link in network.links]
    return {"name": network.name, "num_nodes": network.num_nodes, "links": links}


def write_policy(policy: RoutingPolicy, path: str | Path) -> None:
    """Write a policy a packet-routing solver returned (atomically).

    Raises
    ------
    TypeError
        For a policy of a kind that has no file format.
    """
    path = Path(path)
    if isinstance(policy, ShortestPathPolicy):
        meta = {
            "format": POLICY_FORMAT,
            "version": POLICY_VERSION,
            "kind": f"shortest-{policy.weight}",
            "network": _network_meta(policy.network),
        }
        with atomic_writer(path) as handle:
            np.savez_compressed(handle, table=policy.table, meta=np.array(json.dumps(meta)))
        return
    save = getattr(policy, "save", None)
    if save is None:
        raise TypeError(f"{type(policy).__name__} has no policy file format")
    save(path)


def read_policy(path: str | Path, network: PacketNetwork) -> RoutingPolicy:
    """Read a policy file for ``network``.

    Raises
    ------
    InputError
        When the file is missing or no policy file, or was written for another network.
    """
    meta, arrays = read_policy_file(path)
    kind = meta.get("kind")
    if kind not in _STATIC:
        return load_policy(path, network)
    saved = meta.get("network")
    expected = _network_meta(network)
    if not isinstance(saved, dict) or any(
        saved.get(k) != expected[k] for k in ("num_nodes", "links")
    ):
        raise InputError(f"written for another network than {network.name!r}", path)
    policy = ShortestPathPolicy(network, weight=_STATIC[kind])
    table = arrays.get("table")
    if table is None or not np.array_equal(table.astype(np.int64), policy.table):
        raise InputError("the next-hop table differs from the network's shortest paths", path)
    return policy
