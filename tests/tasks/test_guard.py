"""guard: a deployed run waits for another trainer on its folder; re-runs of crashes end."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from prefect.logging import disable_run_logger

import tasks.guard
from snaketrain.training.reruns import RERUNS_FILE, TooManyCrashes
from snaketrain.trainlog import LOG_NAME
from tasks.guard import check_rerun

HOLD = """
import sys
from pathlib import Path
from snaketrain.runtime.locks import exclusive
with exclusive(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_re_runs_count_their_crash_and_the_third_in_a_row_refuses(tmp_path: Path) -> None:
    with disable_run_logger():
        check_rerun.fn(str(tmp_path), "a")
        check_rerun.fn(str(tmp_path), "b")
        check_rerun.fn(str(tmp_path), "b")  # the same re-run retried: counted once
        with pytest.raises(TooManyCrashes, match="crashed 3 times in a row"):
            check_rerun.fn(str(tmp_path), "c")
        check_rerun.fn(str(tmp_path), None)  # started by hand: counted from scratch
        assert not (tmp_path / RERUNS_FILE).exists()
        check_rerun.fn(str(tmp_path), "d")
        (tmp_path / LOG_NAME).write_text("")  # (an empty log: still no iteration)
        check_rerun.fn(str(tmp_path), "e")
    assert json.loads((tmp_path / RERUNS_FILE).read_text()) == {"after": 0, "runs": ["d", "e"]}


def test_a_deployed_run_waits_for_the_trainer_on_its_folder_before_anything(
    prefect_storage: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow on a folder another process holds: it waits (nothing counted, nothing
    planned) until the other stops, then goes on: here to refuse a third crash in a row."""
    from flows.training import continuous_training

    results = tmp_path / "results"
    results.mkdir()
    crashes = json.dumps({"after": 0, "runs": ["a", "b"]}) + "\n"
    (results / RERUNS_FILE).write_text(crashes)
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(results)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    waiting, said, failed = threading.Event(), [], []
    monkeypatch.setattr(tasks.guard, "_waiting", lambda m: (said.append(m), waiting.set()))

    def rerun() -> None:
        try:
            continuous_training.with_options(retries=0)(results_dir=str(results), rerun_of="c")
        except TooManyCrashes as err:
            failed.append(str(err))

    try:
        assert other.stdout is not None and other.stdout.readline() == "held\n"
        thread = threading.Thread(target=rerun)
        thread.start()
        assert waiting.wait(120)
        assert (results / RERUNS_FILE).read_text() == crashes  # waiting: nothing done yet
        assert not (results / "run.json").exists()
        assert other.stdin is not None
        other.stdin.write("\n")
        other.stdin.flush()
        other.wait(timeout=60)
        thread.join(300)
    finally:
        other.kill()
        other.wait()
    assert said and f"another snaketrain is training into {results.resolve()}" in said[0]
    assert len(failed) == 1 and failed[0].startswith("not re-running:"), failed
    assert json.loads((results / RERUNS_FILE).read_text())["runs"] == ["a", "b", "c"]
    assert not (results / "run.json").exists()  # refused before planning a run


def test_a_re_run_on_a_folder_whose_run_finished_trains_nothing(
    prefect_storage: Path, tmp_path: Path
) -> None:
    """The crashed run's process finished its run after all (it was marked Crashed while it
    lived): its re-run, which waited for it, must not start a run of the defaults."""
    from flows.training import continuous_training
    from snaketrain import training

    results = tmp_path / "results"
    plan = training.plan_run(results, 1, 2, {"settings": {}, "target": {}})
    training.finish_run(results, plan)
    before = (results / training.RUN_FILE).read_text()
    run = continuous_training.with_options(retries=0)
    assert run(results_dir=str(results), rerun_of="a") == 0
    assert (results / training.RUN_FILE).read_text() == before
    assert not (results / LOG_NAME).exists()
