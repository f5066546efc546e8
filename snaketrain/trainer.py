"""Continuous training from Python or the CLI: the one thin place where the library starts
Prefect (the flows in ``flows/training.py``).

    from snaketrain import ContinuousTrainer
    ContinuousTrainer(games_per_iteration=50).train()

Everything a user can get wrong (config.yaml, opponents, settings) is checked before any game
is played. Training runs on Prefect's ephemeral API with a local database unless
``PREFECT_API_URL`` points at a server. Finished steps are persisted under
``<results>/prefect-results``; the same call after a crash or Ctrl+C resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from snaketrain.snake.registry import batched_policy
from snaketrain.snake.space import load_config


class TrainingBusy(RuntimeError):
    """Another trainer holds the results folder."""


@contextlib.contextmanager
def exclusive(results_dir: Path) -> Iterator[None]:
    """Never two trainers on one results folder (an advisory lock, released on any exit)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    with open(results_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TrainingBusy(
                f"another snaketrain is training into {results_dir}; stop it first"
            ) from None
        yield


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops training like Ctrl+C does (main thread only)."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@dataclass
class ContinuousTrainer:
    """Tunes ``config.yaml`` in ``repo_path``. ``games_per_iteration`` set: the old fixed-N
    test (games per candidate, whole Elo interval above ``min_improvement``); unset: SPRT on
    Elo with bounds ``sprt``."""

    games_per_iteration: int | None = None
    sprt: tuple[float, float] = (0.0, 10.0)
    max_iterations: int | None = None
    min_improvement: float = 0.0
    parallel_configs: int = 1
    opponents: Sequence[str] = ("baseline",)
    device: str = "cpu"
    seed: int = 0
    shards: int | None = None
    size: int = 11
    repo_path: str = "."
    config_path: str = "config.yaml"
    results_dir: str = "nn_training_results"
    push: bool = False
    remote: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # further TrainingSettings fields

    def settings(self) -> Any:
        from blocks.training import TrainingSettings

        return TrainingSettings(
            games=self.games_per_iteration,
            sprt_elo0=self.sprt[0],
            sprt_elo1=self.sprt[1],
            min_improvement=self.min_improvement,
            parallel_configs=self.parallel_configs,
            opponents=list(self.opponents),
            device=self.device,
            seed=self.seed,
            shards=self.shards or max(1, min(os.cpu_count() or 1, 8)),
            size=self.size,
            **self.extra,
        )

    def target(self) -> Any:
        from blocks.training import GitTarget

        return GitTarget(
            repo_path=self.repo_path,
            config_path=self.config_path,
            remote=self.remote,
            push=self.push,
        )

    def check(self) -> None:
        """Every input error, before any game: config, opponents, device, settings."""
        load_config(Path(self.repo_path) / self.config_path)
        for name in self.opponents:
            batched_policy(name)
        if self.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise ValueError("--device cuda: this machine has no CUDA device torch can use")
        self.settings()

    def train(self) -> int:
        """Run until ``max_iterations`` (or forever); returns the iterations run. Raises
        KeyboardInterrupt on Ctrl+C / SIGTERM after the in-flight step stopped cleanly."""
        self.check()
        results = Path(self.results_dir).resolve()
        from prefect.settings import (
            PREFECT_LOCAL_STORAGE_PATH,
            PREFECT_RESULTS_PERSIST_BY_DEFAULT,
            temporary_settings,
        )

        from flows.training import continuous_training
        from snaketrain import training

        with (
            exclusive(results),
            sigterm_as_interrupt(),
            temporary_settings(
                {
                    PREFECT_LOCAL_STORAGE_PATH: str(results / "prefect-results"),
                    PREFECT_RESULTS_PERSIST_BY_DEFAULT: True,
                }
            ),
        ):
            try:
                return continuous_training(
                    self.settings(), self.target(), str(results), self.max_iterations
                )
            finally:
                training.shutdown_pool()
