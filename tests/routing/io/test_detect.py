"""Tests for format detection and the read_instance/write_instance dispatch."""

from __future__ import annotations

import pytest
from io_testdata import DATA, INSTANCES

from vrpsolve.core.errors import InputError
from vrpsolve.routing.io import FORMATS, detect_format, read_instance, write_instance

ORTEC = INSTANCES / "real" / "ORTEC-VRPTW-ASYM-cc05bba4-d1-n200-k15.txt"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (INSTANCES / "cvrp" / "X-n101-k25.vrp", "vrplib"),
        (INSTANCES / "vrptw" / "R101.txt", "solomon"),
        (INSTANCES / "tsp" / "a280.tsp", "tsplib"),
        (INSTANCES / "atsp" / "br17.atsp", "atsp"),
        (ORTEC, "ortec"),
    ],
    ids=lambda v: getattr(v, "name", v),
)
def test_detect_by_extension_and_content(path, expected):
    """Formats are detected from the extension, and from the content for .txt files."""
    assert detect_format(path) == expected
    assert expected in FORMATS


def test_detect_by_content_without_extension(tmp_path):
    """A file with an unknown extension is recognised by its TYPE line."""
    target = tmp_path / "br17.data"
    target.write_text((INSTANCES / "atsp" / "br17.atsp").read_text())
    assert detect_format(target) == "atsp"


def test_forced_format(tmp_path):
    """format= overrides detection (an ORTEC file read as plain VRPLIB)."""
    assert read_instance(ORTEC, format="vrplib").num_nodes == 201


def test_unknown_format_name():
    """An unknown format name is an InputError naming the file."""
    with pytest.raises(InputError, match="unknown format 'csv'"):
        read_instance(DATA / "vrpb.vrp", format="csv")


def test_unrecognised_content(write_file):
    """Content that matches no format is reported."""
    with pytest.raises(InputError, match=r"x\.txt: cannot recognise"):
        detect_format(write_file("x.txt", "hello\nworld\n"))


def test_write_unknown_format(tmp_path):
    """write_instance rejects an unknown format."""
    with pytest.raises(ValueError, match="cannot write format"):
        write_instance(read_instance(DATA / "vrpb.vrp"), tmp_path / "a", format="csv")
