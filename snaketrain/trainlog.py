"""The training log: ``training_log.jsonl``, one JSON object per iteration, append-only.

Readable without Prefect (``tail -f``, ``jq``), as the old system's log was. Each line is
written with one ``write`` + ``fsync``, so a crash leaves at most a partial last line, which
is cut off (with a warning) the next time the log is opened. :meth:`TrainingLog.append` is
idempotent per iteration: a crashed iteration that runs again does not log twice, and an
iteration number that would leave a gap is refused. Rates are fractions in [0, 1].
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from snaketrain.configio import fsync_dir

log = logging.getLogger(__name__)

LOG_NAME = "training_log.jsonl"
#: Iterations without an improvement before the stagnation warning (the Block's default).
DEFAULT_STAGNATION_LIMIT = 100
_TAIL_BLOCK = 8192


class TrainingLogError(ValueError):
    """A line of the log that cannot be read; the message names the file and line."""


def utc_timestamp(when: datetime | None = None) -> str:
    """ISO 8601 UTC with seconds, e.g. ``2026-11-24T13:32:33Z`` (now if ``when`` is None)."""
    when = when or datetime.now(UTC)
    if when.tzinfo is None:
        raise ValueError("a timestamp needs a timezone (naive datetimes are ambiguous)")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _finite_or_none(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


@dataclass(frozen=True)
class LogEntry:
    """One iteration, as one line of ``training_log.jsonl``.

    ``win_rate`` is the deciding candidate's score against the incumbent in the games that
    decided (0.5 = equal); ``best_win_rate`` the best config's strength against the reference
    opponents after this iteration, as the trainer last re-measured it (on games that decided
    no acceptance); ``improvement`` its change in this iteration (0 unless accepted).
    ``elo``, ``elo_ci`` ([low, high]) and ``llr`` are the candidate's against the incumbent
    (NaN where no games were played: written as ``null``). ``best_ci`` is the interval of
    ``best_win_rate`` when the trainer knows it.
    """

    iteration: int
    timestamp: str  # ISO 8601 UTC, see utc_timestamp()
    changes: list[dict[str, Any]]  # [{"key", "old", "new"}], the candidate against the best
    win_rate: float
    best_win_rate: float
    improvement: float
    games: int
    elo: float
    elo_ci: list[float]  # [low, high]
    llr: float
    accepted: bool
    advisor: str
    duration_s: float
    config_hash: str  # sha256 of the candidate (space.config_hash)
    best_ci: list[float] | None = field(default=None)  # [low, high] of best_win_rate

    def to_json(self) -> str:
        """One line of JSON (no newline); non-finite numbers become ``null``."""
        d = asdict(self)
        for key in ("win_rate", "best_win_rate", "improvement", "elo", "llr", "duration_s"):
            d[key] = _finite_or_none(d[key])
        for key in ("elo_ci", "best_ci"):
            if d[key] is not None:
                d[key] = [_finite_or_none(x) for x in d[key]]
        return json.dumps(d, ensure_ascii=False, allow_nan=False, separators=(", ", ": "))

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> LogEntry:
        """An entry from a parsed line; unknown keys are ignored, missing ones are errors."""
        required = [f.name for f in fields(LogEntry) if f.name != "best_ci"]
        missing = [k for k in required if k not in d]
        if missing:
            raise ValueError(f"missing keys: {', '.join(missing)}")

        def num(key: str) -> float:
            return math.nan if d[key] is None else float(d[key])

        def pair(value: Any) -> list[float] | None:
            if value is None:
                return None
            low, high = value
            return [math.nan if x is None else float(x) for x in (low, high)]

        return LogEntry(
            iteration=int(d["iteration"]),
            timestamp=str(d["timestamp"]),
            changes=[dict(c) for c in d["changes"]],
            win_rate=num("win_rate"),
            best_win_rate=num("best_win_rate"),
            improvement=num("improvement"),
            games=int(d["games"]),
            elo=num("elo"),
            elo_ci=pair(d["elo_ci"]) or [math.nan, math.nan],
            llr=num("llr"),
            accepted=bool(d["accepted"]),
            advisor=str(d["advisor"]),
            duration_s=num("duration_s"),
            config_hash=str(d["config_hash"]),
            best_ci=pair(d.get("best_ci")),
        )


def _line_start(f: BinaryIO, end: int) -> int:
    """Offset just after the last newline before ``end`` in the open file (0 if none)."""
    pos = end
    while pos > 0:
        start = max(0, pos - _TAIL_BLOCK)
        f.seek(start)
        cut = f.read(pos - start).rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        pos = start
    return 0


def _read_last_line(path: Path) -> bytes | None:
    """The last line of ``path`` without its newline (None for an empty file)."""
    with open(path, "rb") as f:
        end = f.seek(0, os.SEEK_END)
        if end == 0:
            return None
        f.seek(end - 1)
        if f.read(1) == b"\n":
            end -= 1
        start = _line_start(f, end)
        f.seek(start)
        return f.read(end - start) or None


def stagnation_warning(iterations_since_improvement: int, limit: int) -> str | None:
    """The warning text once ``limit`` iterations passed without an improvement, else None."""
    if iterations_since_improvement < limit:
        return None
    return (
        f"stagnation: {iterations_since_improvement} iterations without an improvement "
        f"(limit {limit}); the perturbation step is enlarged"
    )


class TrainingLog:
    """``training_log.jsonl`` at ``path``; opening it repairs a partial last line."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.repaired_bytes = self._repair()

    def _repair(self) -> int:
        """Cut a trailing partial line (a crash in the middle of a write); bytes removed."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return 0
        if size == 0:
            return 0
        with open(self.path, "rb+") as f:
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return 0
            last = _line_start(f, size)
            f.truncate(last)
            f.flush()
            os.fsync(f.fileno())
        removed = size - last
        log.warning(
            "%s: removed a partial last line (%d bytes) left by an interrupted write",
            self.path,
            removed,
        )
        return removed

    def last_iteration(self) -> int | None:
        """The iteration of the last line, None for an empty or missing log."""
        try:
            line = _read_last_line(self.path)
        except FileNotFoundError:
            return None
        if line is None:
            return None
        return self._parse(line, None).iteration

    def append(self, entry: LogEntry) -> bool:
        """Write ``entry`` unless its iteration is already logged; True if it was written.

        Iterations must follow each other: after iteration ``n`` only ``n + 1`` is new, an
        iteration ``<= n`` is already there (skipped: the re-run of a crashed iteration), and
        a larger one would leave a gap (ValueError). The first entry may have any number.
        """
        last = self.last_iteration()
        if last is not None and entry.iteration <= last:
            log.info("%s: iteration %d is already logged", self.path, entry.iteration)
            return False
        if last is not None and entry.iteration != last + 1:
            raise ValueError(
                f"{self.path}: iteration {entry.iteration} would leave a gap after "
                f"iteration {last}; the next one is {last + 1}"
            )
        data = (entry.to_json() + "\n").encode("utf-8")
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            written = os.write(fd, data)
            if written != len(data):  # a full disk; cut the partial line off again
                os.ftruncate(fd, os.fstat(fd).st_size - written)
                raise OSError(f"{self.path}: short write ({written} of {len(data)} bytes)")
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.path.parent)
        return True

    def _parse(self, line: bytes, number: int | None) -> LogEntry:
        where = f"{self.path}" + (f", line {number}" if number is not None else ", last line")
        try:
            return LogEntry.from_dict(json.loads(line))
        except (ValueError, TypeError, AttributeError) as e:
            raise TrainingLogError(f"{where}: not a training log entry: {e}") from None

    def entries(self) -> list[LogEntry]:
        """Every entry, oldest first ([] for a missing log)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        return [
            self._parse(line, n) for n, line in enumerate(raw.split(b"\n"), start=1) if line.strip()
        ]

    def best_win_rate(self) -> float | None:
        """The incumbent's re-measured strength as last logged (None before any entry)."""
        entries = self.entries()
        return entries[-1].best_win_rate if entries else None

    def iterations_since_improvement(self) -> int:
        """Entries after the last accepted one (all of them if none was accepted)."""
        return iterations_since_improvement(self.entries())


def iterations_since_improvement(entries: Sequence[LogEntry]) -> int:
    """How many entries follow the last accepted one (all of them if none was accepted)."""
    for n, entry in enumerate(reversed(entries)):
        if entry.accepted:
            return n
    return len(entries)
