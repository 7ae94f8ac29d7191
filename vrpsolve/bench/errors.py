"""The error raised for a benchmark that cannot start: bad solvers, instances or budgets."""

from __future__ import annotations


class BenchInputError(ValueError):
    """A benchmark set-up the caller must fix; the message is one line naming the problem."""
