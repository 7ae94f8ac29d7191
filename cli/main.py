"""The ``vrpsolve`` command: parse arguments, call the Python API, print.

Exit codes: 0 on success, 2 on bad input (one line naming the file and the problem; an output
path where nothing can be written is one, found before any work; a solver whose engine is not
installed is one, naming the ``pip install`` that brings it), 1 on an internal error, 3 from
``eval`` when the evaluator rejects the solution, 128 plus the signal's number (130 for SIGINT,
143 for SIGTERM) when ``solve`` or ``bench`` was stopped by a signal, after writing what it had;
a second signal ends them at once with that code.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import vrpsolve
from vrpsolve.core.errors import (
    InvalidOptionError,
    MissingDependencyError,
    UnknownSolverError,
    UnsupportedInstanceError,
)
from vrpsolve.core.family import Family
from vrpsolve.core.registry import family_named, family_of, resolve
from vrpsolve.core.stop import stop_on_signals, stop_requested, stop_signal
from vrpsolve.io import formats, read_instance, read_solution, write_solution
from vrpsolve.report import evaluation_record, result_record

from .flows import add_flows_generators
from .graphs import add_graph_parser, add_graphs_generators, add_graphs_trainers
from .options import BadInput, check_outputs, check_seeds, solver_options, split_option
from .output import print_records
from .packets import add_packets_generators, add_packets_parsers, add_packets_trainers
from .progress import time_budget_bar
from .routing import add_routing_generators, add_routing_parsers, add_routing_trainers
from .train import add_train_parser

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INFEASIBLE = 3
"""``vrpsolve eval``'s exit code for a solution the evaluator rejects (its violations printed)."""


def _quit_at_once(signum: int) -> None:
    """A second SIGINT or SIGTERM: end the process now (workers die with it)."""
    os.write(2, b"vrpsolve: interrupted again, quitting\n")
    os._exit(128 + signum)


def _interrupted(what: str) -> int:
    """Say on stderr that a stop request cut ``what`` short; the exit code it gives."""
    signum = stop_signal() or signal.SIGINT
    print(f"vrpsolve: interrupted by {signal.Signals(signum).name}: {what}", file=sys.stderr)
    return 128 + signum


def _read_instances(paths: Sequence[str], fmt: str | None) -> list[tuple[str, Any]]:
    return [(path, read_instance(path, format=fmt)) for path in paths]


def _solution_target(args: argparse.Namespace, path: str, family: Family) -> Path | None:
    if args.out:
        return Path(args.out)
    if args.sol_dir:
        return Path(args.sol_dir) / (Path(path).stem + family.solution_suffixes[0])
    return None


def _solve_all(
    args: argparse.Namespace,
    instances: list[tuple[str, Any]],
    show_progress: bool,
) -> list[vrpsolve.Result | None]:
    """Solve the instances one after another, or with ``--jobs N`` in a pool of N processes.

    After a stop request the instances not yet started are not solved (``None``).
    """
    if args.jobs == 1:
        results: list[vrpsolve.Result | None] = []
        for _, instance in instances:
            if stop_requested():
                results.append(None)
                continue
            budget = args.time_limit if args.time_limit is not None else 10.0
            with time_budget_bar(f"{instance.name} ({args.solver})", budget, show_progress):
                results.append(
                    vrpsolve.solve(
                        instance,
                        args.solver,
                        time_limit=args.time_limit,
                        seed=args.seed,
                        **args.solver_options,
                    )
                )
        return results
    from vrpsolve.bench.runner import iter_parallel

    for _, instance in instances:  # refuse an unknown or incapable solver before any work
        resolve(args.solver, instance)
    task = functools.partial(
        vrpsolve.solve,
        solver=args.solver,
        time_limit=args.time_limit,
        seed=args.seed,
        **args.solver_options,
    )
    solved = dict(
        iter_parallel(
            task,
            [instance for _, instance in instances],
            workers=args.jobs,
            progress=show_progress,
            description=f"solve ({args.solver})",
        )
    )
    return [solved.get(i) for i in range(len(instances))]


def cmd_solve(args: argparse.Namespace) -> int:
    """Solve each instance file and print one record per instance (a table per family)."""
    if args.out and len(args.files) > 1:
        raise BadInput("--out takes one instance; use --sol-dir for several")
    if args.time_limit is not None and not (args.time_limit > 0 and math.isfinite(args.time_limit)):
        raise BadInput(f"--time-limit must be a positive number of seconds, got {args.time_limit}")
    if args.jobs < 1:
        raise BadInput(f"--jobs must be at least 1, got {args.jobs}")
    for option, folder in (("--sol-dir", args.sol_dir), ("--plot-dir", args.plot_dir)):
        if folder and not Path(folder).is_dir():
            raise BadInput(f"{folder}: {option} is not an existing directory")
    if args.out and not Path(args.out).absolute().parent.is_dir():
        raise BadInput(f"{args.out}: the folder of --out does not exist")
    args.solver_options = solver_options(args.option)
    with stop_on_signals(on_repeat=_quit_at_once):
        instances = _read_instances(args.files, args.instance_format)
        if args.out:
            suffixes = family_of(instances[0][1]).solution_suffixes
            if Path(args.out).suffix.lower() not in suffixes:
                raise BadInput(
                    f"{args.out}: a {family_of(instances[0][1]).title} solution file ends with "
                    + " or ".join(suffixes)
                )
        show_progress = not args.quiet and sys.stderr.isatty()
        results = _solve_all(args, instances, show_progress)
        _report(args, instances, results)
        if stop_requested():
            unsolved = results.count(None)
            return _interrupted(
                "best solutions so far reported"
                + (f"; {unsolved} of {len(results)} files not solved" if unsolved else "")
            )
    return EXIT_OK


def _report(
    args: argparse.Namespace,
    instances: list[tuple[str, Any]],
    results: list[vrpsolve.Result | None],
) -> None:
    """Write the solution and plot files of the solved instances and print their records."""
    by_family: dict[str, list[dict[str, Any]]] = {}
    for (path, instance), result in zip(instances, results, strict=True):
        if result is None:
            continue
        family = family_of(instance)
        record = result_record(result)
        record["file"] = path
        by_family.setdefault(family.name, []).append(record)
        target = _solution_target(args, path, family)
        if target is not None:
            if result.solution is None:
                print(f"vrpsolve: {path}: no solution found, {target} not written", file=sys.stderr)
            else:
                write_solution(result.solution, target, instance, result.evaluation)
        if args.plot_dir and family.plot is not None and result.solution is not None:
            family.plot(instance, result.solution, Path(args.plot_dir) / (Path(path).stem + ".png"))
    for name, records in by_family.items():
        print_records(records, args.format, family_named(name).columns)


def _job_key(instance: str, solver: str, limit: float, seed: int) -> tuple[str, str, float, int]:
    """What identifies a benchmark job, and the row it gave: instance, solver, limit and seed."""
    return (instance, solver, float(limit), int(seed))


def cmd_bench(args: argparse.Namespace) -> int:
    """Run solvers x instances x time limits x seeds in parallel; write CSV, markdown and PNG.

    ``runs.csv`` gets each finished job's row as it ends; the summary files are written at the
    end, or from the rows so far when a signal stops the benchmark. ``--resume`` keeps the rows
    already in ``runs.csv`` and runs only the jobs missing there.
    """
    from vrpsolve.bench import (
        BenchInputError,
        expand_jobs,
        run_benchmark,
        select_instances,
        summarise,
        write_outputs,
    )
    from vrpsolve.bench.jobs import ERROR, check_solvers
    from vrpsolve.bench.output import RunsLog, read_runs
    from vrpsolve.bench.tables import SUMMARY_COLUMNS, markdown_table, with_gaps

    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"{out_dir}: --out-dir exists and is not a directory")
    if args.jobs < 1:
        raise BadInput(f"--jobs must be at least 1, got {args.jobs}")
    if args.address is not None and args.backend != "ray":
        raise BadInput("--address needs --backend ray")
    solvers = split_option(args.solvers, "--solvers", str)
    limits = split_option(args.time_limits, "--time-limits", float)
    seeds = split_option(args.seeds, "--seeds", int)
    try:
        check_solvers(solvers)
        jobs = expand_jobs(
            select_instances(args.instances, args.instance_format),
            solvers,
            limits,
            seeds,
            format=args.instance_format,
        )
        done = read_runs(out_dir) if args.resume else []
    except (BenchInputError, ValueError) as error:
        raise BadInput(str(error)) from None
    finished = {_job_key(r["instance"], r["solver"], r["time_limit"], r["seed"]) for r in done}
    todo = [j for j in jobs if _job_key(j.name, j.solver, j.time_limit, j.seed) not in finished]
    if done:
        print(
            f"vrpsolve: --resume: {len(jobs) - len(todo)} of {len(jobs)} jobs already in "
            f"{out_dir / 'runs.csv'}",
            file=sys.stderr,
        )
    with stop_on_signals(on_repeat=_quit_at_once), RunsLog(out_dir, done) as log:
        try:
            rows = run_benchmark(
                todo,
                backend=args.backend,
                workers=args.jobs,
                progress=not args.quiet and sys.stderr.isatty(),
                address=args.address,
                on_row=log.append,
            )
        except BenchInputError as error:
            raise BadInput(str(error)) from None
        code = EXIT_OK
        if stop_requested():
            code = _interrupted(f"{len(rows)} of {len(todo)} jobs done; --resume runs the rest")
    rows = with_gaps([*done, *rows])
    paths = write_outputs(rows, out_dir)
    print(markdown_table(summarise(rows), SUMMARY_COLUMNS))
    errors = sum(row["status"] == ERROR for row in rows)
    if errors:
        print(f"vrpsolve: {errors} of {len(rows)} runs failed; see summary.md", file=sys.stderr)
    print(f"wrote {', '.join(str(p) for p in paths)}", file=sys.stderr)
    return code


def cmd_eval(args: argparse.Namespace) -> int:
    """Re-judge a solution file against an instance file with the family's evaluator; exit
    :data:`EXIT_INFEASIBLE` when it rejects the solution."""
    instance = read_instance(args.instance, format=args.instance_format)
    family = family_of(instance)
    solution = read_solution(args.solution, instance)
    evaluation = family.evaluate(instance, solution, args.seed)
    record = evaluation_record(instance, solution, evaluation)
    columns = [c for c in family.columns if c not in ("solver", "status", "runtime")]
    print_records([record], args.format, [columns[0], "feasible", *columns[1:]])
    return EXIT_OK if evaluation.feasible else EXIT_INFEASIBLE


def cmd_info(args: argparse.Namespace) -> int:
    """Describe instance files: the family, then what its descriptor says of the instance."""
    for path, instance in _read_instances(args.files, args.instance_format):
        family = family_of(instance)
        lines = {"file": path, "name": instance.name, "problem": family.title}
        lines.update(family.describe(instance))
        print("\n".join(f"{key:>15}: {value}" for key, value in lines.items()), end="\n\n")
    return EXIT_OK


def cmd_solvers(args: argparse.Namespace) -> int:
    """List registered solvers and the attributes each can model (with --verbose, options)."""
    from vrpsolve.core.registry import get_solver

    for info in vrpsolve.list_solvers():
        state = "available" if info.available else f"unavailable ({info.reason})"
        print(f"{info.name}: {info.summary} [{state}]")
        print(f"    supports: {', '.join(sorted(info.supported_attributes)) or '-'}")
        if not (args.verbose and info.available):
            continue
        declared = get_solver(info.name).options
        print("    options:" if declared else "    options: none")
        for option in declared:
            if option.default is None:
                shown = "-"
            elif option.type is bool:
                shown = str(option.default).lower()
            else:
                shown = str(option.default)
            bound = "" if option.minimum is None else f" >= {option.minimum}"
            kind = option.type_name + bound
            print(f"      {option.name} ({kind}, default {shown}): {option.help}")
            if option.choices is not None:
                print(f"        choices: {', '.join(map(str, option.choices))}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``vrpsolve`` command."""
    parser = argparse.ArgumentParser(prog="vrpsolve", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=vrpsolve.__version__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add_format(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--instance-format",
            choices=formats(),
            default=None,
            help="force the instance file format (default: detect from the name and content)",
        )

    solve = sub.add_parser("solve", help="solve instance files")
    solve.add_argument("files", nargs="+", metavar="FILE", help="instance files of any family")
    solve.add_argument("--solver", default="auto", help="solver name, or auto (default)")
    solve.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds per instance (default: the solver's, 10 s)",
    )
    solve.add_argument(
        "--seed", type=int, default=0, help="seeds everything random in the run (default 0)"
    )
    solve.add_argument(
        "--option",
        action="append",
        metavar="KEY=VALUE",
        help="solver option, repeatable (e.g. policy=rrnco-atsp50, strategy=greedy)",
    )
    target = solve.add_mutually_exclusive_group()
    target.add_argument("--out", help="write the solution here (.sol, or .json)")
    target.add_argument("--sol-dir", help="write one NAME.sol per instance into this directory")
    solve.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table for people (default) or json, one record per line",
    )
    solve.add_argument(
        "--plot-dir",
        help="flow admission: write NAME.png (link utilisation, admitted flows) per instance",
    )
    solve.add_argument("--quiet", action="store_true", help="no progress bar")
    solve.add_argument(
        "--jobs", type=int, default=1, help="solve this many files at once, one process each"
    )
    add_format(solve)
    solve.set_defaults(handler=cmd_solve)

    bench = sub.add_parser(
        "bench", help="benchmark solvers x instances x time limits x seeds in parallel"
    )
    bench.add_argument("--solvers", required=True, help="comma-separated solver names")
    bench.add_argument(
        "--instances",
        required=True,
        nargs="+",
        metavar="FILE_OR_GLOB_OR_SET",
        help="instance files, glob patterns or bundled set names (e.g. CVRP-X)",
    )
    bench.add_argument("--time-limits", required=True, help="comma-separated seconds, e.g. 1,10")
    bench.add_argument("--seeds", default="1", help="comma-separated seeds (default: 1)")
    bench.add_argument("--jobs", type=int, default=1, help="parallel jobs, one thread each")
    bench.add_argument(
        "--out-dir", required=True, help="directory for runs.csv, summary.md, gap_vs_time.png"
    )
    bench.add_argument(
        "--backend",
        choices=("process", "ray"),
        default="process",
        help="run the jobs in local worker processes (default) or as Ray tasks",
    )
    bench.add_argument("--address", default=None, help="Ray cluster address (--backend ray)")
    bench.add_argument(
        "--resume",
        action="store_true",
        help="keep the rows already in --out-dir's runs.csv and run only the missing jobs",
    )
    bench.add_argument("--quiet", action="store_true", help="no progress bar")
    add_format(bench)
    bench.set_defaults(handler=cmd_bench)

    evaluate = sub.add_parser(
        "eval",
        help="re-judge a solution file (any family) with the family's evaluator; exit 3 when it "
        "is infeasible",
    )
    evaluate.add_argument("instance", help="the instance file")
    evaluate.add_argument("solution", help="a solution file, as solve --out writes it")
    evaluate.add_argument(
        "--seed",
        type=int,
        default=0,
        help="packet routing: seed of the simulated traffic (give solve's --seed to reproduce it)",
    )
    evaluate.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table for people (default) or json, one record per line",
    )
    add_format(evaluate)
    evaluate.set_defaults(handler=cmd_eval)

    info = sub.add_parser("info", help="describe instance files")
    info.add_argument("files", nargs="+", metavar="FILE", help="instance files of any family")
    add_format(info)
    info.set_defaults(handler=cmd_info)

    solvers = sub.add_parser("solvers", help="list solvers and what each supports")
    solvers.add_argument(
        "--verbose",
        action="store_true",
        help="also list each solver's options (name, type, default, help, choices)",
    )
    solvers.set_defaults(handler=cmd_solvers)

    generate = sub.add_parser("generate", help="write seeded instance files of any family")
    kinds = generate.add_subparsers(dest="kind", required=True)
    for add_generators in (
        add_routing_generators,
        add_flows_generators,
        add_packets_generators,
        add_graphs_generators,
    ):
        add_generators(kinds)
    trainers = add_train_parser(sub)
    add_routing_trainers(trainers)
    add_packets_trainers(trainers, add_format)
    add_graphs_trainers(trainers)
    add_routing_parsers(sub)
    add_packets_parsers(sub, add_format)
    add_graph_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command and return its exit code (the console script exits with it)."""
    args = build_parser().parse_args(argv)
    try:
        check_seeds(args)
        check_outputs(args)
        code: int = args.handler(args)
        return code
    except (
        vrpsolve.InputError,
        BadInput,
        UnknownSolverError,
        UnsupportedInstanceError,
        InvalidOptionError,
        MissingDependencyError,
    ) as error:
        print(f"vrpsolve: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("vrpsolve: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the last line of defence: no traceback for users
        if os.environ.get("VRPSOLVE_DEBUG"):
            raise
        print(
            f"vrpsolve: internal error: {type(error).__name__}: {error} "
            "(set VRPSOLVE_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
