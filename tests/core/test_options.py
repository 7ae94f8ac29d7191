"""Declared solver options: conversion, defaults and the one-line errors of check_options."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from vrpsolve.core.errors import InvalidOptionError
from vrpsolve.core.options import SolverOption, check_options
from vrpsolve.core.registry import get_solver, solver_names
from vrpsolve.core.solver import Solver, SolverOutput


class Toy(Solver):
    """A solver declaring one option of each kind."""

    name: ClassVar[str] = "toy"
    summary: ClassVar[str] = "test double"
    supported_attributes: ClassVar[frozenset[str]] = frozenset()
    options = (
        SolverOption("width", int, 32, "beam width", minimum=1),
        SolverOption("ratio", float, 0.5, "a share", minimum=0),
        SolverOption("shaping", bool, True, "penalise loops"),
        SolverOption("mode", str, "arc", "formulation", choices=("arc", "path")),
        SolverOption("limit", int, None, "stop after this many (default: no bound)"),
    )

    def run(self, instance: Any, *, time_limit: float, seed: int, **options: Any) -> SolverOutput:
        """Nothing to do."""
        return SolverOutput(None)


class Bare(Toy):
    """A solver declaring no options."""

    name: ClassVar[str] = "bare"
    options = ()


DEFAULTS = {"width": 32, "ratio": 0.5, "shaping": True, "mode": "arc", "limit": None}


def test_missing_options_get_their_declared_defaults():
    """No options given: every declared option comes back with its default."""
    assert check_options(Toy, {}) == DEFAULTS


def test_command_line_text_is_converted_to_the_declared_types():
    """Strings as the command line gives them become int, float, bool and str."""
    given = {"width": "8", "ratio": "0.25", "shaping": "False", "mode": "path", "limit": "3"}
    checked = check_options(Toy(), given)
    assert checked == {"width": 8, "ratio": 0.25, "shaping": False, "mode": "path", "limit": 3}
    assert type(checked["width"]) is int and type(checked["ratio"]) is float


def test_python_values_pass_and_an_int_is_accepted_for_a_float():
    """Typed values are kept; an int for a float option becomes a float; checking is idempotent."""
    checked = check_options(Toy, {"ratio": 1, "shaping": False, "width": 4})
    assert checked["ratio"] == 1.0 and type(checked["ratio"]) is float
    assert check_options(Toy, checked) == checked


def test_an_unknown_key_names_the_solver_and_its_valid_keys():
    """An undeclared key raises InvalidOptionError (a ValueError) listing the declared keys."""
    with pytest.raises(InvalidOptionError) as caught:
        check_options(Toy, {"foo": "bar"})
    message = str(caught.value)
    assert isinstance(caught.value, ValueError) and "\n" not in message
    assert "'toy'" in message and "'foo'" in message
    assert "width, ratio, shaping, mode, limit" in message


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("width", "x", "must be an integer >= 1, got 'x'"),
        ("width", 2.5, "must be an integer >= 1, got 2.5"),
        ("width", True, "must be an integer >= 1, got True"),
        ("ratio", "half", "must be a number >= 0, got 'half'"),
        ("ratio", "nan", "must be a number >= 0, got 'nan'"),
        ("shaping", "yes", "must be true or false, got 'yes'"),
        ("shaping", 1, "must be true or false, got 1"),
        ("mode", 3, "must be one of arc, path, got 3"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(key, value, expected):
    """A value that does not convert to the declared type names the option, solver and value."""
    with pytest.raises(InvalidOptionError, match=f"option '{key}' of 'toy' {expected}$"):
        check_options(Toy, {key: value})


def test_a_value_outside_the_choices_is_refused():
    """A string not among the choices is refused with the valid choices."""
    with pytest.raises(InvalidOptionError, match="'mode' of 'toy' must be one of arc, path"):
        check_options(Toy, {"mode": "flow"})


@pytest.mark.parametrize(("key", "value"), [("width", "0"), ("width", -3), ("ratio", "-0.1")])
def test_a_number_below_the_minimum_is_refused(key, value):
    """Numbers below the declared minimum are refused; the minimum itself is accepted."""
    with pytest.raises(InvalidOptionError, match=">= "):
        check_options(Toy, {key: value})
    assert check_options(Toy, {"width": "1", "ratio": 0})["width"] == 1


def test_a_solver_without_options_refuses_every_key():
    """With no declared options any key is refused, and the message says there are none."""
    assert check_options(Bare, {}) == {}
    with pytest.raises(InvalidOptionError, match=r"'bare' has no option 'width'.*no options"):
        check_options(Bare, {"width": 8})


def test_declarations_reject_unknown_types_and_multi_line_help():
    """A declaration needs one of the four types and a one-line help."""
    with pytest.raises(TypeError):
        SolverOption("when", list, None, "a list")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SolverOption("width", int, 1, "two\nlines")


def test_every_registered_declaration_checks_its_own_defaults():
    """Each solver's declared defaults pass its own check (names unique, defaults valid)."""
    for name in solver_names():
        solver = get_solver(name)
        names = [option.name for option in solver.options]
        assert len(names) == len(set(names)), name
        defaults = {option.name: option.default for option in solver.options}
        assert check_options(solver, defaults) == defaults, name
