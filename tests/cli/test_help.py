"""Every command and every option of ``vrpsolve`` says what it does."""

from __future__ import annotations

import argparse

from vrpsolve_cli.main import build_parser


def _parsers(parser: argparse.ArgumentParser, path: str = "vrpsolve"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def _undocumented() -> list[str]:
    missing = []
    for path, parser in _parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                documented = {choice.dest for choice in action._choices_actions if choice.help}
                missing += [f"{path} {name}" for name in action.choices if name not in documented]
            elif not action.help and not isinstance(action, argparse._HelpAction):
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_every_subcommand_and_option_has_help():
    """`--help` of every (sub)command describes each of its options and subcommands."""
    assert _undocumented() == []
