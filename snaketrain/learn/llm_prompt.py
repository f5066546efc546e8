"""The LLM advisor's prompt, as text built from values (nothing here runs a model).

The prompt carries, in this order: the task and the answer format; the current best config,
one line per key the advisor may move (value, bounds, meaning from the config's space); the
strength trend; the recent changes and their outcomes (change-history lines); the pattern
lines of the NN learner; the causes of the best config's recent losses (how its snake was
eliminated in its last strength measurement). Every list is cut to a few short lines, so the
prompt stays within a small model's context.

:func:`history_lines` derives change lines from the training log for when no change history
is wired in (its lines read like the history's: keys, direction, verdict, Elo, games).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from snaketrain.learn.llm_parse import tunable
from snaketrain.snake.space import Config, format_value
from snaketrain.trainlog import LogEntry

#: Lines of each list (history, patterns) shown, and characters per line.
MAX_LINES = 10
LINE_CHARS = 200

SYSTEM = (
    "You tune the numeric weights of a Battlesnake heuristic. You answer with JSON only: a "
    'list of at most 3 changes, each {"key": KEY, "value": NUMBER, "reason": TEXT}.'
)

ANSWER_FORMAT = (
    "Choose at most 3 keys from the config above that are most likely to make the snake win "
    "more, each with a new value inside its bounds. Answer with only a JSON list of objects "
    'with the fields "key" (a key above), "value" (a number) and "reason" (a few words).'
)
# No example answer: small models copy an example's key and value verbatim.


def _clip(line: str) -> str:
    line = " ".join(line.split())
    return line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 3] + "..."


def _bounds(low: float, high: float, kind: str) -> str:
    if kind == "int":
        return f"{int(low)}..{int(high)}"
    return f"{format_value(float(low))}..{format_value(float(high))}"


def config_lines(best: Config) -> list[str]:
    """``key = value (bounds): meaning`` for every key the advisor may move, in the order of
    ``best``'s space."""
    return [
        f"{p.key} = {format_value(best[p.key])} ({p.kind} {_bounds(p.low, p.high, p.kind)}): "
        f"{p.meaning}"
        for p in best.space
        if tunable(p.key, best.space)
    ]


def _pct(x: float) -> str:
    return "?" if not math.isfinite(x) else f"{100 * x:.1f}%"


def trend_line(history: Sequence[LogEntry], window: int = 20) -> str:
    """The best config's strength over the last ``window`` iterations, in one line."""
    recent = list(history)[-window:]
    if not recent:
        return "No iterations yet: this is the first proposal."
    first, last = recent[0], recent[-1]
    accepted = sum(e.accepted for e in recent)
    start = first.best_win_rate - (first.improvement if math.isfinite(first.improvement) else 0)
    return (
        f"Best config's win rate against the reference opponents: {_pct(start)} "
        f"{len(recent)} iterations ago, {_pct(last.best_win_rate)} now; "
        f"{accepted} of the last {len(recent)} changes were accepted."
    )


def _direction(change: Mapping[str, object]) -> str:
    old, new = change.get("old"), change.get("new")
    arrow = "?"
    if isinstance(old, int | float) and isinstance(new, int | float):
        arrow = "up" if new > old else "down"
    return f"{change.get('key')} {format_value(old)}->{format_value(new)} ({arrow})"


def history_lines(history: Sequence[LogEntry], n: int = 8) -> list[str]:
    """The last ``n`` tried changes from the training log, newest first."""
    out = []
    for e in reversed(list(history)[-n:]):
        moved = ", ".join(_direction(c) for c in e.changes) or "no change"
        verdict = e.verdict or ("accept" if e.accepted else "reject")
        elo = "?" if not math.isfinite(e.elo) else f"{e.elo:+.0f}"
        low, high = e.elo_ci
        ci = f" [{low:+.0f}, {high:+.0f}]" if math.isfinite(low) and math.isfinite(high) else ""
        out.append(
            f"iteration {e.iteration} ({e.advisor}): {moved}: {verdict}, "
            f"Elo {elo}{ci}, {e.games} games"
        )
    return out


def causes_line(causes: Mapping[str, int]) -> str:
    """How the best config's snake ended in its last measurement, most frequent first."""
    games = sum(causes.values())
    died = {k: n for k, n in causes.items() if k != "survived" and n > 0}
    if not games:
        return "No games measured yet."
    if not died:
        return f"It survived all {games} measured games."
    parts = ", ".join(f"{k} {n}" for k, n in sorted(died.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"In its last {games} measured games it was eliminated by: {parts}."


def _section(title: str, lines: Sequence[str], empty: str) -> str:
    shown = [f"- {_clip(line)}" for line in list(lines)[:MAX_LINES]]
    return f"{title}:\n" + ("\n".join(shown) if shown else f"- {empty}")


def build_prompt(
    best: Config,
    trend: str,
    history: Sequence[str],
    patterns: Sequence[str],
    causes: Mapping[str, int],
) -> str:
    """The user message of one LLM call."""
    return "\n\n".join(
        [
            "Current best config (key = value (type bounds): meaning):\n"
            + "\n".join(config_lines(best)),
            f"Strength trend: {trend}",
            _section("Recent changes and outcomes", history, "none yet"),
            _section("Patterns in winning configs", patterns, "none yet"),
            f"Causes of recent losses: {causes_line(causes)}",
            ANSWER_FORMAT,
        ]
    )
