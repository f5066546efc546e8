"""The ``snaketrain`` command line.

One subcommand = one module here and one ``Command`` in ``COMMANDS``: a function that adds
its arguments to its parser and a function that runs it and returns the exit code. ``play``
is the model to mirror; ``args`` holds what they share.

Mistakes a user can make on the command line come back as one line on stderr and exit code 2;
a command that fails at run time (a file it cannot write) exits 1. Never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from snaketrain.cli.args import Command, Parser, UsageError

#: Said when Ctrl+C or SIGTERM arrives while the command is still starting (importing).
STOPPED_EARLY = "snaketrain: stopped before it started; nothing was done."


def _commands() -> dict[str, Command]:
    """The subcommands, imported on first use: the command modules pull in torch (~2 s), and
    ``main`` takes Ctrl+C / SIGTERM in that time (see ``main``)."""
    from snaketrain.cli import bench, deploy, play, replay, serve, status, train

    return {
        "play": Command(
            "play one game between built-in snakes", play.add_play_arguments, play.run_play
        ),
        "replay": Command(
            "replay an official CLI --output file through the rules; the first turn that differs",
            replay.add_replay_arguments,
            replay.run_replay,
        ),
        "serve": Command(
            "serve the tuned snake over the Battlesnake API",
            serve.add_serve_arguments,
            serve.run_serve,
        ),
        "train": Command(
            "tune config.yaml continuously (Prefect flow; Ctrl+C stops, the same command resumes)",
            train.add_train_arguments,
            train.run_train,
        ),
        "status": Command(
            "show training progress and plot strength over iterations",
            status.add_status_arguments,
            status.run_status,
        ),
        "bench": Command(
            "play a candidate against opponents (fixed N or SPRT) and print the table",
            bench.add_bench_arguments,
            bench.run_bench,
        ),
        "deploy": Command(
            "create the work pools and deployments on a Prefect server (--gpus N: benchmark pools)",
            deploy.add_deploy_arguments,
            deploy.run_deploy,
        ),
    }


def __getattr__(name: str) -> object:
    if name == "COMMANDS":
        return _commands()
    raise AttributeError(f"module 'snaketrain.cli' has no attribute {name!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="snaketrain", description="Tunes Battlesnake heuristic weights.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, command in _commands().items():
        p = sub.add_parser(name, help=command.help, description=command.help)
        command.add_arguments(p)
        p.set_defaults(run=command.run)
    return parser


def _stopped_early(_signum: int) -> None:
    print(f"\n{STOPPED_EARLY}", file=sys.stderr, flush=True)
    os._exit(0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; Ctrl+C or SIGTERM while it is still starting exits 0 at once (each
    command then handles them its own way: ``train`` stops cleanly, see runtime.signals)."""
    from snaketrain.runtime.signals import on_signals

    with on_signals(_stopped_early, (signal.SIGINT, signal.SIGTERM)):
        parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as done:  # --help and friends
            return done.code if isinstance(done.code, int) else 0
        if args.command is None:
            raise UsageError(f"snaketrain: error: choose a command: {', '.join(_commands())}")
        return args.run(args)
    except UsageError as err:
        print(err, file=sys.stderr)
        return 2


__all__ = ["COMMANDS", "Command", "UsageError", "build_parser", "main"]
