"""Option checks shared by the subcommands: bad values become one-line errors (exit code 2)."""

from __future__ import annotations

from typing import Any


class BadInput(Exception):
    """A user error the command reports in one line with exit code 2."""


def positive(value: int, option: str) -> int:
    """``value`` if it is at least 1; BadInput naming the option otherwise."""
    if value < 1:
        raise BadInput(f"{option} must be at least 1, got {value}")
    return value


def split_option(text: str, option: str, kind: type[float] | type[int] | type[str]) -> list[Any]:
    """The comma-separated values of an option, converted; BadInput names the bad one."""
    values = []
    for item in text.split(","):
        try:
            values.append(kind(item.strip()))
        except ValueError:
            raise BadInput(f"{option}: {item.strip()!r} is not a {kind.__name__}") from None
    if not all(str(v) for v in values):
        raise BadInput(f"{option}: empty value in {text!r}")
    return values


def solver_options(pairs: list[str] | None) -> dict[str, str]:
    """``--option KEY=VALUE`` pairs as solver options, values as text.

    The solver's declared options convert them (:func:`vrpsolve.core.options.check_options`), so
    ``samples=8`` is an int for one solver and ``policy=8`` a name for another.
    """
    options: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip() or not text.strip():
            raise BadInput(f"--option: expected KEY=VALUE, got {pair!r}")
        options[key.strip()] = text.strip()
    return options
