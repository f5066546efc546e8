"""``snaketrain serve``: the tuned snake over the Battlesnake API."""

from __future__ import annotations

import argparse
import logging
import sys

from snaketrain.cli.args import UsageError, int_in
from snaketrain.snake.server import make_server
from snaketrain.snake.server import run as run_server
from snaketrain.snake.space import ConfigError


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


def run_serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        server = make_server(args.config, args.host, args.port)
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
