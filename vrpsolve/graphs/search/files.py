"""Graph-search instance files: a NumPy ``.npz`` archive with the instance and its training queries.

Arrays ``base``, ``queries``, ``neighbours``, ``indptr``, ``indices`` and the scalars ``entry``,
``budget`` and ``name`` make the :class:`~vrpsolve.graphs.search.model.GraphSearchInstance`;
the optional ``train_queries`` and ``train_neighbours`` are queries for training learned routing
(disjoint from the test queries), and ``metadata`` a JSON string saying how the file was built.
Files are read without pickle.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrpsolve.core.errors import InputError
from vrpsolve.graphs.search.model import GraphSearchInstance

_INSTANCE_FIELDS = ("base", "queries", "neighbours", "indptr", "indices", "entry", "budget", "name")


@dataclass(frozen=True, eq=False)
class SearchFile:
    """What a graph-search file holds: the instance, training queries and build metadata."""

    instance: GraphSearchInstance
    train_queries: NDArray[np.float32] | None = None
    train_neighbours: NDArray[np.int64] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def save_search_file(path: str | Path, contents: SearchFile) -> None:
    """Write a graph-search file (``.npz``, uncompressed)."""
    instance = contents.instance
    arrays: dict[str, Any] = {
        "base": instance.base,
        "queries": instance.queries,
        "neighbours": instance.neighbours,
        "indptr": instance.indptr,
        "indices": instance.indices,
        "entry": np.int64(instance.entry),
        "budget": np.int64(instance.budget),
        "name": np.str_(instance.name),
        "metadata": np.str_(json.dumps(contents.metadata)),
    }
    if contents.train_queries is not None and contents.train_neighbours is not None:
        arrays["train_queries"] = contents.train_queries
        arrays["train_neighbours"] = contents.train_neighbours
    with Path(path).open("wb") as handle:
        np.savez(handle, **arrays)


def load_search_file(path: str | Path) -> SearchFile:
    """Read a graph-search file; ``InputError`` naming the file and the bad field."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such graph-search file", path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            data = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        raise InputError("not a NumPy .npz archive", path) from None
    missing = [key for key in _INSTANCE_FIELDS if key not in data]
    if missing:
        raise InputError(f"missing field(s) {', '.join(missing)}", path)
    try:
        instance = GraphSearchInstance(
            name=str(data["name"]),
            base=data["base"],
            queries=data["queries"],
            neighbours=data["neighbours"],
            indptr=data["indptr"],
            indices=data["indices"],
            entry=int(data["entry"]),
            budget=int(data["budget"]),
        )
    except (TypeError, ValueError) as error:
        raise InputError(f"bad instance field: {error}", path) from None
    train_queries = data.get("train_queries")
    train_neighbours = data.get("train_neighbours")
    if (train_queries is None) != (train_neighbours is None):
        raise InputError("train_queries and train_neighbours come together", path)
    if train_queries is not None and train_neighbours is not None:
        if train_queries.ndim != 2 or train_queries.shape[1] != instance.dim:
            raise InputError(f"train_queries must be an (t, {instance.dim}) array", path)
        if train_neighbours.ndim != 2 or train_neighbours.shape[0] != train_queries.shape[0]:
            raise InputError("train_neighbours needs one row per training query", path)
        train_queries = train_queries.astype(np.float32)
        train_neighbours = train_neighbours.astype(np.int64)
    try:
        metadata = json.loads(str(data.get("metadata", "{}")))
    except json.JSONDecodeError:
        raise InputError("metadata is not JSON", path) from None
    return SearchFile(instance, train_queries, train_neighbours, metadata)
