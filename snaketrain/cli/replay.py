"""``snaketrain replay FILE``: replay an official Battlesnake CLI ``--output`` file (or one that
``snaketrain play --replay`` wrote) through the reference engine and say whether every turn
follows the rules, or the first turn that does not."""

from __future__ import annotations

import argparse

from snaketrain.cli.args import UsageError, readable_file
from snaketrain.rules.replay import ReplayError, read_replay
from snaketrain.rules.verify import VerifyError, verify_replay

PROG = "snaketrain replay"


def add_replay_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file",
        metavar="FILE",
        type=readable_file,
        help="JSON lines written by `battlesnake play --output FILE` (or snaketrain play --replay)",
    )


def run_replay(args: argparse.Namespace) -> int:
    """Exit 0 when all turns agree, 1 at the first disagreement, 2 for a file it cannot read."""
    path = args.file
    try:
        replay = read_replay(path)
    except OSError as err:
        raise UsageError(f"{PROG}: error: cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{PROG}: error: {path} is not a text file (JSON lines)") from None
    except ReplayError as err:
        raise UsageError(
            f"{PROG}: error: {path} is not a Battlesnake CLI --output file: {err}"
        ) from None
    try:
        verdict = verify_replay(replay)
    except VerifyError as err:
        raise UsageError(f"{PROG}: error: {path}: {err}") from None
    first = replay.boards[0]
    ruleset = replay.game.get("ruleset", {}).get("name", "standard")
    n = len(first.snakes)
    what = f"{ruleset} {first.width}x{first.height}, {n} snake{'s' if n != 1 else ''}"
    print(f"{path} ({what}, map {replay.game.get('map', 'standard')}): {verdict.line()}")
    return 0 if verdict.agrees else 1
