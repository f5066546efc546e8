"""Re-runs of crashed runs end: crashes in a row without an iteration finished are counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from snaketrain.training.reruns import (
    MAX_CRASHES,
    RERUNS_FILE,
    Crashes,
    TooManyCrashes,
    counted,
    forget,
    note_rerun,
    refusal,
)


def test_crashes_count_in_a_row_once_each_and_start_again_after_an_iteration() -> None:
    first = counted(None, "a", 4)
    assert first == Crashes(4, ("a",))
    second = counted(first, "b", 4)
    assert second == Crashes(4, ("a", "b"))
    assert counted(second, "b", 4) == second  # the same re-run again (a retry) counts once
    assert counted(second, "c", 5) == Crashes(5, ("c",))  # iteration 5 finished in between


def test_the_re_run_after_the_limit_refuses_with_one_clear_line(tmp_path: Path) -> None:
    assert MAX_CRASHES == 3
    for run in ("a", "b"):
        note_rerun(tmp_path, run, 0)
    with pytest.raises(TooManyCrashes) as err:
        note_rerun(tmp_path, "c", 0)
    said = str(err.value)
    assert "\n" not in said
    assert said.startswith(f"not re-running: the runs on {tmp_path} crashed 3 times in a row")
    assert "last finished: none" in said and "a, b, c" in said and "by hand" in said
    with pytest.raises(TooManyCrashes):  # kept: every later re-run refuses too
        note_rerun(tmp_path, "c", 0)
    kept = json.loads((tmp_path / RERUNS_FILE).read_text())
    assert kept == {"after": 0, "runs": ["a", "b", "c"]}

    note_rerun(tmp_path, "d", 1)  # an iteration finished: allowed again
    forget(tmp_path)  # a run started by hand
    assert not (tmp_path / RERUNS_FILE).exists()
    assert refusal(Crashes(0, ("a", "b")), tmp_path) is None


def test_an_unreadable_count_starts_again(tmp_path: Path) -> None:
    (tmp_path / RERUNS_FILE).write_text("{torn")
    assert note_rerun(tmp_path, "a", 2) == Crashes(2, ("a",))
