"""Path-query files: the instance (a NumPy ``.npz`` archive) and the solution (JSON).

Instance files carry ``format = "vrpsolve-path-query"`` and ``version = 1``, the fields of
:class:`~vrpsolve.graphs.paths.model.PathQueryInstance` (``indptr``, ``indices``, ``lengths``,
``coordinates``, ``queries``, ``hop_limits`` as arrays, ``name`` a string) and ``metadata``, a
JSON object saying how the file was built. :func:`build_path_file` is the one way to make such a
file from a random geometric graph, an OSM extract or a TNTP network. Solution files are JSON::

    {"format": "vrpsolve-path-solution", "version": 1, "paths": [[0, 4, 7], null, ...]}

with one entry per query: its node path, or ``null`` where the router gave up.

Files are read without pickle and written atomically (see
:func:`vrpsolve.core.files.atomic_writer`). Every problem is an
:class:`~vrpsolve.core.errors.InputError` naming the file and the field.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from vrpsolve.catalog import instances_dir
from vrpsolve.core.errors import InputError
from vrpsolve.core.files import load_json, write_text_atomic
from vrpsolve.graphs.paths.model import PathQueryInstance, PathSolution
from vrpsolve.graphs.search.files import (
    NPZ_VERSION,
    check_npz_tag,
    npz_scalar,
    npz_tag,
    read_npz,
    write_npz,
)

PATH_INSTANCE_TAG = "vrpsolve-path-query"
"""The ``format`` entry of a path-query instance file."""

PATH_SOLUTION_TAG = "vrpsolve-path-solution"
"""The ``format`` tag of a path-query solution file."""

TNTP_DIR = instances_dir() / "network" / "tntp"
"""The shipped TNTP networks (``<name>_net.tntp``)."""

_INTEGER_FIELDS = ("indptr", "indices", "queries", "hop_limits")
_REAL_FIELDS = ("lengths", "coordinates")
_INSTANCE_FIELDS = (*_INTEGER_FIELDS, *_REAL_FIELDS, "name")


# -- instance files ------------------------------------------------------------------------------
def write_path_instance(
    instance: PathQueryInstance, path: str | Path, metadata: dict[str, Any] | None = None
) -> None:
    """Write a path-query instance file (``.npz``, uncompressed, atomically).

    ``metadata`` (a JSON-serialisable dict, stored as a JSON string) says how it was built.
    """
    write_npz(
        path,
        {
            "format": np.str_(PATH_INSTANCE_TAG),
            "version": np.int64(NPZ_VERSION),
            "name": np.str_(instance.name),
            "indptr": instance.indptr,
            "indices": instance.indices,
            "lengths": instance.lengths,
            "coordinates": instance.coordinates,
            "queries": instance.queries,
            "hop_limits": instance.hop_limits,
            "metadata": np.str_(json.dumps(metadata or {}, sort_keys=True)),
        },
    )


def _load(path: str | Path) -> tuple[PathQueryInstance, dict[str, Any]]:
    path = Path(path)
    data = read_npz(path, "path-query")
    check_npz_tag(data, PATH_INSTANCE_TAG, path)
    missing = [key for key in _INSTANCE_FIELDS if key not in data]
    if missing:
        raise InputError(f"missing field(s) {', '.join(missing)}", path)
    for key in _INTEGER_FIELDS:
        if data[key].dtype.kind not in "iu":
            raise InputError(f"field {key!r} must be an integer array, got {data[key].dtype}", path)
    for key in _REAL_FIELDS:
        if data[key].dtype.kind not in "iuf":
            raise InputError(f"field {key!r} must be a numeric array, got {data[key].dtype}", path)
    try:
        instance = PathQueryInstance(
            name=npz_scalar(data, "name", "str", path),
            indptr=data["indptr"],
            indices=data["indices"],
            lengths=data["lengths"],
            coordinates=data["coordinates"],
            queries=data["queries"],
            hop_limits=data["hop_limits"],
        )
    except (TypeError, ValueError) as error:
        raise InputError(f"bad instance field: {error}", path) from None
    metadata: Any = {}
    if "metadata" in data:
        try:
            metadata = json.loads(npz_scalar(data, "metadata", "str", path))
        except json.JSONDecodeError:
            raise InputError("field 'metadata' is not JSON", path) from None
        if not isinstance(metadata, dict):
            raise InputError("field 'metadata' must be a JSON object", path)
    return instance, metadata


def read_path_instance(path: str | Path) -> PathQueryInstance:
    """Read a path-query instance file, validated by
    :class:`~vrpsolve.graphs.paths.model.PathQueryInstance`; :class:`InputError` naming the
    file and the field for a missing or wrong tag, a missing field, an array of the wrong type
    or shape, or a truncated file."""
    return _load(path)[0]


def read_path_metadata(path: str | Path) -> dict[str, Any]:
    """The ``metadata`` of a path-query instance file (how it was built); the file is checked
    as by :func:`read_path_instance`."""
    return _load(path)[1]


def is_path_file(path: str | Path) -> bool:
    """Whether ``path`` is a readable ``.npz`` archive tagged ``vrpsolve-path-query``. Never
    raises."""
    return npz_tag(path) == PATH_INSTANCE_TAG


# -- solution files ------------------------------------------------------------------------------
def write_path_solution(solution: PathSolution, path: str | Path) -> None:
    """Write a path-query solution as JSON, one query's path (or ``null``) per line,
    atomically."""
    lines = ",\n".join(json.dumps(None if p is None else list(p)) for p in solution.paths)
    header = json.dumps({"format": PATH_SOLUTION_TAG, "version": NPZ_VERSION})[:-1]
    write_text_atomic(path, f'{header}, "paths": [\n{lines}\n]}}\n')


def read_path_solution(path: str | Path, instance: PathQueryInstance) -> PathSolution:
    """Read a path-query solution file for ``instance``.

    :class:`InputError` naming the file and the field for a wrong tag or version, an unknown
    field, a ``paths`` list whose length is not the number of queries, or an entry that is not
    ``null`` or a list of node ids of the instance (the usual sign of a file for another
    instance). Whether each path is valid (source, target, edges, hop limit) is left to
    :func:`~vrpsolve.graphs.paths.model.evaluate_paths`.
    """
    path = Path(path)
    data = load_json(path, PATH_SOLUTION_TAG)
    unknown = sorted(set(data) - {"format", "version", "paths"})
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(map(repr, unknown))}", path)
    if "paths" not in data:
        raise InputError("missing field 'paths'", path)
    paths = data["paths"]
    q, n = instance.num_queries, instance.num_nodes
    if not isinstance(paths, list):
        raise InputError("field 'paths' must be a list", path)
    if len(paths) != q:
        raise InputError(f"field 'paths' has {len(paths)} entries for {q} queries", path)
    result: list[tuple[int, ...] | None] = []
    for i, entry in enumerate(paths):
        if entry is None:
            result.append(None)
            continue
        if not isinstance(entry, list) or not all(
            isinstance(node, int) and not isinstance(node, bool) for node in entry
        ):
            raise InputError(f"field 'paths', query {i}: not null or a list of node ids", path)
        bad = [node for node in entry if not 0 <= node < n]
        if bad:
            raise InputError(f"field 'paths', query {i}: node {bad[0]} not in [0, {n})", path)
        result.append(tuple(entry))
    return PathSolution(tuple(result))


# -- building --------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _tntp_source(source: str) -> Path | None:
    """The TNTP network file ``source`` names: a ``.tntp`` path or a shipped network's name."""
    if source.endswith(".tntp"):
        return Path(source)
    shipped = TNTP_DIR / f"{source}_net.tntp"
    return shipped if "/" not in source and shipped.is_file() else None


def network_from_source(
    source: str | Path,
    *,
    seed: int = 0,
    nodes: int | None = None,
    radius: float | None = None,
) -> tuple[PathQueryInstance, dict[str, Any]]:
    """The query-less network ``source`` names, and metadata saying how it was built.

    Parameters
    ----------
    source
        ``"rgg"``: a random geometric (wireless) graph of ``nodes`` nodes and ``radius``
        (:func:`~vrpsolve.graphs.paths.routers.geometric_network`, seeded by ``seed``); a TNTP
        network, as a ``.tntp`` path or a shipped network's name (``SiouxFalls``;
        :func:`~vrpsolve.graphs.paths.routers.tntp_network`, free-flow times as lengths); else
        a shipped OSM city (``monaco``) or an OSM file
        (:func:`~vrpsolve.graphs.paths.routers.osm_network`).
    seed
        Seed of the random graph.
    nodes, radius
        Size and connection radius of a random geometric graph (``radius`` defaults to
        :func:`~vrpsolve.graphs.paths.routers.default_radius`); only for ``"rgg"``.

    Raises
    ------
    ValueError
        For ``nodes`` or ``radius`` with another source, or ``"rgg"`` without ``nodes``.
    InputError
        For a network file that is missing or unreadable.
    """
    from vrpsolve.graphs.paths.routers import (
        geometric_network,
        osm_network,
        osm_path,
        tntp_network,
    )

    text = str(source)
    metadata: dict[str, Any] = {}
    if text == "rgg":
        if nodes is None:
            raise ValueError("source 'rgg' needs nodes")
        return geometric_network(nodes, radius, seed=seed), {"network": "geometric_network"}
    if nodes is not None or radius is not None:
        raise ValueError(f"nodes and radius apply to source 'rgg' only, not {text!r}")
    tntp = _tntp_source(text)
    file = tntp if tntp is not None else osm_path(text)
    if not file.is_file():
        raise InputError("no such network file", file)
    network = tntp_network(file) if tntp is not None else osm_network(file)
    metadata["network"] = "tntp_network" if tntp is not None else "osm_network"
    metadata["source_file"] = file.name
    metadata["source_sha256"] = _sha256(file)
    return network, metadata


def build_path_file(
    source: str | Path,
    queries: int,
    seed: int,
    path: str | Path,
    *,
    nodes: int | None = None,
    radius: float | None = None,
) -> PathQueryInstance:
    """Build a path-query instance and write it to ``path`` with metadata saying how.

    Parameters
    ----------
    source, nodes, radius
        The network, as :func:`network_from_source` reads them.
    queries
        Number of seeded (source, target) queries
        (:func:`~vrpsolve.graphs.paths.routers.with_queries`, seeded by ``seed``).
    seed
        Seed of the queries (and of the random graph).
    path
        The ``.npz`` file to write.

    Returns
    -------
    PathQueryInstance
        The instance written.
    """
    from vrpsolve.graphs.paths.routers import with_queries

    network, built = network_from_source(source, seed=seed, nodes=nodes, radius=radius)
    call: dict[str, Any] = {"source": str(source), "queries": queries, "seed": seed}
    if str(source) == "rgg":
        call.update(nodes=nodes, radius=radius)
    metadata: dict[str, Any] = {"built_by": "vrpsolve.graphs.paths.files.build_path_file"}
    metadata.update(built)
    instance = with_queries(network, queries, seed=seed)
    metadata.update(
        call=call,
        nodes=instance.num_nodes,
        edges=instance.num_edges,
    )
    write_path_instance(instance, path, metadata)
    return instance
