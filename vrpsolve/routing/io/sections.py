"""The keyword/section layout shared by TSPLIB, CVRPLIB, PyVRP's VRPLIB dialect and ORTEC files.

A file is a list of specifications (``KEY : value`` lines) and data sections (a ``NAME_SECTION``
line followed by rows of tokens), optionally ended by ``EOF``. This module splits a file into
those parts, keeping line numbers, and turns sections into arrays with the size checks every
reader needs (truncated sections, a DIMENSION that disagrees with the data, non-numeric tokens).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vrpsolve.core.errors import InputError
from vrpsolve.core.files import read_text, to_int, to_number


@dataclass(frozen=True)
class Spec:
    """One ``KEY : value`` line."""

    key: str
    value: str
    line: int


@dataclass(frozen=True)
class Row:
    """One data line of a section: its tokens and line number."""

    line: int
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A ``NAME_SECTION`` block: its name (with the ``_SECTION`` suffix), header line and rows."""

    name: str
    line: int
    rows: tuple[Row, ...]

    def tokens(self) -> Iterator[tuple[str, int]]:
        """Every token of the section with its line number, in file order."""
        for row in self.rows:
            for token in row.tokens:
                yield token, row.line


@dataclass
class KeywordFile:
    """A parsed keyword/section file."""

    path: Path
    specs: dict[str, Spec] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)

    # -- specifications --------------------------------------------------------------------------
    def spec(self, key: str) -> str | None:
        """The value of a specification, or ``None`` when absent."""
        entry = self.specs.get(key)
        return None if entry is None else entry.value

    def spec_line(self, key: str) -> int | None:
        """Line number of a specification, or ``None`` when absent."""
        entry = self.specs.get(key)
        return None if entry is None else entry.line

    def spec_numbers(self, key: str) -> list[float] | None:
        """The whitespace-separated numbers of a specification, or ``None`` when absent."""
        entry = self.specs.get(key)
        if entry is None:
            return None
        tokens = entry.value.split()
        if not tokens:
            raise InputError(f"{key} has no value", self.path, entry.line)
        return [to_number(t, self.path, entry.line, key) for t in tokens]

    def spec_int(self, key: str) -> int | None:
        """A single integer specification, or ``None`` when absent."""
        entry = self.specs.get(key)
        if entry is None:
            return None
        return to_int(entry.value.strip(), self.path, entry.line, key)

    def name(self) -> str:
        """The ``NAME`` specification's first word, else the file name without extension."""
        words = (self.spec("NAME") or "").split()
        return words[0] if words else self.path.stem

    def dimension(self) -> int:
        """The ``DIMENSION`` specification, which must be present and positive."""
        value = self.spec_int("DIMENSION")
        if value is None:
            raise InputError("missing DIMENSION specification", self.path)
        if value < 1:
            raise InputError(
                f"DIMENSION must be positive, got {value}", self.path, self.spec_line("DIMENSION")
            )
        return value

    # -- sections --------------------------------------------------------------------------------
    def section(self, name: str) -> Section | None:
        """A section by its full name (``"DEMAND_SECTION"``), or ``None`` when absent."""
        return self.sections.get(name)

    def per_node(
        self, name: str, n: int, width: int
    ) -> tuple[NDArray[np.float64], list[int]] | None:
        """Read an indexed per-node section (``index v1 .. vk``, 1-based index) into an array.

        Parameters
        ----------
        name
            Section name, e.g. ``"DEMAND_SECTION"``.
        n
            Expected number of rows (``DIMENSION`` or the number of vehicles).
        width
            Number of values after the index.

        Returns
        -------
        tuple or None
            The ``n x width`` array and the line number of each row, or ``None`` if absent.
        """
        section = self.sections.get(name)
        if section is None:
            return None
        values = np.zeros((n, width))
        lines = [section.line] * n
        seen = [False] * n
        for row in section.rows:
            if len(row.tokens) != 1 + width:
                raise InputError(
                    f"{name}: expected an index and {width} value(s) per line, got "
                    f"{len(row.tokens)} token(s)",
                    self.path,
                    row.line,
                )
            index = to_int(row.tokens[0], self.path, row.line, name)
            if not 1 <= index <= n:
                raise InputError(
                    f"{name}: index {index} is out of range 1..{n} (DIMENSION disagrees with "
                    "the data)",
                    self.path,
                    row.line,
                )
            if seen[index - 1]:
                raise InputError(f"{name}: index {index} appears twice", self.path, row.line)
            seen[index - 1] = True
            lines[index - 1] = row.line
            for k, token in enumerate(row.tokens[1:]):
                values[index - 1, k] = to_number(token, self.path, row.line, name)
        if not all(seen):
            missing = seen.index(False) + 1
            raise InputError(
                f"{name} is truncated: it has {sum(seen)} of {n} rows (index {missing} is missing)",
                self.path,
                section.line,
            )
        return values, lines

    def numbers(self, name: str, count: int) -> list[float]:
        """Exactly ``count`` numbers from a section read as a token stream (rows may wrap)."""
        section = self.sections[name]
        values: list[float] = []
        for token, line in section.tokens():
            if len(values) == count:
                raise InputError(
                    f"{name} has more than the {count} values DIMENSION implies (DIMENSION "
                    "disagrees with the data)",
                    self.path,
                    line,
                )
            values.append(to_number(token, self.path, line, name))
        if len(values) < count:
            raise InputError(
                f"{name} is truncated: {len(values)} of {count} values", self.path, section.line
            )
        return values


def parse_keyword_file(
    path: str | Path,
    known_sections: Collection[str],
    unsupported_sections: Collection[str] = (),
) -> KeywordFile:
    """Split a keyword/section file into specifications and sections.

    Parameters
    ----------
    path
        The file.
    known_sections
        Section names the caller understands; any other ``*_SECTION`` raises
        :class:`InputError` naming it and its line.
    unsupported_sections
        Section names of the format that vrpsolve cannot represent; they raise a distinct
        :class:`InputError`.

    Returns
    -------
    KeywordFile
        Specifications and sections with line numbers.
    """
    path = Path(path)
    text = read_text(path)
    result = KeywordFile(path)
    current: str | None = None
    rows: dict[str, list[Row]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "EOF":
            break
        head = line.split()[0].rstrip(":")
        if head.endswith("_SECTION"):
            if head in unsupported_sections:
                raise InputError(f"section {head} is not supported by vrpsolve", path, number)
            if head not in known_sections:
                raise InputError(f"unknown section {head}", path, number)
            if head in result.sections:
                raise InputError(f"section {head} appears twice", path, number)
            result.sections[head] = Section(head, number, ())
            rows[head] = []
            current = head
            extra = line.split(maxsplit=1)[1:] if ":" not in line else []
            if extra:
                rows[head].append(Row(number, tuple(extra[0].split())))
            continue
        if ":" in line and not _is_data(line):
            key, value = line.split(":", 1)
            key = key.strip().upper()
            if key in result.specs:
                raise InputError(f"specification {key} appears twice", path, number)
            result.specs[key] = Spec(key, value.strip(), number)
            current = None
            continue
        if current is None:
            raise InputError(f"unexpected line {line[:40]!r} outside any section", path, number)
        rows[current].append(Row(number, tuple(line.split())))
    for name, section in result.sections.items():
        result.sections[name] = Section(name, section.line, tuple(rows[name]))
    return result


def _is_data(line: str) -> bool:
    """Whether a line holding a colon is still a data row (its first token is a number)."""
    first = line.split()[0]
    try:
        float(first)
    except ValueError:
        return False
    return True
