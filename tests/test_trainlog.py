"""The training log survives crashes: one line per iteration, never two, never half of one;
config.yaml is replaced atomically."""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import replace
from pathlib import Path

import pytest

from snaketrain.configio import write_config_atomic, write_text_atomic
from snaketrain.snake.space import default_config, load_config
from snaketrain.trainlog import (
    LogEntry,
    TrainingLog,
    TrainingLogError,
    iterations_since_improvement,
    stagnation_warning,
    utc_timestamp,
)


def entry(iteration: int, accepted: bool = False, best: float = 0.5) -> LogEntry:
    return LogEntry(
        iteration=iteration,
        timestamp="2026-11-24T13:00:00Z",
        changes=[{"key": "weights.space", "old": 20.0, "new": 35.0}],
        win_rate=0.56,
        best_win_rate=best,
        improvement=0.06,
        games=400,
        elo=41.9,
        elo_ci=[12.0, 71.8],
        llr=2.97 if accepted else -1.2,
        accepted=accepted,
        advisor="random",
        duration_s=12.5,
        config_hash="ab" * 32,
    )


def test_a_line_is_the_documented_json_object(tmp_path: Path) -> None:
    log = TrainingLog(tmp_path / "training_log.jsonl")
    assert log.append(entry(1, accepted=True))
    (line,) = (tmp_path / "training_log.jsonl").read_text().splitlines()
    assert list(json.loads(line)) == [
        "iteration", "timestamp", "changes", "win_rate", "best_win_rate", "improvement",
        "games", "elo", "elo_ci", "llr", "accepted", "advisor", "duration_s", "config_hash",
        "best_ci", "tuning_games", "verdict",
    ]  # fmt: skip (the last two since the tuning advisors: older lines without them still load)
    assert json.loads(line)["elo_ci"] == [12.0, 71.8]
    assert log.entries() == [entry(1, accepted=True)]


def test_the_same_iteration_twice_is_written_once(tmp_path: Path) -> None:
    log = TrainingLog(tmp_path / "training_log.jsonl")
    assert log.append(entry(1))
    assert not log.append(replace(entry(1), win_rate=0.9))  # the re-run of a crashed iteration
    assert log.append(entry(2))
    assert not TrainingLog(log.path).append(entry(1))  # also after re-opening
    assert [e.iteration for e in log.entries()] == [1, 2]
    assert log.entries()[0].win_rate == 0.56


def test_a_gap_is_refused(tmp_path: Path) -> None:
    log = TrainingLog(tmp_path / "training_log.jsonl")
    log.append(entry(7))  # the first entry may have any number
    with pytest.raises(ValueError, match="gap after iteration 7; the next one is 8"):
        log.append(entry(9))


def test_a_partial_last_line_from_a_crash_is_cut_off_on_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "training_log.jsonl"
    TrainingLog(path).append(entry(1))
    TrainingLog(path).append(entry(2))
    whole = path.read_bytes()
    path.write_bytes(whole + (entry(3).to_json() + "\n").encode()[:40])  # crash mid-write
    with caplog.at_level(logging.WARNING):
        log = TrainingLog(path)
    assert "partial last line (40 bytes)" in caplog.text
    assert path.read_bytes() == whole
    assert log.last_iteration() == 2
    assert log.append(entry(3)) and [e.iteration for e in log.entries()] == [1, 2, 3]


def test_a_partial_only_line_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "training_log.jsonl"
    path.write_bytes(b'{"iteration": 1, "times')
    log = TrainingLog(path)
    assert path.read_bytes() == b"" and log.last_iteration() is None and log.entries() == []


def test_last_iteration_reads_long_logs_from_the_tail(tmp_path: Path) -> None:
    log = TrainingLog(tmp_path / "nested" / "training_log.jsonl")
    assert log.last_iteration() is None and log.best_win_rate() is None
    long_changes = [{"key": f"k{i}", "old": i, "new": i + 1} for i in range(400)]  # > 8 KiB
    for i in range(1, 6):
        log.append(replace(entry(i), changes=long_changes))
    assert log.last_iteration() == 5


def test_best_win_rate_is_the_latest_recorded_not_the_max(tmp_path: Path) -> None:
    log = TrainingLog(tmp_path / "training_log.jsonl")
    for i, best in enumerate([0.5, 0.71, 0.55], start=1):
        log.append(entry(i, best=best))
    assert log.best_win_rate() == 0.55


def test_iterations_since_improvement_and_the_stagnation_warning(tmp_path: Path) -> None:
    log = TrainingLog(tmp_path / "training_log.jsonl")
    flags = [False, True, False, False, True, False, False, False]
    for i, accepted in enumerate(flags, start=1):
        log.append(entry(i, accepted=accepted))
    assert log.iterations_since_improvement() == 3
    assert iterations_since_improvement([entry(1), entry(2)]) == 2
    assert stagnation_warning(99, 100) is None
    assert "100 iterations without an improvement" in (stagnation_warning(100, 100) or "")


def test_non_finite_numbers_are_written_as_null(tmp_path: Path) -> None:
    log = TrainingLog(tmp_path / "training_log.jsonl")
    log.append(replace(entry(1), elo=math.nan, llr=math.inf, elo_ci=[math.nan, math.nan]))
    raw = json.loads(log.path.read_text())
    assert raw["elo"] is None and raw["llr"] is None and raw["elo_ci"] == [None, None]
    (back,) = log.entries()
    assert math.isnan(back.elo) and math.isnan(back.llr)


def test_a_broken_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "training_log.jsonl"
    path.write_text(entry(1).to_json() + "\n" + '{"iteration": 2}\n')
    with pytest.raises(TrainingLogError, match=r"line 2: .*missing keys: timestamp"):
        TrainingLog(path, repair=False).entries()  # reads skip nothing
    assert TrainingLog(path, repair=False).repair_warning is None
    assert not (tmp_path / "training_log.jsonl.corrupt").exists()  # opened without repair


def test_timestamps_are_iso_utc() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    when = datetime(2026, 11, 24, 15, 0, 1, tzinfo=timezone(timedelta(hours=2)))
    assert utc_timestamp(when) == "2026-11-24T13:00:01Z"
    assert utc_timestamp().endswith("Z") and utc_timestamp(datetime.now(UTC))
    with pytest.raises(ValueError, match="timezone"):
        utc_timestamp(datetime(2026, 1, 1))


def test_config_is_written_atomically_with_no_temp_file_left(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("old\n")
    path.chmod(0o640)
    config = default_config().replace({"weights.space": 33.5})
    write_config_atomic(path, config)
    assert load_config(path) == config
    assert os.listdir(tmp_path) == ["config.yaml"]
    assert path.stat().st_mode & 0o777 == 0o640  # permissions kept


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("old\n")

    with pytest.raises(TypeError):
        write_text_atomic(path, 12345)  # type: ignore[arg-type]  # fails while writing
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["config.yaml"]


def test_an_older_line_without_the_tuning_fields_still_loads(tmp_path: Path) -> None:
    log = TrainingLog(tmp_path / "training_log.jsonl")
    log.append(entry(1, accepted=False))
    old = json.loads((tmp_path / "training_log.jsonl").read_text())
    for key in ("tuning_games", "verdict", "best_ci"):
        old.pop(key)
    (tmp_path / "training_log.jsonl").write_text(json.dumps(old) + "\n")
    [back] = TrainingLog(tmp_path / "training_log.jsonl").entries()
    assert (back.tuning_games, back.verdict, back.best_ci) == (0, None, None)
