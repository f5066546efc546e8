"""The change history: every attempted change, in normalised units, and what became of it.

One :class:`Attempt` per evaluated candidate (and per proposal skipped as a repeat): the keys
it moved and each key's step in normalised units (``Param.to_unit`` of the new value minus
that of the old one: a share of the range, of the log range for a log-scale key; a bool flip
is ±1), its advisor and reason, its verdict, Elo ± interval and games. They are appended to
``attempts.jsonl`` in the results folder (one line per attempt, written by the record step
after the iteration's log line); an iteration the training log holds but that file lacks (an
older run, a crash between the two writes) is filled in from its log line, which names the
candidate that decided it.

:meth:`ChangeHistory.blocks` is the rule every advisor obeys: a proposal that moves the same
keys in the same directions as a change rejected within the last ``window`` iterations, each
step within ``tolerance`` of the rejected one, is not tried again.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from snaketrain.arena.result import Verdict
from snaketrain.snake.space import BUILTIN, Config, Space
from snaketrain.trainlog import LogEntry
from snaketrain.tuning.advisor import Proposal

ATTEMPTS_NAME = "attempts.jsonl"
#: Iterations a rejected change blocks its repeats (TrainingSettings.history_window).
DEFAULT_WINDOW = 20
#: Largest difference of a step, in normalised units, that still counts as a repeat.
DEFAULT_TOLERANCE = 0.05
SKIPPED = "skipped"
_SHOWN_KEYS = 4  # keys named in one attempt's line


def unit_vector(config: Config) -> tuple[float, ...]:
    """``[len(config.space)]``: every key of ``config`` in normalised units, its space's order."""
    return tuple(p.to_unit(config[p.key]) for p in config.space)


def steps_of(changes: Iterable[Any], space: Space = BUILTIN) -> tuple[tuple[str, float], ...]:
    """``(key, step)`` of each change (``(key, old, new)`` or ``{"key", "old", "new"}``) in
    normalised units of ``space``; keys it does not know (an older log) are left out."""
    out = []
    for c in changes:
        key, old, new = (c["key"], c["old"], c["new"]) if isinstance(c, Mapping) else c
        p = space.get(key) if isinstance(key, str) else None
        if p is None or p.check(old) is None or p.check(new) is None:
            continue
        out.append((key, round(p.to_unit(new) - p.to_unit(old), 6)))
    return tuple(out)


def _num(x: Any) -> float:
    return math.nan if x is None else float(x)


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True)
class Attempt:
    """One tried (or skipped) candidate. ``x`` is the candidate's :func:`unit_vector` (empty
    when unknown: an attempt filled in from the log); ``verdict`` is the SPRT's ("accept",
    "reject", "inconclusive") or ``"skipped"`` (a blocked repeat, never played)."""

    iteration: int
    advisor: str
    reason: str
    steps: tuple[tuple[str, float], ...]
    verdict: str
    elo: float = math.nan
    elo_low: float = math.nan
    elo_high: float = math.nan
    games: int = 0
    x: tuple[float, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.verdict == "accept"

    @property
    def played(self) -> bool:
        return self.verdict != SKIPPED and self.games > 0

    def to_json(self) -> str:
        d = {
            "iteration": self.iteration,
            "advisor": self.advisor,
            "reason": self.reason,
            "steps": [[k, s] for k, s in self.steps],
            "verdict": self.verdict,
            "elo": _finite(self.elo),
            "elo_ci": [_finite(self.elo_low), _finite(self.elo_high)],
            "games": self.games,
            "x": list(self.x),
        }
        return json.dumps(d, allow_nan=False, separators=(",", ":"))

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> Attempt:
        low, high = d.get("elo_ci") or (None, None)
        return Attempt(
            iteration=int(d["iteration"]),
            advisor=str(d["advisor"]),
            reason=str(d.get("reason", "")),
            steps=tuple((str(k), float(s)) for k, s in d["steps"]),
            verdict=str(d["verdict"]),
            elo=_num(d.get("elo")),
            elo_low=_num(low),
            elo_high=_num(high),
            games=int(d.get("games") or 0),
            x=tuple(float(v) for v in d.get("x") or ()),
        )

    def line(self) -> str:
        """``weights.space +0.08 (spsa): rejected -12 Elo ±20, 600 games``."""
        ranked = sorted(self.steps, key=lambda ks: -abs(ks[1]))
        moved = ", ".join(f"{k} {s:+.2f}" for k, s in ranked[:_SHOWN_KEYS])
        if len(ranked) > _SHOWN_KEYS:
            moved += f" and {len(ranked) - _SHOWN_KEYS} more"
        head = f"{moved or 'no change'} ({self.advisor})"
        if self.verdict == SKIPPED:
            return f"{head}: skipped, repeats a rejected change"
        word = {"accept": "accepted", "reject": "rejected"}.get(self.verdict, self.verdict)
        if not math.isfinite(self.elo):
            return f"{head}: {word}, {self.games} games"
        half = (self.elo_high - self.elo_low) / 2
        spread = f" ±{half:.0f}" if math.isfinite(half) else ""
        return f"{head}: {word} {self.elo:+.0f} Elo{spread}, {self.games} games"


def attempts_of(
    iteration: int, proposals: Sequence[Proposal], verdicts: Sequence[Verdict]
) -> list[Attempt]:
    """The attempts of an iteration's candidates, in candidate order."""
    out = []
    for p, v in zip(proposals, verdicts, strict=True):
        elo = v.result.total.elo() if v.result.games else None
        out.append(
            Attempt(
                iteration=iteration,
                advisor=p.advisor,
                reason=p.reason,
                steps=steps_of(p.changes, p.config.space),
                verdict=v.status,
                elo=elo.elo if elo else math.nan,
                elo_low=elo.low if elo else math.nan,
                elo_high=elo.high if elo else math.nan,
                games=v.result.games,
                x=unit_vector(p.config),
            )
        )
    return out


def from_log(entry: LogEntry, space: Space = BUILTIN) -> Attempt:
    """The attempt a log line describes (the candidate that decided its iteration), its
    steps in ``space``."""
    verdict = entry.verdict or ("accept" if entry.accepted else "reject")
    low, high = entry.elo_ci
    return Attempt(
        entry.iteration, entry.advisor, "", steps_of(entry.changes, space), verdict, entry.elo,
        low, high, entry.games,
    )  # fmt: skip


def merge(
    attempts: Sequence[Attempt], entries: Sequence[LogEntry], space: Space = BUILTIN
) -> list[Attempt]:
    """``attempts`` plus, for every logged iteration they lack, the log line's attempt (its
    steps in ``space``); ordered by iteration (attempts of one iteration in their order)."""
    have = {a.iteration for a in attempts}
    extra = [from_log(e, space) for e in entries if e.iteration not in have]
    return sorted([*attempts, *extra], key=lambda a: a.iteration)


class AttemptFile:
    """``attempts.jsonl``, read incrementally: :meth:`read` parses only the lines appended
    since the last call. A torn last line (a crash mid-write) is not read, and the next
    :meth:`append` cuts it off before writing."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._offset = 0
        self._attempts: list[Attempt] = []

    def read(self) -> list[Attempt]:
        """Every attempt in the file, oldest first."""
        try:
            with self.path.open("rb") as f:
                if os.fstat(f.fileno()).st_size < self._offset:  # replaced: start over
                    self._offset, self._attempts = 0, []
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            self._offset, self._attempts = 0, []
            return []
        whole = data[: data.rfind(b"\n") + 1]
        for raw in whole.splitlines():
            if raw.strip():
                try:
                    self._attempts.append(Attempt.from_dict(json.loads(raw)))
                except (ValueError, KeyError, TypeError):
                    continue  # a garbled line teaches nothing; the rest still counts
        self._offset += len(whole)
        return list(self._attempts)

    def append(self, attempts: Sequence[Attempt]) -> bool:
        """Append one iteration's attempts unless the file already has that iteration (the
        re-run of a crashed iteration); True if written."""
        if not attempts:
            return False
        known = self.read()
        if known and known[-1].iteration >= attempts[0].iteration:
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = "".join(a.to_json() + "\n" for a in attempts).encode("utf-8")
        with self.path.open("ab") as f:
            if f.tell() > self._offset:  # a torn line after the last whole one
                f.truncate(self._offset)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        return True


def _same_change(a: Mapping[str, float], b: Mapping[str, float], tolerance: float) -> bool:
    if a.keys() != b.keys():
        return False
    for key, step in a.items():
        other = b[key]
        if (step > 0) != (other > 0) or (step < 0) != (other < 0):
            return False
        if abs(step - other) > tolerance:
            return False
    return True


@dataclass(frozen=True)
class ChangeHistory:
    """The attempts an iteration knows (oldest first) and the repeat rule."""

    attempts: tuple[Attempt, ...]
    window: int = DEFAULT_WINDOW
    tolerance: float = DEFAULT_TOLERANCE

    def recent(self, iteration: int) -> list[Attempt]:
        """Attempts of the ``window`` iterations before ``iteration``."""
        return [a for a in self.attempts if iteration - self.window <= a.iteration < iteration]

    def blocks(self, proposal: Proposal, iteration: int) -> str | None:
        """Why ``proposal`` must not be tried in ``iteration`` (it repeats a change rejected
        in the last ``window`` iterations), or None."""
        steps = dict(steps_of(proposal.changes, proposal.config.space))
        for a in reversed(self.recent(iteration)):
            if a.verdict == "reject" and _same_change(steps, dict(a.steps), self.tolerance):
                return f"repeats the change rejected in iteration {a.iteration}: {a.line()}"
        return None

    def lines(self, iteration: int, limit: int = 8) -> list[str]:
        """The recent attempts, newest first, then the summary line."""
        recent = [a for a in self.recent(iteration) if a.verdict != SKIPPED]
        out = [f"iteration {a.iteration}: {a.line()}" for a in reversed(recent[-limit:])]
        summary = summary_line(recent)
        return [*out, summary] if summary else out


def summary_line(attempts: Sequence[Attempt], keys: int = 6) -> str | None:
    """``recently tried: weights.space 3x, no gain; traps.critical 2x, 1 accepted (+15 Elo)``."""
    tried: dict[str, list[Attempt]] = {}
    for a in attempts:
        if a.played:
            for key, _ in a.steps:
                tried.setdefault(key, []).append(a)
    if not tried:
        return None
    ranked = sorted(tried.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:keys]
    parts = []
    for key, xs in ranked:
        won = [a for a in xs if a.accepted]
        gain = sum(a.elo for a in won if math.isfinite(a.elo))
        outcome = f"{len(won)} accepted ({gain:+.0f} Elo)" if won else "no gain"
        parts.append(f"{key} {len(xs)}x, {outcome}")
    return "recently tried: " + "; ".join(parts)


def unblocked(
    first: Sequence[Proposal],
    redraw: Callable[[int], Sequence[Proposal]],
    history: ChangeHistory,
    iteration: int,
    tries: int = 20,
) -> tuple[list[Proposal], list[Proposal]]:
    """``len(first)`` proposals none of which repeats a recently rejected change: ``first``'s
    unblocked ones, then fresh ones from ``redraw(1)``, ``redraw(2)``, ... (at most ``tries``
    draws). A replacement's reason names what it replaces. Returns (kept, skipped); when no
    alternative turns up in ``tries`` draws the blocked proposal is kept after all (its
    reason says so) rather than leave the slot empty."""
    k = len(first)
    kept: list[Proposal] = []
    skipped: list[Proposal] = []
    why: list[str] = []
    for p in first:
        reason = history.blocks(p, iteration)
        if reason is None:
            kept.append(p)
        else:
            skipped.append(p)
            why.append(reason)
    first_kept = len(kept)
    for n in range(1, tries + 1):
        if len(kept) >= k:
            break
        for p in redraw(n):
            if len(kept) >= k:
                break
            if any(q.config == p.config for q in kept) or history.blocks(p, iteration):
                continue
            note = f"; drawn again: the first draw {why[len(kept) - first_kept]}"
            kept.append(replace(p, reason=p.reason + note))
    for p, reason in zip(skipped, why, strict=True):
        if len(kept) >= k:
            break
        kept.append(replace(p, reason=p.reason + f"; kept, no alternative: it {reason}"))
    return kept, skipped


def read_history(
    results_dir: str | Path, entries: Sequence[LogEntry] = (), space: Space = BUILTIN
) -> list[Attempt]:
    """Every attempt of a results folder (its ``attempts.jsonl``, filled in from ``entries``:
    the training log's lines, their steps in ``space``)."""
    return merge(AttemptFile(Path(results_dir) / ATTEMPTS_NAME).read(), entries, space)


def history_lines(
    results_dir: str | Path,
    iteration: int | None = None,
    window: int = DEFAULT_WINDOW,
    limit: int = 8,
) -> list[str]:
    """The change history as prompt lines, from the files of a results folder: the attempts
    of the ``window`` iterations before ``iteration`` (default: after the last logged one),
    newest first (``iteration 12: weights.space +0.08 (spsa): rejected -12 Elo ±20, 600
    games``), then ``recently tried: weights.space 3x, no gain; ...``. [] for a new folder."""
    from snaketrain.trainlog import LOG_NAME, TrainingLog

    entries = TrainingLog(Path(results_dir) / LOG_NAME, repair=False).entries()
    attempts = read_history(results_dir, entries)
    if iteration is None:
        iteration = 1 + max((a.iteration for a in attempts), default=0)
    return ChangeHistory(tuple(attempts), window).lines(iteration, limit)


def without_vectors(attempts: Iterable[Attempt]) -> tuple[Attempt, ...]:
    """The attempts without their config vectors (what an iteration's start carries)."""
    return tuple(replace(a, x=()) for a in attempts)


__all__ = [
    "ATTEMPTS_NAME",
    "DEFAULT_TOLERANCE",
    "DEFAULT_WINDOW",
    "SKIPPED",
    "Attempt",
    "AttemptFile",
    "ChangeHistory",
    "attempts_of",
    "from_log",
    "history_lines",
    "merge",
    "read_history",
    "steps_of",
    "summary_line",
    "unblocked",
    "unit_vector",
    "without_vectors",
]
