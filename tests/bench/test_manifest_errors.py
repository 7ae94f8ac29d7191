"""The test-set benchmarks refuse a missing manifest with a one-line error and exit code 2."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("routefinder", ["--policy", "routefinder-n50"]),
        ("road_matrices", []),
    ],
)
def test_missing_manifest_is_refused(benchmark_module, tmp_path, capsys, name, options):
    """No traceback and no output files: the message names the manifest and how to build it."""
    missing = tmp_path / "absent" / "manifest.json"
    out = tmp_path / "table"
    module = benchmark_module(name)
    code = module.main([*options, "--manifest", str(missing), "--out", str(out)])
    assert code == 2
    error = capsys.readouterr().err
    assert str(missing) in error and "vrpsolve generate test-sets" in error
    assert not list(tmp_path.glob("table*"))
