"""Tests for the bundled real-city datasets and the CityDataset type."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from vrpsolve.core.errors import InputError
from vrpsolve.routing.cities import (
    HELD_OUT_CITIES,
    TRAIN_CITIES,
    CityDataset,
    city_name,
    list_cities,
    load_city,
)


def _small_dataset() -> CityDataset:
    distance = np.array([[0.0, 100.0, 250.0], [120.0, 0.0, 150.0], [240.0, 160.0, 0.0]])
    return CityDataset(
        name="toy",
        lonlat=np.array([[7.42, 43.73], [7.421, 43.731], [7.423, 43.732]]),
        xy=np.array([[0.0, 0.0], [80.6, 111.2], [241.8, 222.4]]),
        distance=distance,
        duration=distance / 10.0,
        source="hand-made",
    )


def test_catalog_splits_every_city_into_train_or_held_out():
    """Every bundled city is either a training or a held-out city, never both."""
    assert sorted(TRAIN_CITIES + HELD_OUT_CITIES) == list_cities()
    assert not set(TRAIN_CITIES) & set(HELD_OUT_CITIES)
    assert len(HELD_OUT_CITIES) == 2


@pytest.mark.parametrize("name", list_cities())
def test_bundled_city_is_a_valid_asymmetric_road_metric(name: str):
    """A bundled city has consistent shapes, a zero diagonal, and asymmetric shortest paths."""
    city = load_city(name)
    size = city.num_points
    assert city.name == name
    assert size >= 300
    assert city.lonlat.shape == city.xy.shape == (size, 2)
    assert city.distance.shape == city.duration.shape == (size, size)
    for matrix in (city.distance, city.duration):
        assert np.isfinite(matrix).all()
        assert not np.diagonal(matrix).any()
        assert (matrix[~np.eye(size, dtype=bool)] > 0).all()
    assert city.asymmetric_share() > 0.05
    assert (np.abs(city.duration - city.duration.T) > 1.0).any()

    sample = np.random.default_rng(0).choice(size, size=60, replace=False)
    for matrix in (city.distance, city.duration):
        sub = matrix[np.ix_(sample, sample)]
        via = sub[:, :, None] + sub[None, :, :]  # via[i, j, k] = m[i, j] + m[j, k]
        assert (sub[:, None, :] <= via + 1e-5 * sub[:, None, :] + 1e-3).all()


def test_bundled_city_records_its_source():
    """A bundled city names its OSM file and OpenStreetMap in its source."""
    city = load_city("monaco")
    assert "monaco.osm.gz" in city.source
    assert "OpenStreetMap" in city.source


def test_save_load_round_trip(tmp_path: Path):
    """Saving and loading keeps every field (matrices to float32 precision)."""
    city = _small_dataset()
    path = tmp_path / "toy.npz"
    city.save(path)
    loaded = CityDataset.load(path)
    assert loaded.name == city.name
    assert loaded.source == city.source
    np.testing.assert_array_equal(loaded.lonlat, city.lonlat)
    for field in ("xy", "distance", "duration"):
        np.testing.assert_allclose(getattr(loaded, field), getattr(city, field), rtol=1e-6)
    assert loaded.distance.dtype == np.float64


def test_dataset_arrays_are_read_only():
    """The arrays of a dataset cannot be changed in place."""
    city = _small_dataset()
    with pytest.raises(ValueError):
        city.distance[0, 1] = 5.0


def test_asymmetric_share_counts_pairs_beyond_tolerance():
    """asymmetric_share is the share of unordered pairs whose two distances differ by > 1 m."""
    city = _small_dataset()
    assert city.asymmetric_share() == pytest.approx(1.0)
    assert city.asymmetric_share(tolerance=15.0) == pytest.approx(1 / 3)


def test_unknown_city_lists_available_names():
    """Loading an unknown city raises KeyError naming the bundled cities."""
    with pytest.raises(KeyError, match=r"available: .*monaco"):
        load_city("atlantis")


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("distance", np.ones((3, 3)), "non-zero diagonal"),
        ("duration", np.array([[0.0, -1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]), "negative"),
        ("xy", np.zeros((2, 2)), "shape"),
        ("lonlat", np.full((3, 2), np.nan), "non-finite"),
    ],
)
def test_invalid_dataset_is_refused(field: str, value: np.ndarray, problem: str):
    """A dataset with a bad shape, a NaN, a negative entry or a non-zero diagonal is refused."""
    city = _small_dataset()
    names = ("name", "lonlat", "xy", "distance", "duration", "source")
    fields = {name: getattr(city, name) for name in names}
    fields[field] = value
    with pytest.raises(ValueError, match=problem):
        CityDataset(**fields)


def test_load_names_the_file_of_a_bad_dataset(tmp_path: Path):
    """Loading a missing, corrupt or invalid file raises InputError naming the file."""
    with pytest.raises(InputError, match=re.escape("missing.npz")):
        CityDataset.load(tmp_path / "missing.npz")

    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"not a zip file")
    with pytest.raises(InputError, match=re.escape("corrupt.npz")):
        CityDataset.load(corrupt)

    partial = tmp_path / "partial.npz"
    np.savez(partial, name=np.array("x"), lonlat=np.zeros((2, 2)))
    with pytest.raises(InputError, match=r"partial\.npz.*missing arrays xy, distance"):
        CityDataset.load(partial)

    city = _small_dataset()
    bad = tmp_path / "bad.npz"
    np.savez(
        bad,
        name=np.array("x"),
        lonlat=city.lonlat,
        xy=city.xy,
        distance=np.ones((3, 3)),
        duration=city.duration,
        source=np.array(""),
    )
    with pytest.raises(InputError, match=r"bad\.npz.*non-zero diagonal"):
        CityDataset.load(bad)


def test_city_name_strips_osm_suffixes():
    """The city name of an extract is its lower-case file name without .osm/.osm.gz/.osm.pbf."""
    assert city_name("a/Helsinki.osm.pbf") == "helsinki"
    assert city_name("north-bayreuth.osm.gz") == "north-bayreuth"
    assert city_name("x.osm") == "x"
