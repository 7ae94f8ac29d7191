"""The family descriptor: the one place a problem family declares itself.

vrpsolve solves five problem families (vehicle routing, flow admission, packet routing,
nearest-neighbour graph search and path queries). Each family's package holds one
:class:`Family` value, in its ``family`` module, that says everything the rest of vrpsolve needs
to know about it: its instance and solution types, its instance file formats and how to
recognise them, its solution files, its evaluator (the one judge of every answer), the name and
direction of its objective, the fields of its result record and its table columns, how ``info``
describes an instance, its solvers in the order ``auto`` tries them, and its generator.
:func:`vrpsolve.solve`, :mod:`vrpsolve.io`, the report, the command and the benchmark dispatch
through the descriptor (see :mod:`vrpsolve.core.registry`), so a new family is one new package
plus one descriptor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class InstanceFormat:
    """An instance file format of a family.

    Attributes
    ----------
    name
        The format's name, unique over every family (``--instance-format`` takes it).
    read
        Reads a file into an instance; raises :class:`~vrpsolve.core.errors.InputError`
        naming the file (and line or field) on any problem.
    write
        Writes an instance to a file atomically, where the format can be written.
    """

    name: str
    read: Callable[[Path], Any]
    write: Callable[[Any, Path], None] | None = None


@dataclass(frozen=True)
class Family:
    """A problem family as the rest of vrpsolve sees it.

    Attributes
    ----------
    name
        Short identifier (``routing``, ``flow_admission``, ...), as solvers name their family.
    title
        What a person calls it, for ``info`` and tables.
    instance_type, solution_type
        The instance class and the class of a solver's answer (for packet routing a routing
        policy).
    evaluate
        The judge: ``evaluate(instance, solution, seed)`` returns an evaluation with
        ``feasible``, ``objective`` and ``violations``. Only packet routing uses the seed (the
        simulated traffic); the other judges are deterministic and ignore it.
    objective
        The record field that holds the objective (``cost``, ``recall_at_1``, ...).
    minimise
        Whether a lower objective is better.
    formats
        Instance file formats, in the order :attr:`detect` is tried.
    detect
        ``detect(path, head)`` names the format of a file of this family, or ``None`` when the
        file is not one of the family's; ``head`` is the file's first bytes as text (undecodable
        bytes replaced). It never raises.
    solution_suffixes
        File suffixes of the family's solution files; ``--sol-dir`` writes the first.
    read_solution
        ``read_solution(path, instance)``; ``InputError`` naming the file on any problem.
    write_solution
        ``write_solution(solution, path, evaluation)`` writes atomically; the evaluation (may be
        ``None``) lets a format record the objective beside the answer.
    record
        ``record(instance_name, solution, evaluation)`` is the evaluator's verdict as a
        JSON-ready dict: always ``instance``, :attr:`objective`, ``feasible`` and ``violations``
        (each with ``kind`` and ``message``), plus the family's own fields.
    columns
        Fields of a solve record shown in a table, in order.
    describe
        ``describe(instance)`` gives the lines ``vrpsolve info`` prints, as label -> text.
    size
        ``size(instance)``: the instance's size as tables report it (nodes; vectors for graph
        search).
    solvers
        Registered solver names to ``"module:Class"`` paths (imported only when used), in the
        order ``auto`` tries them.
    choose
        ``choose(instance, capable, time_limit)`` picks ``auto``'s solver among ``capable`` (the
        available solvers that model the instance, in :attr:`solvers` order); ``None`` takes the
        first of them. ``time_limit`` is the run's budget in seconds, ``None`` for the default.
    generator
        ``"module:function"`` of the family's seeded instance generator, for the docs and the
        ``generate`` command.
    diagnose
        ``diagnose(instance)`` names what in the data makes every solution infeasible (each
        reason a proof), consulted when a solve finds no feasible solution; ``None`` for a
        family without such checks.
    plot
        ``plot(instance, solution, path)`` draws a solution to a PNG file, where the family
        has a picture (``vrpsolve solve --plot-dir``); ``None`` otherwise.
    """

    name: str
    title: str
    instance_type: type
    solution_type: type
    evaluate: Callable[[Any, Any, int], Any]
    objective: str
    minimise: bool
    formats: tuple[InstanceFormat, ...]
    detect: Callable[[Path, str], str | None]
    solution_suffixes: tuple[str, ...]
    read_solution: Callable[[Path, Any], Any]
    write_solution: Callable[[Any, Path, Any], None]
    record: Callable[[str, Any, Any], dict[str, Any]]
    columns: tuple[str, ...]
    describe: Callable[[Any], dict[str, str]]
    size: Callable[[Any], int]
    solvers: Mapping[str, str]
    generator: str
    choose: Callable[[Any, Sequence[str], float | None], str] | None = field(default=None)
    diagnose: Callable[[Any], tuple[str, ...]] | None = field(default=None)
    plot: Callable[[Any, Any, Path], None] | None = field(default=None)

    def format_named(self, name: str) -> InstanceFormat | None:
        """The family's format of that name, or ``None``."""
        return next((f for f in self.formats if f.name == name), None)

    def better(self, a: float, b: float) -> bool:
        """Whether objective ``a`` is strictly better than ``b`` in this family's direction."""
        return a < b if self.minimise else a > b

    def gap(self, value: float, reference: float) -> float | None:
        """How much worse ``value`` is than ``reference``, in percent of ``|reference|``.

        Positive means worse whatever the direction; ``None`` when the reference is zero.
        """
        if reference == 0:
            return None
        worse = value - reference if self.minimise else reference - value
        return 100.0 * worse / abs(reference)


def violation_records(evaluation: Any, *extra: str) -> list[dict[str, Any]]:
    """An evaluation's violations as dicts of ``kind``, ``message`` and the named fields."""
    if evaluation is None:
        return []
    return [
        {"kind": v.kind, "message": v.message, **{key: getattr(v, key) for key in extra}}
        for v in evaluation.violations
    ]


def rounded(value: Any, digits: int = 4) -> Any:
    """A float rounded for a record (other values as given)."""
    return round(value, digits) if isinstance(value, float) else value
