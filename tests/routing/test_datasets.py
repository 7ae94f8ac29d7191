"""Generated data on disk: batch files, instance files and the fixed test sets."""

from __future__ import annotations

import json

import pytest

from vrpsolve.routing.convert import to_routing_instance
from vrpsolve.routing.datasets import (
    ManifestError,
    build_fixed_sets,
    content_checksum,
    fixed_sets,
    iter_manifest,
    load_batch,
    save_batch,
    write_instance_files,
)
from vrpsolve.routing.generators import RoutingGenerator, make_source
from vrpsolve.routing.io import read_instance


@pytest.mark.parametrize("source", ["uniform", "asymmetric"])
def test_batches_round_trip_through_npz(tmp_path, source):
    """A saved batch loads back with identical contents (Euclidean matrices recomputed)."""
    td = RoutingGenerator(7, "all-48", source=make_source(source))(5, seed=3)
    save_batch(td, tmp_path / "b.npz", euclidean=source == "uniform")
    assert content_checksum(load_batch(tmp_path / "b.npz")) == content_checksum(td)


def test_instance_files_read_back_as_the_generated_instances(tmp_path):
    """JSON instance files hold exactly the instances the generator drew."""
    td = RoutingGenerator(6, "MDOVRPMBLTW,ATSP", source=make_source("city:monaco"))(4, seed=1)
    paths = write_instance_files(td, tmp_path, "mix")
    assert [p.name for p in paths] == [f"mix-{k}.json" for k in range(4)]
    for k, path in enumerate(paths):
        read, made = read_instance(path), to_routing_instance(td, k, name=f"mix-{k}")
        assert read.variant == made.variant
        assert (read.distance == made.distance).all() and (read.duration == made.duration).all()


def test_test_sets_are_reproducible_and_checked(tmp_path):
    """Rebuilt sets match the manifest; a changed file is reported on loading."""
    sets = fixed_sets(("routefinder", "cities"), (5,), count=3, seed=1)
    assert len({s.seed for s in sets}) == len(sets) == 48 + 21
    assert {s.relative_path for s in sets if s.held_out} >= {"cities/n5/krems/ATSP.npz"}
    manifest = build_fixed_sets(tmp_path, sets[:4] + sets[-2:])
    again = build_fixed_sets(tmp_path / "again", sets[:4] + sets[-2:])
    first, second = json.loads(manifest.read_text()), json.loads(again.read_text())
    assert first == second
    assert sum(1 for _ in iter_manifest(manifest)) == 6
    entry = first["sets"][0]
    td = load_batch(tmp_path / entry["path"])
    td["demand_linehaul"][0, -1] += 1
    save_batch(td, tmp_path / entry["path"], euclidean=True)
    with pytest.raises(ManifestError, match="contents differ"):
        list(iter_manifest(manifest))


def test_committed_manifest_matches_a_fresh_build():
    """The default fixed sets regenerate with the checksums of the committed manifest."""
    from vrpsolve.catalog import instances_dir
    from vrpsolve.routing.datasets import FixedSet

    entries = json.loads((instances_dir() / "test-sets-manifest.json").read_text())["sets"]
    by_path = {e["path"]: e for e in entries}
    expected = {s.relative_path for s in fixed_sets()}
    assert set(by_path) == expected
    for path in ("routefinder/n50/CVRP.npz", "cities/n50/krems/ACVRPTW.npz"):
        entry = by_path[path]
        fields = {k: entry[k] for k in FixedSet.__dataclass_fields__}
        assert content_checksum(FixedSet(**fields).generate()) == entry["sha256"]
