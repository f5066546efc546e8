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


# --- the `snaketrain train` command --------------------------------------------------------


def _sprt_bounds(text: str) -> tuple[float, float]:
    import argparse

    try:
        elo0, elo1 = (float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--sprt takes ELO0,ELO1 (e.g. 0,10), got {text!r}"
        ) from None
    if elo0 >= elo1:
        raise argparse.ArgumentTypeError(f"--sprt needs ELO0 < ELO1, got {text!r}")
    return elo0, elo1


def add_train_arguments(p: Any) -> None:
    from snaketrain.cli import int_in

    p.add_argument(
        "--games",
        type=int_in(2, None, "--games"),
        default=None,
        help="fixed-N mode: games per candidate (even); default: SPRT decides",
    )
    p.add_argument(
        "--sprt",
        type=_sprt_bounds,
        default=(0.0, 10.0),
        metavar="ELO0,ELO1",
        help="SPRT Elo bounds (default 0,10)",
    )
    p.add_argument(
        "--min-improvement",
        type=float,
        default=0.0,
        metavar="ELO",
        help="fixed-N mode: Elo the whole 95%% interval must clear (default 0)",
    )
    p.add_argument(
        "--max-iterations",
        type=int_in(1, None, "--max-iterations"),
        default=None,
        help="stop after N iterations (default: run forever)",
    )
    p.add_argument(
        "--parallel-configs",
        type=int_in(1, 16, "--parallel-configs"),
        default=1,
        help="candidates per iteration, each with its own SPRT (default 1)",
    )
    p.add_argument(
        "--checkpoint-interval",
        type=int_in(1, None, "--checkpoint-interval"),
        default=1,
        help="kept for old scripts: every finished step is persisted",
    )
    p.add_argument(
        "--opponents",
        nargs="+",
        default=["baseline"],
        metavar="SNAKE",
        help="reference opponents strength is quoted against (default baseline)",
    )
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--seed", type=int_in(0, None, "--seed"), default=0, help="master seed")
    p.add_argument(
        "--shards",
        type=int_in(1, 64, "--shards"),
        default=None,
        help="benchmark shards (default: one per CPU core, at most 8)",
    )
    p.add_argument("--size", type=int, choices=[7, 11, 19], default=11, help="board side")
    p.add_argument("--config", default="config.yaml", help="config file, relative to --repo")
    p.add_argument("--repo", default=".", help="git work tree to commit improvements to")
    p.add_argument("--results", default="nn_training_results", help="results folder")
    p.add_argument("--push", action="store_true", help="push each improvement")
    p.add_argument("--remote", default=None, help="remote to push to (default: upstream)")


def run_train(args: Any) -> int:
    import sys

    from snaketrain.cli import UsageError
    from snaketrain.snake.registry import UnknownSnakeError
    from snaketrain.snake.space import ConfigError

    trainer = ContinuousTrainer(
        games_per_iteration=args.games,
        sprt=args.sprt,
        max_iterations=args.max_iterations,
        min_improvement=args.min_improvement,
        parallel_configs=args.parallel_configs,
        opponents=args.opponents,
        device=args.device,
        seed=args.seed,
        shards=args.shards,
        size=args.size,
        repo_path=args.repo,
        config_path=args.config,
        results_dir=args.results,
        push=args.push,
        remote=args.remote,
        extra={"checkpoint_interval": args.checkpoint_interval},
    )
    try:
        trainer.check()
    except (ConfigError, UnknownSnakeError, ValueError, OSError) as err:
        raise UsageError(f"snaketrain train: error: {err}") from None
    try:
        n = trainer.train()
    except TrainingBusy as err:
        print(f"snaketrain train: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\nsnaketrain train: stopped. Finished steps are saved; "
            "run the same command to resume.",
            file=sys.stderr,
        )
        return 0
    print(f"snaketrain train: {n} iteration(s) done; see `snaketrain status`.")
    return 0
