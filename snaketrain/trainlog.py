"""The training log: ``training_log.jsonl``, one JSON object per iteration, append-only.

Readable without Prefect (``tail -f``, ``jq``), as the old system's log was. Each line is
written with one ``write`` + ``fsync``, so a crash leaves at most a partial last line. Opening
the log repairs it (:meth:`TrainingLog.repair`): unreadable lines (that partial line, a
garbled one anywhere) are dropped, the original is kept as ``training_log.jsonl.corrupt``,
and one warning names the lines and the copy. :meth:`TrainingLog.append` is idempotent per
iteration: a crashed iteration that runs again does not log twice, and an iteration number
that would leave a gap is refused. Rates are fractions in [0, 1].

A run that goes on for months never reads the whole log per iteration: :meth:`TrainingLog.tail`
reads the last lines backwards, and :meth:`TrainingLog.summary` (entries, games, accepted,
iterations since the last improvement) reads only what was appended since the last call,
from ``training_log.jsonl.index`` (a cache: rebuilt from the log whenever it does not match).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from snaketrain.configio import fsync_dir, write_text_atomic
from snaketrain.corrupt import save_corrupt_copy
from snaketrain.logindex import INDEX_SUFFIX, LogSummary, read_index, tail_bytes

log = logging.getLogger(__name__)

LOG_NAME = "training_log.jsonl"
#: Iterations without an improvement before the stagnation warning (the Block's default).
DEFAULT_STAGNATION_LIMIT = 100
_TAIL_BLOCK = 8192
#: Fields a line may lack (older logs).
OPTIONAL = ("best_ci", "tuning_games", "verdict")


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
    tuning_games: int = 0  # games SPSA / CMA-ES played to find the candidate
    verdict: str | None = None  # "accept", "reject" or "inconclusive" (None: older lines)

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
        required = [f.name for f in fields(LogEntry) if f.name not in OPTIONAL]
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
            tuning_games=int(d.get("tuning_games") or 0),
            verdict=None if d.get("verdict") is None else str(d["verdict"]),
        )


_PARSE_ERRORS = (ValueError, TypeError, AttributeError, RecursionError)
_SHOWN = 10  # dropped line numbers named in the warning


def _entry(line: bytes) -> LogEntry:
    """The entry of one line (without its newline); raises one of ``_PARSE_ERRORS``."""
    return LogEntry.from_dict(json.loads(line.decode("utf-8")))


def _reason(line: bytes, error: Exception, torn: bool) -> str:
    if torn:
        return f"a partial last line ({len(line)} bytes) left by an interrupted write"
    if not line.strip():
        return "blank"
    return " ".join(f"not a training log entry: {error}".split())


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    chunks = []
    offset = 0
    while True:
        chunk = os.pread(fd, max(size - offset, _TAIL_BLOCK), offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def _append_bytes(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        if os.write(fd, data) != len(data):
            raise OSError(f"{path}: short write")
        os.fsync(fd)
    finally:
        os.close(fd)


def _last_line(fd: int) -> tuple[bytes, bool] | None:
    """The last line of the file without its newline, and whether it had one (None for an
    empty file). Reads backwards in blocks, so a long log costs one block."""
    end = os.fstat(fd).st_size
    if end == 0:
        return None
    terminated = os.pread(fd, 1, end - 1) == b"\n"
    stop = end - 1 if terminated else end
    pos = stop
    while pos > 0:
        start = max(0, pos - _TAIL_BLOCK)
        cut = os.pread(fd, pos - start, start).rfind(b"\n")
        if cut >= 0:
            start += cut + 1
            break
        pos = start
    else:
        start = 0
    return os.pread(fd, stop - start, start), terminated


def stagnation_warning(iterations_since_improvement: int, limit: int) -> str | None:
    """The warning text once ``limit`` iterations passed without an improvement, else None."""
    if iterations_since_improvement < limit:
        return None
    return (
        f"stagnation: {iterations_since_improvement} iterations without an improvement "
        f"(limit {limit}); the perturbation step is enlarged"
    )


class TrainingLog:
    """``training_log.jsonl`` at ``path``.

    Opening it repairs it (:meth:`repair`) unless ``repair=False``: the warning, if there was
    one, is ``repair_warning``. Reads (:meth:`entries`, :meth:`last_iteration`) skip nothing:
    a line that cannot be read is a :class:`TrainingLogError` naming it. Every access holds
    an advisory lock on the file (shared to read, exclusive to write or repair), so a
    ``snaketrain status`` beside a running trainer never sees half a line nor loses one.
    """

    def __init__(self, path: str | Path, *, repair: bool = True) -> None:
        self.path = Path(path)
        self.repair_warning: str | None = self.repair() if repair else None

    @contextlib.contextmanager
    def _locked(self, exclusive: bool, create: bool = False) -> Iterator[int | None]:
        """An fd of the file now at ``path``, locked; None if there is no file (and not
        ``create``). Re-opens when the file was replaced (repaired) while waiting."""
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT if create else os.O_RDONLY
        while True:
            try:
                fd = os.open(self.path, flags, 0o666)
            except FileNotFoundError:
                if create:
                    raise
                yield None
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
                try:
                    current = os.path.samestat(os.fstat(fd), os.stat(self.path))
                except FileNotFoundError:
                    current = False
            except BaseException:
                os.close(fd)
                raise
            if current:
                break
            os.close(fd)
        try:
            yield fd
        finally:
            os.close(fd)

    def repair(self) -> str | None:
        """Drop the lines that cannot be read: a partial last line (a crash in the middle of a
        write, with or without its newline), a garbled or blank line anywhere.

        The original goes to ``<name>.corrupt`` first (``.corrupt.1``, ... if earlier ones
        exist), then the log is rewritten atomically without those lines. Returns the warning
        (one line: the file, the dropped line numbers, the copy; also logged), None when the
        log was fine (a whole last line missing only its newline gets it back in place).
        """
        with self._locked(exclusive=True) as fd:
            warning = None if fd is None else self._repair_locked(fd)
        self._note(warning)
        return warning

    def _repair_locked(self, fd: int) -> str | None:
        raw = _read_all(fd)
        *lines, tail = raw.split(b"\n")  # tail: b"" when the file ends with a newline
        kept: list[str] = []
        dropped: list[tuple[int, str]] = []
        for n, line in enumerate([*lines, tail] if tail else lines, start=1):
            try:
                _entry(line)
                kept.append(line.decode("utf-8"))
            except _PARSE_ERRORS as e:
                dropped.append((n, _reason(line, e, torn=n > len(lines))))
        if not dropped:
            if tail:  # the newline alone was cut off
                _append_bytes(self.path, b"\n")
            return None
        aside = save_corrupt_copy(self.path, raw)
        write_text_atomic(self.path, "".join(f"{line}\n" for line in kept))
        numbers = ", ".join(str(n) for n, _ in dropped[:_SHOWN])
        if len(dropped) > _SHOWN:
            numbers += f", ... ({len(dropped)} lines)"
        first, why = dropped[0]
        return (
            f"{self.path}: dropped unreadable line(s) {numbers} (line {first}: {why}); "
            f"the original is kept as {aside}"
        )

    def last_iteration(self) -> int | None:
        """The iteration of the last line, None for an empty or missing log."""
        with self._locked(exclusive=False) as fd:
            tail = None if fd is None else _last_line(fd)
        return None if tail is None else self._parse(tail[0], None).iteration

    def append(self, entry: LogEntry) -> bool:
        """Write ``entry`` unless its iteration is already logged; True if it was written.

        Iterations must follow each other: after iteration ``n`` only ``n + 1`` is new, an
        iteration ``<= n`` is already there (skipped: the re-run of a crashed iteration), and
        a larger one would leave a gap (ValueError). The first entry may have any number.
        An unreadable last line (a crash since the log was opened) is repaired first, so a
        new line is never glued onto a partial one.
        """
        data = (entry.to_json() + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        for attempt in (1, 2):
            with self._locked(exclusive=True, create=True) as fd:
                assert fd is not None
                try:
                    last = self._last_whole_iteration(fd)
                except TrainingLogError:
                    if attempt == 2:
                        raise
                    self._note(self._repair_locked(fd))
                    continue  # lock the repaired file
                if last is not None and entry.iteration <= last:
                    log.info("%s: iteration %d is already logged", self.path, entry.iteration)
                    return False
                if last is not None and entry.iteration != last + 1:
                    raise ValueError(
                        f"{self.path}: iteration {entry.iteration} would leave a gap after "
                        f"iteration {last}; the next one is {last + 1}"
                    )
                written = os.write(fd, data)
                if written != len(data):  # a full disk; cut the partial line off again
                    os.ftruncate(fd, os.fstat(fd).st_size - written)
                    raise OSError(f"{self.path}: short write ({written} of {len(data)} bytes)")
                os.fsync(fd)
                break
        if created:
            fsync_dir(self.path.parent)
        return True

    def _last_whole_iteration(self, fd: int) -> int | None:
        """The iteration of the last line; TrainingLogError unless it is whole (its newline
        included) and readable."""
        tail = _last_line(fd)
        if tail is None:
            return None
        line, terminated = tail
        if not terminated:
            raise TrainingLogError(f"{self.path}: the last line has no newline")
        return self._parse(line, None).iteration

    def _note(self, warning: str | None) -> None:
        if warning is not None:
            self.repair_warning = warning
            log.warning("%s", warning)

    def _parse(self, line: bytes, number: int | None) -> LogEntry:
        where = f"{self.path}" + (f", line {number}" if number is not None else ", last line")
        try:
            return _entry(line)
        except _PARSE_ERRORS as e:
            raise TrainingLogError(f"{where}: not a training log entry: {e}") from None

    def entries(self) -> list[LogEntry]:
        """Every entry, oldest first ([] for a missing log)."""
        with self._locked(exclusive=False) as fd:
            raw = b"" if fd is None else _read_all(fd)
        *lines, tail = raw.split(b"\n")
        return [self._parse(line, n) for n, line in enumerate([*lines, tail] if tail else lines, 1)]

    def tail(self, n: int) -> list[LogEntry]:
        """The last ``n`` entries, oldest first, read backwards (a long log costs what the
        ``n`` lines take)."""
        with self._locked(exclusive=False) as fd:
            raw = b"" if fd is None or n <= 0 else tail_bytes(fd, n)
        lines = [line for line in raw.split(b"\n") if line]
        return [self._parse(line, None) for line in lines[-n:]] if n > 0 else []

    def summary(self) -> LogSummary:
        """Totals over the whole log; reads only the lines appended since the index was
        written (all of them when the index is missing or belongs to another file)."""
        index = self.path.with_name(self.path.name + INDEX_SUFFIX)
        with self._locked(exclusive=False) as fd:
            if fd is None:
                return LogSummary()
            st = os.fstat(fd)
            ident = [st.st_dev, st.st_ino]
            start, totals = read_index(index, ident, st.st_size)
            new = os.pread(fd, st.st_size - start, start) if st.st_size > start else b""
        end = start + new.rfind(b"\n") + 1  # whole lines only
        for line in new[: end - start].split(b"\n"):
            if line:
                totals = totals.add(self._parse(line, None))
        if end > start:
            with contextlib.suppress(OSError):  # a cache: a read-only folder just re-reads
                write_text_atomic(index, json.dumps({"file": ident, "size": end, **asdict(totals)}))
        return totals

    def best_win_rate(self) -> float | None:
        """The incumbent's re-measured strength as last logged (None before any entry)."""
        last = self.tail(1)
        return last[-1].best_win_rate if last else None

    def iterations_since_improvement(self) -> int:
        """Entries after the last accepted one (all of them if none was accepted)."""
        return self.summary().since_improvement


def iterations_since_improvement(entries: Sequence[LogEntry]) -> int:
    """How many entries follow the last accepted one (all of them if none was accepted)."""
    for n, entry in enumerate(reversed(entries)):
        if entry.accepted:
            return n
    return len(entries)
