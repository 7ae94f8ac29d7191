"""Behaviour does not drift: every solver gives the recorded status and objective on the sample."""

from __future__ import annotations

from regression_sample import EXPECTED, read_rows, run_sample


def test_every_solver_reproduces_the_recorded_table():
    """Each (instance, solver) of the regression sample (seed 3, one thread) ends with the
    status and objective recorded in tests/data/regression/expected.csv."""
    expected = {(r["instance"], r["solver"]): r for r in read_rows(EXPECTED)}
    actual = {(r["instance"], r["solver"]): r for r in run_sample()}
    assert actual.keys() == expected.keys()
    changed = [
        f"{key}: {expected[key]['status']} {expected[key]['objective']} -> "
        f"{actual[key]['status']} {actual[key]['objective']}"
        for key in expected
        if actual[key] != expected[key]
    ]
    assert not changed, "\n".join(changed)
