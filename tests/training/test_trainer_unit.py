"""The trainer's small pieces: SIGTERM as Ctrl+C, one trainer per results folder, settings."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from snaketrain.runtime import ContinuousTrainer, TrainingBusy, TrainingInputError
from snaketrain.runtime.locks import exclusive
from snaketrain.runtime.signals import sigterm_as_interrupt


def test_sigterm_stops_like_ctrl_c() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), sigterm_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises long before this ends
    assert signal.getsignal(signal.SIGTERM) == before


def test_one_trainer_per_results_folder(tmp_path: Path) -> None:
    with (
        exclusive(tmp_path),
        pytest.raises(TrainingBusy, match="another snaketrain"),
        exclusive(tmp_path),
    ):
        pass
    with exclusive(tmp_path):  # released on exit
        pass


def test_flags_override_defaults_and_bad_input_is_named(repo: Path) -> None:
    t = ContinuousTrainer(games_per_iteration=40, shards=3, repo_path=str(repo))
    settings, target = t.check()
    assert (settings.games, settings.shards, settings.sprt_elo1) == (40, 3, 10.0)
    assert target.repo_path == str(repo)
    with pytest.raises(TrainingInputError, match="unknown snake 'nobody'"):
        ContinuousTrainer(opponents=["nobody"], repo_path=str(repo)).check()
    with pytest.raises(TrainingInputError, match="elo0 < elo1"):
        ContinuousTrainer(sprt=(5.0, 1.0), repo_path=str(repo)).check()
    with pytest.raises(TrainingInputError, match="drop benchmark_deployments"):
        ContinuousTrainer(
            extra={"snake": str(repo / "snake.yaml"), "benchmark_deployments": ["b/gpu-0"]},
            repo_path=str(repo),
        ).check()
    missing = str(repo / "no-such-model")
    with pytest.raises(TrainingInputError, match="--llm-model .*no-such-model.*no such file"):
        ContinuousTrainer(
            extra={"use_llm": True, "llm_model": missing}, repo_path=str(repo)
        ).check()
