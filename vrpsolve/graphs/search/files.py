"""Graph-search files: the instance (a NumPy ``.npz`` archive with its training queries) and the
solution (``.npz`` with the ranked ids and the DCS spent per query).

Instance files carry ``format = "vrpsolve-graph-search"`` and ``version = 1``; the arrays
``base``, ``queries``, ``neighbours``, ``indptr``, ``indices`` and the scalars ``entry``,
``budget`` and ``name`` make the :class:`~vrpsolve.graphs.search.model.GraphSearchInstance`;
the optional ``train_queries`` and ``train_neighbours`` are queries for training learned routing
(disjoint from the test queries), and ``metadata`` a JSON string saying how the file was built.
Files written before the tag existed have no ``format`` and ``version``; they are recognised by
their fields. Solution files carry ``format = "vrpsolve-search-solution"``, ``version = 1``,
``ids`` (``q x r`` int64, best first, ``-1`` for an empty slot) and ``dcs`` (``q`` floats).

Every file is read without pickle and written atomically (see
:func:`vrpsolve.core.files.atomic_writer`). Every problem is an
:class:`~vrpsolve.core.errors.InputError` naming the file and the field. The helpers
:func:`read_npz` and :func:`write_npz` serve the path-query files as well.
"""

from __future__ import annotations

import json
import math
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import atomic_writer, check_finite
from vrpsolve.graphs.search.model import EMPTY, GraphSearchInstance, SearchSolution

SEARCH_INSTANCE_TAG = "vrpsolve-graph-search"
"""The ``format`` entry of a graph-search instance file."""

SEARCH_SOLUTION_TAG = "vrpsolve-search-solution"
"""The ``format`` entry of a graph-search solution file."""

NPZ_VERSION = 1
"""The ``version`` entry of every vrpsolve ``.npz`` format."""

_INSTANCE_FIELDS = ("base", "queries", "neighbours", "indptr", "indices", "entry", "budget", "name")
_INTEGER_FIELDS = ("neighbours", "indptr", "indices")

_DEFLATE_RATIO = 1032
"""The most a DEFLATE stream expands: no archive member holds more than this many bytes per
byte of the file."""


# -- .npz helpers (shared with vrpsolve.graphs.paths.files) --------------------------------------
def write_npz(path: str | Path, arrays: dict[str, Any]) -> None:
    """Write ``arrays`` as an uncompressed ``.npz`` archive, atomically."""
    with atomic_writer(path) as handle:
        np.savez(handle, **arrays)


def _check_claim(archive: np.lib.npyio.NpzFile, key: str, path: Path) -> None:
    """Refuse an array whose header claims more data than its archive can hold, before NumPy
    allocates room for it (a damaged header may claim terabytes)."""
    members = archive.zip
    assert members is not None  # an open archive
    info = members.getinfo(f"{key}.npy" if f"{key}.npy" in members.namelist() else key)
    with members.open(info) as handle:
        if handle.read(len(np.lib.format.MAGIC_PREFIX)) != np.lib.format.MAGIC_PREFIX:
            return  # not an array: the reader says so
        handle.seek(0)
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    claimed = math.prod(shape) * dtype.itemsize
    if claimed > min(info.file_size, _DEFLATE_RATIO * path.stat().st_size):
        raise InputError(
            f"field {key!r} claims a {dtype} array of shape {shape}, more than the archive "
            "holds (damaged or truncated)",
            path,
        )


def read_npz(path: str | Path, what: str) -> dict[str, NDArray[Any]]:
    """Every array of a ``.npz`` archive, read without pickle.

    ``what`` names the kind of file in the error for a missing one. Raises
    :class:`InputError` for a missing file, a file that is not an ``.npz`` archive (a truncated
    archive is not one) and a field that cannot be read (damaged, claiming more data than the
    archive holds, or a pickled object).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such {what} file", path)
    if not path.is_file():
        raise InputError("not a regular file", path)
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, NotImplementedError):
        raise InputError("not a NumPy .npz archive (or a truncated one)", path) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise InputError("a single NumPy array, not an .npz archive", path)
    data: dict[str, NDArray[Any]] = {}
    with archive:
        for key in archive.files:
            try:
                _check_claim(archive, key, path)
                data[key] = archive[key]
            except InputError:
                raise
            except ValueError as error:
                reason = "it holds pickled objects" if "pickle" in str(error) else str(error)
                raise InputError(f"field {key!r} cannot be read: {reason}", path) from None
            except (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError):
                raise InputError(f"field {key!r} is damaged or truncated", path) from None
            except RuntimeError:  # a damaged flag marks the member encrypted
                raise InputError(f"field {key!r} is damaged (marked encrypted)", path) from None
            if not isinstance(data[key], np.ndarray):
                raise InputError(f"field {key!r} is not a NumPy array", path)
    return data


def npz_scalar(data: dict[str, NDArray[Any]], key: str, kind: str, path: str | Path) -> Any:
    """A scalar field as a Python value: ``kind`` ``"int"``, ``"float"`` or ``"str"``."""
    value = data[key]
    if value.shape != ():
        raise InputError(f"field {key!r} must be a scalar, got shape {value.shape}", path)
    dtype = value.dtype.kind
    if kind == "str":
        if dtype != "U":
            raise InputError(f"field {key!r} must be a string", path)
        return str(value)
    if kind == "int":
        if dtype not in "iu":
            raise InputError(f"field {key!r} must be an integer, got {value!r}", path)
        return int(value)
    if dtype not in "iuf":
        raise InputError(f"field {key!r} must be a number", path)
    return float(value)


def check_npz_tag(
    data: dict[str, NDArray[Any]], tag: str, path: str | Path, *, required: bool = True
) -> bool:
    """Check the ``format`` and ``version`` entries; False when both are absent and not
    ``required`` (a file from before the tags), True when they are present and right."""
    if "format" not in data and "version" not in data and not required:
        return False
    if "format" not in data:
        raise InputError(f"missing field 'format' (expected {tag!r})", path)
    found = data["format"]
    if found.shape != () or found.dtype.kind != "U" or str(found) != tag:
        raise InputError(f"field 'format' must be {tag!r}, got {str(found)!r}", path)
    if "version" not in data:
        raise InputError("missing field 'version'", path)
    version = data["version"]
    if version.shape != () or version.dtype.kind not in "iu" or int(version) != NPZ_VERSION:
        raise InputError(f"field 'version' must be {NPZ_VERSION}, got {str(version)!r}", path)
    return True


def npz_tag(path: str | Path) -> str | None:
    """The ``format`` entry of an ``.npz`` file (``""`` when it has none), or ``None`` when the
    file is not a readable ``.npz`` archive; never raises. Reads nothing but that entry."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                return None
            if "format" not in archive.files:
                return ""
            found = archive["format"]
            return str(found) if found.shape == () and found.dtype.kind == "U" else None
    except Exception:  # any unreadable file is simply not ours
        return None


def _npz_fields(path: str | Path) -> frozenset[str]:
    """The field names of an ``.npz`` archive (empty for an unreadable file); never raises."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            if isinstance(archive, np.lib.npyio.NpzFile):
                return frozenset(archive.files)
    except Exception:  # any unreadable file has no fields
        pass
    return frozenset()


# -- instance files ------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SearchFile:
    """What a graph-search file holds: the instance, training queries and build metadata."""

    instance: GraphSearchInstance
    train_queries: NDArray[np.float32] | None = None
    train_neighbours: NDArray[np.int64] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def save_search_file(path: str | Path, contents: SearchFile) -> None:
    """Write a graph-search file (``.npz``, uncompressed, atomically)."""
    instance = contents.instance
    arrays: dict[str, Any] = {
        "format": np.str_(SEARCH_INSTANCE_TAG),
        "version": np.int64(NPZ_VERSION),
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
    write_npz(path, arrays)


def load_search_file(path: str | Path) -> SearchFile:
    """Read a graph-search file, tagged or from before the tag; ``InputError`` naming the file
    and the bad field."""
    path = Path(path)
    data = read_npz(path, "graph-search")
    check_npz_tag(data, SEARCH_INSTANCE_TAG, path, required=False)
    missing = [key for key in _INSTANCE_FIELDS if key not in data]
    if missing:
        raise InputError(f"missing field(s) {', '.join(missing)}", path)
    for key in _INTEGER_FIELDS:
        if data[key].dtype.kind not in "iu":
            raise InputError(f"field {key!r} must be an integer array, got {data[key].dtype}", path)
    try:
        instance = GraphSearchInstance(
            name=npz_scalar(data, "name", "str", path),
            base=data["base"],
            queries=data["queries"],
            neighbours=data["neighbours"],
            indptr=data["indptr"],
            indices=data["indices"],
            entry=npz_scalar(data, "entry", "int", path),
            budget=npz_scalar(data, "budget", "int", path),
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
        if train_neighbours.dtype.kind not in "iu" or (
            train_neighbours.size
            and not 0 <= train_neighbours.min() <= train_neighbours.max() < instance.num_vectors
        ):
            raise InputError("train_neighbours must be base vertex ids", path)
        if train_queries.dtype.kind not in "iuf":
            raise InputError(
                f"field 'train_queries' must be numeric, got {train_queries.dtype}", path
            )
        with np.errstate(over="ignore"):
            train_queries = train_queries.astype(np.float32)
        check_finite(train_queries, "train_queries", path)
        train_neighbours = train_neighbours.astype(np.int64)
    metadata: Any = {}
    if "metadata" in data:
        try:
            metadata = json.loads(npz_scalar(data, "metadata", "str", path))
        except json.JSONDecodeError:
            raise InputError("field 'metadata' is not JSON", path) from None
        if not isinstance(metadata, dict):
            raise InputError("field 'metadata' must be a JSON object", path)
    return SearchFile(instance, train_queries, train_neighbours, metadata)


def read_search_instance(path: str | Path) -> GraphSearchInstance:
    """The instance of a graph-search file (see :func:`load_search_file`)."""
    return load_search_file(path).instance


def write_search_instance(instance: GraphSearchInstance, path: str | Path) -> None:
    """Write an instance as a graph-search file without training queries or metadata."""
    save_search_file(path, SearchFile(instance))


def is_search_file(path: str | Path) -> bool:
    """Whether ``path`` is a readable ``.npz`` archive holding a graph-search instance: tagged
    ``vrpsolve-graph-search``, or untagged with every instance field. Never raises."""
    tag = npz_tag(path)
    if tag == SEARCH_INSTANCE_TAG:
        return True
    return tag == "" and set(_INSTANCE_FIELDS) <= _npz_fields(path)


# -- solution files ------------------------------------------------------------------------------
def write_search_solution(solution: SearchSolution, path: str | Path) -> None:
    """Write a search answer as an ``.npz`` solution file (``ids`` and ``dcs``), atomically."""
    write_npz(
        path,
        {
            "format": np.str_(SEARCH_SOLUTION_TAG),
            "version": np.int64(NPZ_VERSION),
            "ids": np.asarray(solution.ids, dtype=np.int64),
            "dcs": np.asarray(solution.dcs, dtype=np.float64),
        },
    )


def read_search_solution(path: str | Path, instance: GraphSearchInstance) -> SearchSolution:
    """Read a search solution file for ``instance``.

    Raises :class:`InputError` naming the field when ``ids`` is not a ``q x r`` integer array
    with one row per query of the instance, when an id is neither a base vertex nor ``-1`` (the
    usual sign of a file for another instance), or when ``dcs`` is not ``q`` numbers. Whether
    the answer keeps the rules (budget, repeated ids) is left to
    :func:`~vrpsolve.graphs.search.model.evaluate_search`.
    """
    path = Path(path)
    data = read_npz(path, "search solution")
    check_npz_tag(data, SEARCH_SOLUTION_TAG, path)
    missing = [key for key in ("ids", "dcs") if key not in data]
    if missing:
        raise InputError(f"missing field(s) {', '.join(missing)}", path)
    ids, dcs = data["ids"], data["dcs"]
    q, n = instance.num_queries, instance.num_vectors
    if ids.ndim != 2 or ids.dtype.kind not in "iu":
        raise InputError(
            f"field 'ids' must be a 2-d integer array, got {ids.dtype} {ids.shape}", path
        )
    if ids.shape[0] != q:
        raise InputError(f"field 'ids' has {ids.shape[0]} rows for {q} queries", path)
    if ids.size and (ids.min() < EMPTY or ids.max() >= n):
        bad = int(ids.max()) if ids.max() >= n else int(ids.min())
        raise InputError(f"field 'ids': {bad} is not a base vertex in [0, {n}) nor -1", path)
    if dcs.dtype.kind not in "iuf" or dcs.shape != (q,):
        raise InputError(f"field 'dcs' must be {q} numbers, got {dcs.dtype} {dcs.shape}", path)
    return SearchSolution(ids, dcs)
