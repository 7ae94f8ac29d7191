"""Declared solver options: what each solver accepts, and the check that converts them.

A solver lists its options in its ``options`` class attribute; :func:`check_options` turns the
caller's options (Python values, or the strings the command line gives) into the declared types,
fills in the defaults of the missing ones, and refuses anything else with one line that names the
solver and its valid keys.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vrpsolve.core.errors import InvalidOptionError

if TYPE_CHECKING:
    from vrpsolve.core.solver import Solver

OptionType = type[int] | type[float] | type[bool] | type[str]

_TYPE_WORDS: dict[type, str] = {int: "an integer", float: "a number", bool: "true or false"}
_TYPE_NAMES: dict[type, str] = {int: "int", float: "float", bool: "bool", str: "str"}


@dataclass(frozen=True)
class SolverOption:
    """One option a solver accepts.

    ``default`` is used when the caller leaves the option out; ``None`` means "not set", and
    ``help`` then says what the solver does instead (e.g. "default: the policy's"). ``choices``
    restricts the values, ``minimum`` bounds a number from below.
    """

    name: str
    type: OptionType
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    minimum: int | float | None = None

    def __post_init__(self) -> None:
        if self.type not in _TYPE_NAMES:
            raise TypeError(f"option {self.name!r}: type must be int, float, bool or str")
        if "\n" in self.help or not self.help.strip():
            raise ValueError(f"option {self.name!r}: help must be one non-empty line")

    @property
    def type_name(self) -> str:
        """The type's name as listings show it: ``int``, ``float``, ``bool`` or ``str``."""
        return _TYPE_NAMES[self.type]

    def describe(self) -> str:
        """What a valid value is, for error messages: "an integer >= 1", "one of a, b"."""
        if self.choices is not None:
            return "one of " + ", ".join(str(choice) for choice in self.choices)
        words = _TYPE_WORDS.get(self.type, "text")
        return words if self.minimum is None else f"{words} >= {self.minimum:g}"

    def convert(self, value: Any) -> Any:
        """``value`` as the declared type; ``ValueError`` if it is not a valid value.

        ``None`` stands for "not set" and is accepted where it is the default.
        """
        if value is None and self.default is None:
            return None
        converted = _as_type(self.type, value)
        if self.choices is not None and converted not in self.choices:
            raise ValueError
        if self.minimum is not None and converted < self.minimum:
            raise ValueError
        return converted


def _as_type(kind: OptionType, value: Any) -> Any:
    """Convert a Python value or command-line text to ``kind``, refusing lossy conversions."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ValueError
    if isinstance(value, bool):  # True is an int to Python, never a number option here
        raise ValueError
    if kind is int:
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            return int(value.strip())
        raise ValueError
    if kind is float:
        number = float(value.strip()) if isinstance(value, str) else value
        if not isinstance(number, int | float) or not math.isfinite(number):
            raise ValueError
        return float(number)
    if isinstance(value, str | os.PathLike):  # a policy may be given as a Path
        return os.fspath(value)
    raise ValueError


def check_options(solver: Solver | type[Solver], options: Mapping[str, Any]) -> dict[str, Any]:
    """The options converted to the solver's declared types, with defaults for missing ones.

    Strings (as the command line gives them) are converted: ``"true"``/``"false"`` for a bool,
    ``"3"`` for an int, ``"0.5"`` for a float; a Python int is accepted for a float option.
    Checking already-checked options returns them unchanged.

    Raises
    ------
    InvalidOptionError
        For a key the solver does not declare (every key, for a solver without options), or a
        value of the wrong type, outside the choices or below the minimum.
    """
    declared = {option.name: option for option in solver.options}
    checked: dict[str, Any] = {}
    for key, value in options.items():
        option = declared.get(key)
        if option is None:
            valid = ", ".join(declared) if declared else "none (it takes no options)"
            raise InvalidOptionError(
                f"solver {solver.name!r} has no option {key!r}; its options: {valid}"
            )
        try:
            checked[key] = option.convert(value)
        except (TypeError, ValueError):
            raise InvalidOptionError(
                f"option {key!r} of {solver.name!r} must be {option.describe()}, got {value!r}"
            ) from None
    for name, option in declared.items():
        checked.setdefault(name, option.default)
    return checked


MAX_SEED = 2**32 - 1
"""The largest seed: every engine takes an unsigned 32-bit seed (PyVRP's is one)."""


def check_seed(seed: int) -> int:
    """``seed`` if it is an integer from 0 to :data:`MAX_SEED`; ``ValueError`` naming it
    otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    return seed
