"""The commit message of an accepted improvement: the title ``Automated training improvement:
XX.XX% win rate (+Y.YY%)`` and a body with the evidence and the changed parameters."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from snaketrain.snake.config import format_value
from snaketrain.trainlog import utc_timestamp
from snaketrain.tuning.advisor import Change

TITLE_PREFIX = "Automated training improvement"


def as_changes(changes: Iterable[Sequence[Any] | Mapping[str, Any]]) -> tuple[Change, ...]:
    """Changes in the one canonical form, ``(key, old, new)`` tuples.

    Also taken, and converted here once: ``[key, old, new]`` lists (a proposal after JSON or
    Prefect's persistence) and ``{"key", "old", "new"}`` mappings (``LogEntry.changes``).
    """
    out: list[Change] = []
    for c in changes:
        if isinstance(c, Mapping):
            out.append((c["key"], c["old"], c["new"]))
        else:
            key, old, new = c
            out.append((key, old, new))
    return tuple(out)


def commit_message(
    iteration: int,
    win_rate: float,
    prev_win_rate: float,
    total_games: int,
    total_improvements: int,
    timestamp: datetime | str,
    elo: float,
    elo_ci: Sequence[float],
    llr: float | None,
    changes: Iterable[Sequence[Any] | Mapping[str, Any]],
    advisor: str | None = None,
    tuning_games: int = 0,
    verification_games: int | None = None,
    min_elo: float | None = None,
) -> str:
    """The commit message of an accepted improvement.

    Rates are fractions (0.5234 -> ``52.34%``), the delta in percentage points.
    ``elo_ci`` is ``[low, high]``: the body shows ``Elo: +12.3 ± 8.1`` (centre ± half width)
    and the interval. ``changes`` are ``(key, old, new)`` tuples (see :func:`as_changes` for
    the other forms taken). ``advisor`` (with the games an optimizer spent tuning, and the
    games that verified it) adds an ``Advisor:`` line. A fixed-N decision has no LLR
    (``llr`` None or NaN): its ``Test:`` line names the rule instead (the whole interval at
    or above ``min_elo``).
    """
    when = timestamp if isinstance(timestamp, str) else utc_timestamp(timestamp)
    low, high = elo_ci
    delta = 100.0 * (win_rate - prev_win_rate)
    lines = [
        f"{TITLE_PREFIX}: {100.0 * win_rate:.2f}% win rate ({delta:+.2f}%)",
        "",
        f"Iteration: {iteration}",
        f"Total games tested: {total_games}",
        f"Total improvements: {total_improvements}",
        f"Timestamp: {when}",
        f"Elo: {elo:+.1f} ± {(high - low) / 2.0:.1f} (interval {low:+.1f} .. {high:+.1f})",
        _test_line(llr, min_elo),
    ]
    if advisor is not None:
        spent = [f"{tuning_games} tuning games"] if tuning_games else []
        if verification_games is not None:
            spent.append(f"{verification_games} verification games")
        lines.append(f"Advisor: {advisor}" + (f" ({', '.join(spent)})" if spent else ""))
    lines += [
        "",
        "Changed parameters:",
    ]
    lines += [
        f"  {k}: {format_value(old)} → {format_value(new)}" for k, old, new in as_changes(changes)
    ]
    return "\n".join(lines) + "\n"


def _test_line(llr: float | None, min_elo: float | None) -> str:
    if llr is not None and not math.isnan(llr):
        return f"LLR: {llr:.2f}"
    bound = 0.0 if min_elo is None else min_elo
    return f"Test: fixed N games, the whole 95% Elo interval at or above {bound:+g}"


def combined_message(messages: Sequence[str]) -> str:
    """One commit for several pending improvements: the latest message, plus the titles of
    the earlier ones it also contains."""
    if not messages:
        return f"{TITLE_PREFIX}\n"
    latest = messages[-1]
    earlier = [m.splitlines()[0] for m in messages[:-1]]
    if not earlier:
        return latest
    return (
        latest.rstrip("\n")
        + f"\n\nAlso contains {len(earlier)} earlier improvement(s) not committed then:\n"
        + "".join(f"  {t}\n" for t in earlier)
    )
