"""A damaged training log never stops a restart: unreadable lines (a crash's partial last
line, with or without its newline, a garbled line anywhere) are dropped, the original is kept
as ``.corrupt`` (numbered, never overwritten), and one warning names the file, the lines and
the copy. A new line is never glued onto a partial one."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

import pytest

from snaketrain import trainlog
from snaketrain.trainlog import LogEntry, TrainingLog, TrainingLogError


def entry(iteration: int) -> LogEntry:
    return LogEntry(
        iteration=iteration,
        timestamp="2026-11-24T13:00:00Z",
        changes=[{"key": "weights.space", "old": 20.0, "new": 35.0}],
        win_rate=0.56,
        best_win_rate=0.5,
        improvement=0.0,
        games=400,
        elo=41.9,
        elo_ci=[12.0, 71.8],
        llr=-1.2,
        accepted=False,
        advisor="random",
        duration_s=12.5,
        config_hash="ab" * 32,
    )


def line(iteration: int) -> bytes:
    return (entry(iteration).to_json() + "\n").encode()


def iterations(path: Path) -> list[int]:
    return [e.iteration for e in TrainingLog(path, repair=False).entries()]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "training_log.jsonl"


@pytest.mark.parametrize("newline", [False, True], ids=["no newline", "with newline"])
def test_a_torn_last_line_is_dropped_and_the_original_kept(path: Path, newline: bool) -> None:
    torn = line(3)[:57] + (b"\n" if newline else b"")
    original = line(1) + line(2) + torn
    path.write_bytes(original)
    log = TrainingLog(path)
    warning = log.repair_warning
    assert warning is not None and len(warning.splitlines()) == 1
    assert warning.startswith(f"{path}: dropped unreadable line(s) 3 (line 3: ")
    assert warning.endswith(f"the original is kept as {path}.corrupt")
    assert ("partial last line (57 bytes)" in warning) is not newline
    assert Path(f"{path}.corrupt").read_bytes() == original
    assert path.read_bytes() == line(1) + line(2)
    assert log.last_iteration() == 2
    assert log.append(entry(3)) and iterations(path) == [1, 2, 3]


def test_a_garbled_middle_line_is_dropped_and_training_goes_on(path: Path) -> None:
    original = line(1) + b'{"iteration": 2, "timest\x00\x00\x00\n' + line(3) + b"\n" + line(4)
    path.write_bytes(original)
    log = TrainingLog(path)
    assert log.repair_warning is not None
    assert "dropped unreadable line(s) 2, 4 (line 2: not a training log entry: " in (
        log.repair_warning
    )
    assert iterations(path) == [1, 3, 4]
    assert Path(f"{path}.corrupt").read_bytes() == original
    assert not log.append(entry(4)) and log.append(entry(5))
    assert iterations(path) == [1, 3, 4, 5]


def test_earlier_corrupt_copies_are_kept(path: Path) -> None:
    for n, junk in enumerate([b"first junk\n", b"second junk\n", b"{"]):
        path.write_bytes(line(1) + junk)
        warning = TrainingLog(path).repair_warning
        suffix = ".corrupt" + (f".{n}" if n else "")
        assert warning is not None and warning.endswith(f"kept as {path}{suffix}")
        assert Path(f"{path}{suffix}").read_bytes() == line(1) + junk
    assert path.read_bytes() == line(1)


def test_a_log_of_garbage_names_the_first_lines_and_the_count(path: Path) -> None:
    path.write_bytes(b"junk\n" * 25)
    warning = TrainingLog(path).repair_warning
    assert warning is not None
    assert "line(s) 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... (25 lines)" in warning
    assert path.read_bytes() == b"" and TrainingLog(path).entries() == []


def test_a_whole_last_line_missing_only_its_newline_gets_it_back(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path.write_bytes(line(1) + line(2)[:-1])
    with caplog.at_level(logging.WARNING):
        log = TrainingLog(path)
    assert log.repair_warning is None and caplog.text == ""
    assert path.read_bytes() == line(1) + line(2)
    assert not Path(f"{path}.corrupt").exists()


def test_a_sound_log_is_left_alone(path: Path) -> None:
    path.write_bytes(line(1) + line(2))
    before = os.stat(path)
    log = TrainingLog(path)
    assert log.repair_warning is None and log.repair() is None
    assert os.path.samestat(before, os.stat(path)) and path.read_bytes() == line(1) + line(2)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    assert TrainingLog(path.parent / "missing.jsonl").repair() is None


def test_append_after_a_later_crash_never_glues_onto_the_partial_line(path: Path) -> None:
    log = TrainingLog(path)
    assert log.append(entry(1)) and log.append(entry(2))
    with open(path, "ab") as f:  # another run crashed while writing iteration 3
        f.write(line(3)[:40])
    assert log.append(entry(3))
    assert path.read_bytes() == line(1) + line(2) + line(3)
    assert log.repair_warning is not None and "partial last line (40 bytes)" in log.repair_warning
    assert Path(f"{path}.corrupt").read_bytes() == line(1) + line(2) + line(3)[:40]


def test_append_after_a_last_line_missing_its_newline_adds_it_first(path: Path) -> None:
    log = TrainingLog(path)
    log.append(entry(1))
    path.write_bytes(line(1) + line(2)[:-1])  # a later crash cut off the newline alone
    assert log.append(entry(3))
    assert path.read_bytes() == line(1) + line(2) + line(3)


def test_append_after_a_garbled_last_line_repairs_first(path: Path) -> None:
    log = TrainingLog(path)
    log.append(entry(1))
    with open(path, "ab") as f:
        f.write(b"\x00\x00\x00\n")  # blocks a crash left unwritten
    assert log.append(entry(2)) and iterations(path) == [1, 2]


def test_reads_name_the_unreadable_line(path: Path) -> None:
    path.write_bytes(line(1) + b"oops\n" + line(2))
    log = TrainingLog(path, repair=False)
    with pytest.raises(TrainingLogError, match=r"line 2: not a training log entry"):
        log.entries()
    path.write_bytes(line(1) + b"oops\n")
    with pytest.raises(TrainingLogError, match=r"last line: not a training log entry"):
        log.last_iteration()


def test_an_append_waiting_for_a_repair_writes_into_the_repaired_file(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = TrainingLog(path)
    log.append(entry(1))
    real_flock = fcntl.flock
    calls = []

    def flock_after_a_repair(fd: int, op: int) -> None:
        if not calls:  # while this append waited, another process replaced the file
            tmp = path.with_name("replacement")
            tmp.write_bytes(line(1) + line(2))
            os.replace(tmp, path)
        calls.append(op)
        real_flock(fd, op)

    monkeypatch.setattr(trainlog.fcntl, "flock", flock_after_a_repair)
    assert log.append(entry(3))
    assert len(calls) == 2  # locked the old file, saw it replaced, locked the new one
    assert iterations(path) == [1, 2, 3]


def test_an_append_that_would_leave_a_gap_is_still_refused_after_a_repair(path: Path) -> None:
    path.write_bytes(line(1) + b"junk")
    log = TrainingLog(path, repair=False)
    with pytest.raises(ValueError, match="gap after iteration 1"):
        log.append(entry(3))
    assert path.read_bytes() == line(1)
