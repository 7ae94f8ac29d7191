"""Generated data on disk: batches as ``.npz`` files, instance files, and the fixed test sets.

The fixed test sets are what the neural policies are evaluated on: 128 seeded instances per
variant at n=50 and n=100 (RouteFinder-style, uniform points), and per city 128 ATSP, ACVRP and
ACVRPTW instances (real road-network matrices; some cities held out of training). They are rebuilt
bit for bit by :func:`build_fixed_sets`; the manifest records each set's seed and a checksum of its
contents.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tensordict import TensorDict

from vrpsolve.core.files import write_text_atomic
from vrpsolve.routing.convert import to_routing_instance
from vrpsolve.routing.generators import RoutingGenerator, make_source
from vrpsolve.routing.io import write_instance
from vrpsolve.routing.variants import PRESETS

CITY_PROBLEMS = ("ATSP", "ACVRP", "ACVRPTW")
"""Problems sampled from each city."""


def save_batch(td: TensorDict, path: str | Path, *, euclidean: bool = False) -> None:
    """Write a batch as a compressed ``.npz`` (atomically); Euclidean batches skip the matrices."""
    arrays = {key: value.numpy() for key, value in td.items()}
    if euclidean:
        del arrays["distance"], arrays["duration"]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.npz")
    np.savez_compressed(partial, **arrays)
    partial.replace(path)


def load_batch(path: str | Path) -> TensorDict:
    """Read a batch written by :func:`save_batch` (recomputing Euclidean matrices)."""
    with np.load(path) as data:
        arrays = {key: torch.from_numpy(data[key]) for key in data.files}
    if "distance" not in arrays:
        locs = arrays["locs"].double()
        arrays["distance"] = torch.cdist(locs, locs).float()
        arrays["duration"] = arrays["distance"].clone()
    return TensorDict(arrays, batch_size=[len(arrays["locs"])])


def content_checksum(td: TensorDict) -> str:
    """SHA-256 over every array of a batch, in key order: equal batches, equal checksums."""
    digest = hashlib.sha256()
    for key in sorted(td.keys()):
        digest.update(key.encode())
        digest.update(td[key].contiguous().numpy().tobytes())
    return digest.hexdigest()


def write_instance_files(
    td: TensorDict, out_dir: str | Path, stem: str, fmt: str = "json"
) -> list[Path]:
    """Write each instance of a batch as ``<stem>-<k>.<json|vrp>``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    suffix = {"json": "json", "vrplib": "vrp"}[fmt]
    width = len(str(len(td) - 1))
    paths = []
    for k in range(len(td)):
        name = f"{stem}-{k:0{width}d}"
        path = out / f"{name}.{suffix}"
        write_instance(to_routing_instance(td, k, name=name), path, format=fmt)
        paths.append(path)
    return paths


@dataclass(frozen=True)
class FixedSet:
    """One fixed test set: which generator settings and seed produce it, and where it goes."""

    suite: str
    variant: str
    customers: int
    count: int
    seed: int
    source: str
    held_out: bool = False

    @property
    def relative_path(self) -> str:
        """Path of the set's ``.npz`` under the output directory."""
        where = self.source.split(":", 1)[-1] if self.suite == "cities" else ""
        return str(Path(self.suite, f"n{self.customers}", where, f"{self.variant}.npz"))

    def generate(self) -> TensorDict:
        """Draw the set's instances."""
        generator = RoutingGenerator(
            self.customers, [self.variant], source=make_source(self.source)
        )
        return generator(self.count, seed=self.seed)


def fixed_sets(
    suites: tuple[str, ...] = ("routefinder", "cities"),
    sizes: tuple[int, ...] = (50, 100),
    count: int = 128,
    seed: int = 2026,
) -> list[FixedSet]:
    """The fixed test sets: every routing variant, and every city's ATSP/ACVRP/ACVRPTW."""
    from vrpsolve.routing.cities import HELD_OUT_CITIES, list_cities

    sets = []
    for size in sizes:
        if "routefinder" in suites:
            variants = PRESETS["all-48"]
            sets += [FixedSet("routefinder", v.name, size, count, 0, "uniform") for v in variants]
        if "cities" in suites:
            sets += [
                FixedSet("cities", problem, size, count, 0, f"city:{city}", city in HELD_OUT_CITIES)
                for city in list_cities()
                for problem in CITY_PROBLEMS
            ]
    # Every set gets its own seed, derived from the base seed and its position.
    return [FixedSet(**(asdict(s) | {"seed": seed * 10_000 + k})) for k, s in enumerate(sets)]


def build_fixed_sets(
    out_dir: str | Path, sets: list[FixedSet], on_progress: Callable[[FixedSet], None] | None = None
) -> Path:
    """Generate and save every set, then write ``manifest.json``; returns the manifest path."""
    out = Path(out_dir)
    entries = []
    for fixed_set in sets:
        td = fixed_set.generate()
        save_batch(td, out / fixed_set.relative_path, euclidean=fixed_set.source == "uniform")
        entries.append(
            asdict(fixed_set)
            | {
                "path": fixed_set.relative_path,
                "sha256": content_checksum(td),
            }
        )
        if on_progress is not None:
            on_progress(fixed_set)
    manifest = out / "manifest.json"
    write_text_atomic(manifest, json.dumps({"sets": entries}, indent=1) + "\n")
    return manifest


class ManifestError(ValueError):
    """A test-set manifest that is missing or whose sets differ from their checksums."""


def iter_manifest(manifest: str | Path) -> Iterator[tuple[dict[str, object], TensorDict]]:
    """Each set of a manifest with its loaded batch, checked against its recorded checksum.

    Raises :class:`ManifestError` when the manifest is missing or a set's contents differ.
    """
    manifest = Path(manifest)
    if not manifest.is_file():
        raise ManifestError(
            f"{manifest}: no such manifest; build the test sets with `vrpsolve generate test-sets`"
        )
    for entry in json.loads(manifest.read_text())["sets"]:
        td = load_batch(manifest.parent / str(entry["path"]))
        if content_checksum(td) != entry["sha256"]:
            raise ManifestError(f"{entry['path']}: contents differ from {manifest}")
        yield entry, td
