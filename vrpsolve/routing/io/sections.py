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
from vrpsolve.routing.model import MAX_NODES


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

    def spec_numbers(self, key: str, *, unlimited: bool = False) -> list[float] | None:
        """The whitespace-separated numbers of a specification, or ``None`` when absent; finite,
        or ``+inf`` too where ``unlimited`` (see :func:`vrpsolve.core.files.to_number`)."""
        entry = self.specs.get(key)
        if entry is None:
            return None
        tokens = entry.value.split()
        if not tokens:
            raise InputError(f"{key} has no value", self.path, entry.line)
        return [to_number(t, self.path, entry.line, key, unlimited=unlimited) for t in tokens]

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
        """The ``DIMENSION`` specification, which must be present, positive and at most
        :data:`~vrpsolve.routing.model.MAX_NODES`."""
        value = self.count("DIMENSION")
        if value is None:
            raise InputError("missing DIMENSION specification", self.path)
        return value

    def count(self, key: str) -> int | None:
        """A count specification (``DIMENSION``, ``VEHICLES``), an integer in ``1..MAX_NODES``,
        or ``None`` when absent."""
        value = self.spec_int(key)
        if value is None:
            return None
        if value < 1:
            raise InputError(f"{key} must be positive, got {value}", self.path, self.spec_line(key))
        if value > MAX_NODES:
            raise InputError(
                f"{key} {value} exceeds the maximum of {MAX_NODES}", self.path, self.spec_line(key)
            )
        return value

    # -- sections --------------------------------------------------------------------------------
    def section(self, name: str) -> Section | None:
        """A section by its full name (``"DEMAND_SECTION"``), or ``None`` when absent."""
        return self.sections.get(name)

    def per_node(
        self, name: str, n: int, width: int, unlimited: Collection[int] = ()
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
        unlimited
            The value columns (0-based) that may be ``+inf``; every other value must be finite.

        Returns
        -------
        tuple or None
            The ``n x width`` array and the line number of each row, or ``None`` if absent. The
            array is built once the section has proven to hold ``n`` rows.
        """
        section = self.sections.get(name)
        if section is None:
            return None
        rows: dict[int, tuple[list[float], int]] = {}
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
            if index in rows:
                raise InputError(f"{name}: index {index} appears twice", self.path, row.line)
            values = [
                to_number(token, self.path, row.line, name, unlimited=k in unlimited)
                for k, token in enumerate(row.tokens[1:])
            ]
            rows[index] = (values, row.line)
        if len(rows) < n:
            missing = next(i for i in range(1, n + 1) if i not in rows)
            raise InputError(
                f"{name} is truncated: it has {len(rows)} of {n} rows (index {missing} is missing)",
                self.path,
                section.line,
            )
        ordered = [rows[i] for i in range(1, n + 1)]
        array = np.array([values for values, _ in ordered], dtype=np.float64).reshape(n, width)
        return array, [line for _, line in ordered]

    def numbers(self, name: str, count: int) -> list[float]:
        """Exactly ``count`` numbers from a section read as a token stream (rows may wrap); each
        a number or ``+inf`` (the diagonal "infinity" of a TSPLIB matrix)."""
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
            values.append(to_number(token, self.path, line, name, unlimited=True))
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
