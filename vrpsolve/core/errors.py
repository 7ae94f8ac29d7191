"""Errors raised for bad input: a file (naming it, and the line or field), or a solver choice."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input data (an instance or solution file, or instance fields).

    The message reads ``FILE:LINE: problem`` (or ``FILE: problem`` when no line applies), so the
    command line can print it as the one line a user needs.
    """

    def __init__(self, problem: str, path: str | Path | None = None, line: int | None = None):
        self.problem = problem
        self.path = None if path is None else str(path)
        self.line = line
        where = self.path or "<input>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {problem}")


class UnknownSolverError(ValueError):
    """Raised for a solver name that is not registered."""


class MissingDependencyError(ImportError):
    """A solver whose engine is not installed; the message is one line naming the missing module
    and the ``pip install`` that brings it."""


class UnsupportedInstanceError(ValueError):
    """Raised when a solver cannot model an instance; the message names solvers that can."""


class InvalidOptionError(ValueError):
    """A solver option the solver does not declare, or a value it cannot take.

    The message is one line naming the solver, the bad key or value, and the valid keys or
    values, so the command line can print it as it is.
    """
