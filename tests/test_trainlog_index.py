"""The log's tail and its incremental totals: a long log is not read whole per iteration."""

from __future__ import annotations

from pathlib import Path

from test_trainlog import entry

from snaketrain.trainlog import INDEX_SUFFIX, LogSummary, TrainingLog


def _log(path: Path, n: int, first: int = 1) -> TrainingLog:
    log = TrainingLog(path)
    for i in range(first, first + n):
        log.append(entry(i, accepted=i % 7 == 0))
    return log


def test_tail_and_summary_agree_with_the_whole_log(tmp_path: Path) -> None:
    log = _log(tmp_path / "training_log.jsonl", 300)
    everything = log.entries()
    assert log.tail(200) == everything[-200:]
    assert log.tail(1000) == everything and log.tail(0) == []
    assert log.summary() == LogSummary(300, 400 * 300, 300 // 7, 300 - 294)
    assert log.iterations_since_improvement() == 6


def test_summary_reads_only_what_was_appended_since(tmp_path: Path) -> None:
    path = tmp_path / "training_log.jsonl"
    log = _log(path, 10)
    assert log.summary().entries == 10
    # change an early line in place (same length, same file): the index has counted it
    # already, so a summary that re-read the whole log would see the difference
    data = path.read_bytes()
    with open(path, "r+b") as handle:
        handle.write(data[:200].replace(b'"games": 400', b'"games": 999'))
    _log(path, 2, first=11)
    assert log.summary() == LogSummary(12, 400 * 12, 1, 5)


def test_a_replaced_log_rebuilds_the_index(tmp_path: Path) -> None:
    path = tmp_path / "training_log.jsonl"
    log = _log(path, 10)
    log.summary()
    assert path.with_name(path.name + INDEX_SUFFIX).exists()
    path.unlink()
    fresh = _log(path, 3, first=1)
    assert fresh.summary() == LogSummary(3, 1200, 0, 3)
    assert TrainingLog(tmp_path / "missing.jsonl").summary() == LogSummary()
