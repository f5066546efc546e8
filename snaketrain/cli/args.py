"""What every command shares: the usage error, the parser that raises it, the command record
and the argument types (each raises ``ArgumentTypeError`` saying what is allowed).

A leaf module: it imports nothing of the commands, so any of them (and the library's own
argument checks) can use it without an import circle.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from snaketrain.rules.types import FIXED_BOARD_SIZES


class UsageError(Exception):
    """A command line that asks for something not allowed; the message says what is."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message}")


@dataclass(frozen=True)
class Command:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def board_size(text: str) -> int:
    allowed = ", ".join(map(str, FIXED_BOARD_SIZES))
    if not text.isdigit() or int(text) not in FIXED_BOARD_SIZES:
        raise argparse.ArgumentTypeError(f"board size must be one of {allowed}, got {text!r}")
    return int(text)


def int_in(lo: int, hi: int | None, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < lo or (hi is not None and value > hi):
            allowed = f"{lo}..{hi}" if hi is not None else f"an integer >= {lo}"
            raise argparse.ArgumentTypeError(f"{what} must be {allowed}, got {text!r}")
        return value

    return parse


def readable_file(text: str) -> str:
    """A path to an existing file (not a folder); whether it can be read is found on reading."""
    import os

    if not os.path.exists(text):
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    if not os.path.isfile(text):
        raise argparse.ArgumentTypeError(f"not a file: {text!r}")
    return text


def snake_name(text: str) -> str:
    from snaketrain.snake.registry import UnknownSnakeError, scalar_policy

    try:
        scalar_policy(text)
    except UnknownSnakeError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def sprt_bounds(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        elo0, elo1 = (float(p) for p in parts)
    except ValueError:
        elo0 = elo1 = None
    if elo0 is None or elo1 is None or not elo0 < elo1:
        raise argparse.ArgumentTypeError(
            f"--sprt takes ELO0,ELO1 with ELO0 < ELO1 (e.g. 0,10), got {text!r}"
        )
    return elo0, elo1
