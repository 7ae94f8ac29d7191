"""Fuzzing every instance reader through :func:`vrpsolve.io.read_instance`.

Seeded mutants of one small file per format (numbers replaced by huge values, NaN, infinities,
negatives or nothing; files truncated; lines deleted, duplicated or swapped; bytes flipped; for
``.npz`` archives, arrays and scalars changed and array headers claiming huge shapes) must each
either read to an instance whose numbers are finite where the model needs them, or raise an
:class:`~vrpsolve.core.errors.InputError` with a one-line message: never another exception, a
``MemoryError`` or a hang. ``VRPSOLVE_FUZZ_MUTANTS`` sets the number of mutants per format (a
few hundred by default; thousands for a search by hand).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import pytest

from vrpsolve.catalog import instances_dir
from vrpsolve.core.errors import InputError
from vrpsolve.flows.model import FlowAdmissionInstance
from vrpsolve.graphs.paths.model import PathQueryInstance
from vrpsolve.graphs.search.model import GraphSearchInstance
from vrpsolve.io import read_instance, write_instance
from vrpsolve.packets.model import PacketNetwork
from vrpsolve.routing.model import RoutingInstance
from vrpsolve_cli.main import main

MUTANTS = int(os.environ.get("VRPSOLVE_FUZZ_MUTANTS", "300"))
"""Mutants per format."""

TIME_LIMIT = 2.0
"""Seconds one read may take."""

INSTANCES = instances_dir()
TESTS = Path(__file__).resolve().parent

SMALL_ORTEC = """NAME : small-ortec
TYPE : VRPTW
DIMENSION : 4
EDGE_WEIGHT_TYPE : EXPLICIT
VEHICLES : 2
EDGE_WEIGHT_FORMAT : FULL_MATRIX
CAPACITY : 10
EDGE_WEIGHT_SECTION
0\t5\t7\t9
5\t0\t3\t6
7\t3\t0\t4
9\t6\t4\t0
NODE_COORD_SECTION
1\t0\t0
2\t3\t4
3\t6\t8
4\t0\t5
DEMAND_SECTION
1\t0
2\t4
3\t5
4\t3
DEPOT_SECTION
1
-1
SERVICE_TIME_SECTION
1\t0
2\t2
3\t2
4\t2
TIME_WINDOW_SECTION
1\t0\t100
2\t0\t50
3\t10\t60
4\t0\t80
EOF
"""


def _solomon(folder: Path) -> Path:
    """C101 cut to its depot and ten customers."""
    lines = (INSTANCES / "vrptw" / "C101.txt").read_text().splitlines()
    start = next(k for k, line in enumerate(lines) if line.strip().startswith("0 "))
    path = folder / "C101-small.txt"
    path.write_text("\n".join(lines[: start + 11]) + "\n")
    return path


def _copy(*names: str) -> Callable[[Path], Path]:
    """A seed maker copying files (the first is read; the others sit beside it)."""

    def make(folder: Path) -> Path:
        copies = [Path(shutil.copy(INSTANCES.parent / name, folder)) for name in names]
        return copies[0]

    return make


def _ortec(folder: Path) -> Path:
    path = folder / "small-ortec.txt"
    path.write_text(SMALL_ORTEC)
    return path


def _routing_json(folder: Path) -> Path:
    path = folder / "mdvrptw.json"
    write_instance(read_instance(TESTS / "data" / "io" / "mdvrptw.vrp"), path, "json")
    return path


SEEDS: dict[str, Callable[[Path], Path]] = {
    "vrplib": _copy("instances/cvrp/E-n13-k4.vrp"),
    "vrplib-fleet": _copy("tests/data/io/hfvrp.vrp"),
    "vrplib-windows": _copy("tests/data/io/mdvrptw.vrp"),
    "vrplib-backhaul": _copy("tests/data/io/vrpb.vrp"),
    "solomon": _solomon,
    "tsplib": _copy("instances/tsp/att48.tsp"),
    "atsp": _copy("instances/atsp/br17.atsp"),
    "ortec": _ortec,
    "routing-json": _routing_json,
    "pfar-json": _copy("tests/data/regression/flows.json"),
    "gml": _copy("instances/network/topologyzoo/Abilene.gml"),
    "graphml": _copy("instances/network/topologyzoo/Abilene.graphml"),
    "sndlib": _copy("instances/network/sndlib/abilene.txt"),
    "tntp": _copy(
        "instances/network/tntp/SiouxFalls_net.tntp",
        "instances/network/tntp/SiouxFalls_node.tntp",
        "instances/network/tntp/SiouxFalls_trips.tntp",
    ),
    "packet-json": _copy("instances/network/boyan-littman-6x6.json"),
    "search-npz": _copy("tests/data/regression/search.npz"),
    "paths-npz": _copy("tests/data/regression/paths.npz"),
}
"""One small file of every format (several for the VRPLIB dialect's sections)."""


# -- text mutations --------------------------------------------------------------------------------
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_HOSTILE = (
    b"1e308",
    b"1e999",
    b"-1e999",
    b"1000000000",
    b"1000000000000",
    b"99999999999999999999",
    b"nan",
    b"NaN",
    b"inf",
    b"-inf",
    b"Infinity",
    b"-Infinity",
    b"-1",
    b"-7.5",
    b"0",
    b"",
    b"1e-320",
    b"x",
)
_HOSTILE_JSON = (*_HOSTILE, b"null", b"true", b'"x"', b"[]", b"{}", b"[[1e999]]")


def _replace_number(data: bytes, rng: np.random.Generator, head: bool) -> bytes:
    """Replace one number (one of the first twenty when ``head``) by a hostile token."""
    found = list(_NUMBER.finditer(data))
    if not found:
        return data
    pick = found[int(rng.integers(min(20, len(found)) if head else len(found)))]
    vocabulary = _HOSTILE_JSON if data.lstrip().startswith(b"{") else _HOSTILE
    token = vocabulary[int(rng.integers(len(vocabulary)))]
    return data[: pick.start()] + token + data[pick.end() :]


def _lines(data: bytes, rng: np.random.Generator, action: str) -> bytes:
    lines = data.splitlines(keepends=True)
    if len(lines) < 2:
        return data
    k = int(rng.integers(len(lines)))
    j = int(rng.integers(len(lines)))
    if action == "delete":
        del lines[k]
    elif action == "duplicate":
        lines.insert(j, lines[k])
    else:
        lines[k], lines[j] = lines[j], lines[k]
    return b"".join(lines)


def _flip(data: bytes, rng: np.random.Generator) -> bytes:
    if not data:
        return data
    k = int(rng.integers(len(data)))
    return data[:k] + bytes([data[k] ^ int(rng.integers(1, 256))]) + data[k + 1 :]


_TEXT_ACTIONS = (
    "number",
    "number",
    "number",
    "head",
    "head",
    "truncate",
    "delete",
    "duplicate",
    "swap",
    "flip",
)
"""Text mutations, replacing numbers weighted up (``head``: one of the first twenty)."""


def _mutate_bytes(data: bytes, rng: np.random.Generator) -> tuple[bytes, str]:
    """One to three random text or byte mutations, and their names."""
    names = []
    for _ in range(int(rng.integers(1, 4))):
        action = _TEXT_ACTIONS[int(rng.integers(len(_TEXT_ACTIONS)))]
        names.append(action)
        if action in ("number", "head"):
            data = _replace_number(data, rng, head=action == "head")
        elif action == "truncate":
            data = data[: int(rng.integers(len(data) + 1))]
        elif action == "flip":
            data = _flip(data, rng)
        else:
            data = _lines(data, rng, action)
    return data, "+".join(names)


# -- .npz mutations -----------------------------------------------------------------------------
_HOSTILE_VALUES = (math.nan, math.inf, -math.inf, 1e308, 2.0**62, -1.0, 0.0, -(2.0**62))


def _mutate_arrays(arrays: dict[str, Any], rng: np.random.Generator) -> str:
    """Change one array or scalar of an archive in place; the change's name."""
    if not arrays:
        return "none"
    key = str(rng.choice(sorted(arrays)))
    value = np.asarray(arrays[key])
    action = str(rng.choice(["element", "element", "scalar", "shape", "dtype", "drop"]))
    if action == "drop":
        del arrays[key]
    elif action == "dtype":
        dtype = (np.float32, np.int8, np.bool_, np.str_)[int(rng.integers(4))]
        try:
            with np.errstate(invalid="ignore"):
                arrays[key] = value.astype(dtype)
        except (ValueError, OverflowError):  # a string that is no number, or too large
            arrays[key] = np.asarray(value, dtype=np.str_)
    elif action == "shape":
        choice = int(rng.integers(4))
        if choice == 0:
            arrays[key] = value.reshape(-1)[:-1] if value.size else np.zeros(3)
        elif choice == 1:
            arrays[key] = value.T if value.ndim == 2 else value.reshape(1, -1)
        elif choice == 2:
            arrays[key] = np.zeros((0, *value.shape[1:]), dtype=value.dtype)
        else:
            arrays[key] = np.concatenate([value, value]) if value.ndim else value[None]
    else:
        hostile = _HOSTILE_VALUES[int(rng.integers(len(_HOSTILE_VALUES)))]
        integral = math.isfinite(hostile) and abs(hostile) < 2.0**63
        whole = action == "scalar" or value.size == 0 or value.dtype.kind not in "iuf"
        if whole:
            arrays[key] = np.int64(hostile) if integral else np.float64(hostile)
        else:
            kind = np.int64 if integral and value.dtype.kind in "iu" else np.float64
            value = value.astype(kind)
            value.reshape(-1)[int(rng.integers(value.size))] = hostile
            arrays[key] = value
    return f"{action}:{key}"


def _huge_header(path: Path, rng: np.random.Generator) -> None:
    """Rewrite an archive so that one array's header claims a huge shape; its data stay small
    and its checksum right, so only the header gives it away."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    shaped = [name for name, data in members.items() if re.search(rb"'shape': \(\d", data)]
    if not shaped:
        return
    name = shaped[int(rng.integers(len(shaped)))]
    data = members[name]
    match = re.search(rb"'shape': \((\d+)", data)
    assert match is not None
    huge = str(int(rng.choice([10**9, 10**12, 2**40]))).encode()
    grow = len(huge) - len(match.group(1))
    newline = data.index(b"\n", match.end())
    if newline - len(data[:newline].rstrip(b" ")) <= grow:  # no padding to take it from
        return
    members[name] = (
        data[: match.start(1)] + huge + data[match.end(1) : newline - grow] + data[newline:]
    )
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)


def _mutant(seed_path: Path, target: Path, rng: np.random.Generator) -> str:
    """Write one mutant of ``seed_path`` to ``target``; the mutation's name."""
    if seed_path.suffix != ".npz":
        data, name = _mutate_bytes(seed_path.read_bytes(), rng)
        target.write_bytes(data)
        return name
    with np.load(seed_path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    names = [_mutate_arrays(arrays, rng) for _ in range(int(rng.integers(1, 3)))]
    np.savez(target, **arrays)
    raw = rng.integers(4)
    if raw == 0:
        _huge_header(target, rng)
        names.append("huge-header")
    elif raw == 1:
        data = target.read_bytes()
        target.write_bytes(_flip(data, rng) if rng.integers(2) else data[: rng.integers(len(data))])
        names.append("bytes")
    return "+".join(names)


# -- the oracle --------------------------------------------------------------------------------
class _Hang(BaseException):
    """Raised by the timer (a BaseException, so that no reader's ``except Exception`` hides it)."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise _Hang

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _finite(values: Any) -> bool:
    return bool(np.isfinite(np.asarray(values, dtype=np.float64)).all())


def _not_nan(values: Any) -> bool:
    return not bool(np.isnan(np.asarray(values, dtype=np.float64)).any())


def non_finite(instance: Any) -> str | None:
    """The first field of ``instance`` whose numbers the model needs finite but are not."""
    checks: list[tuple[str, bool]] = []
    if isinstance(instance, RoutingInstance):
        checks += [
            (name, _finite(getattr(instance, name)))
            for name in ("distance", "duration", "delivery", "pickup", "service_times")
        ]
        checks.append(("coords", instance.coords is None or _finite(instance.coords)))
        windows = instance.time_windows
        if windows is not None:
            checks.append(("time window start", _finite(windows[:, 0])))
            checks.append(("time window end", _not_nan(windows[:, 1])))
        for vt in instance.vehicle_types:
            checks.append(("fixed_cost", _finite(vt.fixed_cost)))
            checks += [
                (name, _not_nan(getattr(vt, name)))
                for name in ("capacity", "max_distance", "max_duration")
            ]
    elif isinstance(instance, FlowAdmissionInstance):
        checks += [
            ("link capacity", _not_nan(instance.capacities())),
            ("link delay", _finite(instance.delays())),
            ("flow demand", _finite([f.demand for f in instance.flows])),
            ("flow priority", _finite([f.priority for f in instance.flows])),
            ("max_delay", _finite([f.max_delay or 0.0 for f in instance.flows])),
        ]
    elif isinstance(instance, PacketNetwork):
        checks += [
            ("link latency", _finite(instance.link_latencies())),
            ("traffic", _finite([instance.traffic.load, instance.traffic.packet_size])),
            ("duration", _finite([instance.duration, instance.warmup])),
            ("coordinates", instance.coordinates is None or _finite(instance.coordinates)),
        ]
    elif isinstance(instance, GraphSearchInstance):
        checks.append(("vectors", _finite(instance.base) and _finite(instance.queries)))
    elif isinstance(instance, PathQueryInstance):
        checks.append(("lengths", _finite(instance.lengths) and _finite(instance.coordinates)))
    else:
        return f"unexpected instance type {type(instance).__name__}"
    return next((name for name, ok in checks if not ok), None)


def judge(path: Path) -> str | None:
    """What is wrong with reading ``path`` (``None`` when the reader behaved)."""
    start = time.perf_counter()
    try:
        with _time_limit(TIME_LIMIT):
            instance = read_instance(path)
    except _Hang:
        return f"hang: still reading after {TIME_LIMIT} s"
    except InputError as error:
        if "\n" in str(error):
            return f"InputError of several lines: {str(error)!r}"
        instance = None
    except MemoryError:
        return "MemoryError"
    except Exception as error:  # anything else is a bug the fuzzing is for
        return f"{type(error).__name__}: {str(error)[:200]}"
    elapsed = time.perf_counter() - start
    if elapsed > TIME_LIMIT:
        return f"slow: {elapsed:.1f} s"
    return None if instance is None else non_finite(instance)


def fuzz(name: str, folder: Path, count: int, seed: int = 0) -> list[str]:
    """Read ``count`` mutants of format ``name``'s seed; one line per misbehaving mutant."""
    originals = folder / "seed"
    originals.mkdir(parents=True)
    seed_path = SEEDS[name](originals)
    companions = sorted(p for p in originals.iterdir() if p != seed_path)
    work = folder / "mutant"
    work.mkdir()
    assert judge(seed_path) is None and read_instance(seed_path) is not None
    failures = []
    for k in range(count):
        rng = np.random.default_rng([seed, k])
        for other in companions:
            shutil.copy(other, work / other.name)
        victim = seed_path
        if companions and rng.integers(2):
            victim = companions[int(rng.integers(len(companions)))]
        target = work / seed_path.name
        if victim != seed_path:
            shutil.copy(seed_path, target)
        mutation = _mutant(victim, work / victim.name, rng)
        problem = judge(target)
        if problem is not None:
            failures.append(f"{name} mutant {k} ({victim.name}: {mutation}): {problem}")
    return failures


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_mutants_read_cleanly(name: str, tmp_path: Path) -> None:
    """Every mutant reads to a finite instance or raises a one-line InputError, in time."""
    failures = fuzz(name, tmp_path, MUTANTS)
    assert not failures, f"{len(failures)} of {MUTANTS} mutants misbehave:\n" + "\n".join(
        failures[:20]
    )


# -- the command on the nastiest files --------------------------------------------------------
def _edit(source: Path, old: str, new: str) -> Callable[[Path], Path]:
    """A maker of a copy of ``source`` with ``old`` replaced by ``new``."""

    def make(folder: Path) -> Path:
        text = source.read_text()
        assert old in text
        path = folder / source.name
        path.write_text(text.replace(old, new, 1))
        return path

    return make


def _huge_npz(folder: Path) -> Path:
    path = Path(shutil.copy(TESTS / "data" / "regression" / "paths.npz", folder))
    _huge_header(path, np.random.default_rng(0))
    return path


NASTY: dict[str, tuple[Callable[[Path], Path], str]] = {
    "fleet": (
        _edit(TESTS / "data" / "io" / "mdvrptw.vrp", "VEHICLES : 4", "VEHICLES : 1000000000"),
        "mdvrptw.vrp:5: VEHICLES 1000000000 exceeds the maximum of 10000",
    ),
    "dimension": (
        _edit(INSTANCES / "cvrp" / "X-n101-k25.vrp", "DIMENSION : \t101", "DIMENSION : 10000000"),
        "X-n101-k25.vrp:4: DIMENSION 10000000 exceeds the maximum of 10000",
    ),
    "truncated": (
        _edit(INSTANCES / "cvrp" / "X-n101-k25.vrp", "DIMENSION : \t101", "DIMENSION : 9999"),
        "NODE_COORD_SECTION is truncated: it has 101 of 9999 rows",
    ),
    "distance": (
        _edit(INSTANCES / "cvrp" / "E-n13-k4.vrp", "    9    14", "    1e999    14"),
        "E-n13-k4.vrp:9: EDGE_WEIGHT_SECTION distance[0, 1] must be finite, got inf",
    ),
    "coordinate": (
        _edit(INSTANCES / "vrptw" / "C101.txt", "    0      40 ", "    0      -inf "),
        "C101.txt:10: XCOORD. must be finite, got -inf",
    ),
    "nodes": (
        _edit(TESTS / "data" / "regression" / "flows.json", '"nodes": 10', '"nodes": 1000000000'),
        "field 'nodes': 1000000000 nodes exceed the maximum of 100000",
    ),
    "routers": (
        _edit(
            INSTANCES / "network" / "boyan-littman-6x6.json",
            '"num_nodes": 36',
            '"num_nodes": 1000000000',
        ),
        "num_nodes must be an integer in 2..5000, got 1000000000",
    ),
    "header": (_huge_npz, "more than the archive holds"),
}
"""Makers of the worst files the fuzzing found, one per kind, and what the error must say."""


@pytest.mark.parametrize("name", sorted(NASTY))
def test_command_refuses_nasty_files(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """info and solve --solver savings exit 2 with one line on stderr, in time."""
    make, problem = NASTY[name]
    path = make(tmp_path)
    for argv in (["info", str(path)], ["solve", str(path), "--solver", "savings"]):
        with _time_limit(10 * TIME_LIMIT):
            code = main(argv)
        err = capsys.readouterr().err
        assert code == 2, (argv, err)
        assert len(err.strip().splitlines()) == 1 and problem in err, (argv, err)
