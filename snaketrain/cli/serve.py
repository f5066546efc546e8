"""``snaketrain serve``: the tuned snake over the Battlesnake API."""

from __future__ import annotations

import argparse
import logging
import sys

from snaketrain.cli.args import UsageError, int_in
from snaketrain.snake.budgeted import DEFAULT_BUDGET_MS, budgeted_factory
from snaketrain.snake.server import make_policy, make_server
from snaketrain.snake.server import run as run_server
from snaketrain.snake.space import ConfigError

MAX_BUDGET_MS = 60_000


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        metavar="PATH",
        default="config.yaml",
        help="the snake's weights (default config.yaml); reloaded when the file changes",
    )
    p.add_argument("--port", type=int_in(0, 65535, "port"), default=8000, help="default 8000")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; 0.0.0.0: all)"
    )
    p.add_argument(
        "--move-budget-ms",
        metavar="N",
        type=int_in(0, MAX_BUDGET_MS, "--move-budget-ms"),
        default=DEFAULT_BUDGET_MS,
        help=f"search each /move as deep as N ms allow (default {DEFAULT_BUDGET_MS} of the "
        "platform's 500; 0: the config's fixed search, as in training)",
    )


def run_serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        make = budgeted_factory(args.move_budget_ms) if args.move_budget_ms else make_policy
        server = make_server(args.config, args.host, args.port, make=make)
    except ConfigError as err:
        raise UsageError(f"snaketrain serve: error: {err}") from None
    except OSError as err:
        print(
            f"snaketrain serve: error: cannot listen on {args.host}:{args.port}: {err}",
            file=sys.stderr,
        )
        return 1
    run_server(server)
    return 0
