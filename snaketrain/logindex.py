"""The training log's tail and its index: what lets a months-long log be read per iteration
without reading it whole (``TrainingLog.tail`` / ``TrainingLog.summary``).

``training_log.jsonl.index`` holds the totals of the log's first ``size`` bytes and the file's
identity (device, inode); it is a cache, rebuilt whenever it does not match (a repaired log is
a new file).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snaketrain.trainlog import LogEntry

_TAIL_BLOCK = 8192

INDEX_SUFFIX = ".index"


@dataclass(frozen=True)
class LogSummary:
    """Totals over the whole log, kept up to date incrementally."""

    entries: int = 0
    games: int = 0
    accepted: int = 0
    since_improvement: int = 0  # entries after the last accepted one

    def add(self, entry: LogEntry) -> LogSummary:
        return LogSummary(
            self.entries + 1,
            self.games + entry.games,
            self.accepted + entry.accepted,
            0 if entry.accepted else self.since_improvement + 1,
        )


def tail_bytes(fd: int, n: int) -> bytes:
    """The bytes of at least the last ``n`` lines (fewer when the file has fewer)."""
    end = os.fstat(fd).st_size
    pos, chunks, newlines = end, [], 0
    while pos > 0 and newlines <= n:
        start = max(0, pos - _TAIL_BLOCK)
        chunk = os.pread(fd, pos - start, start)
        chunks.append(chunk)
        newlines += chunk.count(b"\n")
        pos = start
    return b"".join(reversed(chunks))


def read_index(index: Path, ident: list[int], size: int) -> tuple[int, LogSummary]:
    """(bytes already counted, their totals) from the index, or (0, empty) when it is
    missing, unreadable or not this file's (a repaired log is a new file)."""
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
        if data["file"] != ident or not 0 <= data["size"] <= size:
            return 0, LogSummary()
        totals = LogSummary(
            int(data["entries"]),
            int(data["games"]),
            int(data["accepted"]),
            int(data["since_improvement"]),
        )
        return int(data["size"]), totals
    except (OSError, ValueError, KeyError, TypeError):
        return 0, LogSummary()
