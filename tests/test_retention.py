"""The results folder's retention pass: old results and shards deleted, old candidates zipped."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pytest

from snaketrain.retention import compact, cutoff


def _file(path: Path, text: str, age_days: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    when = time.time() - age_days * 86400
    os.utime(path, (when, when))
    return path


def test_old_files_go_and_new_ones_stay(tmp_path: Path) -> None:
    old_result = _file(tmp_path / "prefect-results" / "a", "x" * 10, 20)
    new_result = _file(tmp_path / "prefect-results" / "b", "y", 1)
    old_shard = _file(tmp_path / "shards" / "s.json", "{}", 15)
    old_cand = _file(tmp_path / "candidates" / "0123.yaml", "k: 1\n", 30)
    new_cand = _file(tmp_path / "candidates" / "4567.yaml", "k: 2\n", 2)
    log = _file(tmp_path / "training_log.jsonl", "{}\n", 100)  # never touched

    done = compact(tmp_path, 14)

    assert (done.deleted_files, done.deleted_bytes, done.archived_candidates) == (2, 12, 1)
    assert not old_result.exists() and not old_shard.exists() and not old_cand.exists()
    assert new_result.exists() and new_cand.exists() and log.exists()
    assert done.archive is not None
    with zipfile.ZipFile(done.archive) as archive:
        assert archive.read("0123.yaml") == b"k: 1\n"


def test_a_second_pass_with_nothing_old_writes_no_archive(tmp_path: Path) -> None:
    _file(tmp_path / "candidates" / "0123.yaml", "k: 1\n", 30)
    assert compact(tmp_path, 14).archive is not None
    again = compact(tmp_path, 14)
    assert (again.archived_candidates, again.archive) == (0, None)
    assert len(list((tmp_path / "candidates" / "archive").glob("*.zip"))) == 1


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="days must be >= 0"):
        cutoff(-1)
