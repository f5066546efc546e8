"""Continuous training from Python or the CLI.

    from snaketrain import ContinuousTrainer
    ContinuousTrainer(games_per_iteration=50).train()

Everything a user can get wrong (config.yaml, opponents, settings) is checked before any game
is played. Training runs on a local Prefect API with its own database unless
``PREFECT_API_URL`` points at a server. Finished steps are persisted under
``<results>/prefect-results``; the same call after a crash or Ctrl+C resumes where it stopped.
A script that calls ``train`` must guard it with ``if __name__ == "__main__":`` (shard worker
processes are spawned and re-import ``__main__``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from snaketrain.runtime.locks import ResultsNotWritable, TrainingBusy, exclusive
from snaketrain.runtime.signals import sigterm_as_interrupt

__all__ = ["ContinuousTrainer", "TrainingBusy", "TrainingInputError"]


class TrainingInputError(ValueError):
    """Bad settings, config or flags: reported before any game is played."""


def _block_fields(kind: Any, name: str | None) -> dict[str, Any]:
    """The fields of the saved block ``name`` of type ``kind`` (none: {})."""
    if name is None:
        return {}
    try:
        block = kind.load(name)
    except ValueError as err:
        raise ValueError(f"no saved {kind.__name__} block named {name!r}: {err}") from None
    return {key: getattr(block, key) for key in kind.model_fields}


def _pydantic_message(err: Any) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'settings'}: " + e["msg"].removeprefix("Value error, ")
        for e in err.errors()
    )


def own_space_opponent(name: str, space: Any) -> None:
    """Refuse, in one line, an opponent config file that holds the keys of the tuned snake's
    own space: a config file given as an opponent is played by the built-in snake."""
    from snaketrain.snake.space import ConfigError, load_config

    if space.builtin or not name.endswith((".yaml", ".yml", ".json")) or not Path(name).is_file():
        return
    try:
        load_config(name)
        return  # a built-in config: the built-in snake plays it
    except ConfigError:
        pass
    try:
        load_config(name, space)
    except ConfigError:
        return  # broken in both: SnakeRef.resolve names its problems
    raise TrainingInputError(
        f"opponent {name}: a config of {space.describe()}; an opponent given by its config "
        "file is played by the built-in snake, so it must hold the built-in keys (to play "
        "your snake with another config, start it and give its URL)"
    )


@dataclass
class ContinuousTrainer:
    """Tunes ``config.yaml`` in ``repo_path``. ``games_per_iteration`` set: the old fixed-N
    test (games per candidate, whole Elo interval above ``min_improvement``); unset: SPRT on
    Elo with bounds ``sprt``. ``max_iterations``: the run ends after that many iterations in
    total, counted from the iteration it started at; a run that was stopped or crashed is
    resumed by the same call and still ends there (see ``snaketrain.training.plan_run``)."""

    games_per_iteration: int | None = None
    sprt: tuple[float, float] | None = None
    max_iterations: int | None = None
    min_improvement: float | None = None
    parallel_configs: int | None = None
    opponents: Sequence[str] | None = None
    device: str | None = None
    seed: int | None = None
    shards: int | None = None
    size: int | None = None
    repo_path: str | None = None
    config_path: str | None = None
    results_dir: str = "nn_training_results"
    push: bool | None = None
    remote: str | None = None
    settings_block: str | None = None  # a saved TrainingSettings block to start from
    git_block: str | None = None  # a saved GitTarget block to start from
    extra: dict[str, Any] = field(default_factory=dict)  # further TrainingSettings fields

    def settings(self) -> Any:
        """The TrainingSettings block (or its defaults), overridden by every field set here."""
        from blocks.training import TrainingSettings

        base = _block_fields(TrainingSettings, self.settings_block)
        if not base.get("shards") and self.shards is None:
            base["shards"] = max(1, min(os.cpu_count() or 1, 8))
        over = {
            "games": self.games_per_iteration,
            "sprt_elo0": self.sprt[0] if self.sprt else None,
            "sprt_elo1": self.sprt[1] if self.sprt else None,
            "min_improvement": self.min_improvement,
            "parallel_configs": self.parallel_configs,
            "opponents": list(self.opponents) if self.opponents is not None else None,
            "device": self.device,
            "seed": self.seed,
            "shards": self.shards,
            "size": self.size,
        }
        return TrainingSettings(
            **(base | {k: v for k, v in over.items() if v is not None} | self.extra)
        )

    def target(self) -> Any:
        from blocks.training import GitTarget

        base = _block_fields(GitTarget, self.git_block)
        over = {
            "repo_path": self.repo_path,
            "config_path": self.config_path,
            "remote": self.remote,
            "push": self.push,
        }
        return GitTarget(**(base | {k: v for k, v in over.items() if v is not None}))

    def check(self) -> tuple[Any, Any]:
        """Every input error, before any game: settings, config, opponents, device. Returns
        the resolved (TrainingSettings, GitTarget); raises TrainingInputError."""
        from pydantic import ValidationError

        from snaketrain.external.spec import space_of
        from snaketrain.snake.registry import UnknownSnakeError
        from snaketrain.snake.space import ConfigError, load_config
        from snaketrain.training.shards import SnakeRef

        try:
            settings, target = self.settings(), self.target()
            config = Path(target.repo_path) / target.config_path
            space = space_of(settings.snake)  # the snake's own space, or the built-in one
            best = load_config(config, space)
            for name in settings.opponents:  # a URL: its GET / answers now
                own_space_opponent(name, space)
                SnakeRef.resolve(name)
            if settings.advisor != "random":
                from snaketrain.training.tune import start_tuner

                start_tuner(settings.advisor, best, settings.tune_file, 0, settings.snake)
            if settings.use_llm:  # the model is found (not loaded) before any game
                from snaketrain.learn.llm import resolve_model

                resolve_model(settings.llm_model)
        except ValidationError as err:
            raise TrainingInputError(_pydantic_message(err)) from None
        except (ConfigError, UnknownSnakeError, ValueError, OSError) as err:
            raise TrainingInputError(str(err)) from None
        if settings.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise TrainingInputError(
                    "--device cuda: this machine has no CUDA device torch can use"
                )
        return settings, target

    def train(self) -> int:
        """Run until the run's last iteration (or forever); returns the iterations run by this
        call. Raises TrainingInputError for bad input before any game, TrainingBusy when
        another trainer holds the results folder or the repository."""
        uses_blocks = bool(self.settings_block or self.git_block)
        if not uses_blocks:  # fail fast, before starting any server
            self.check()
        results = Path(self.results_dir).resolve()
        repo = Path(self.repo_path or ".").resolve()
        from prefect.settings import (
            PREFECT_LOCAL_STORAGE_PATH,
            PREFECT_RESULTS_PERSIST_BY_DEFAULT,
            temporary_settings,
        )

        from flows.training import continuous_training
        from snaketrain.arena.pool import close_shared_pool
        from snaketrain.runtime.api import local_api
        from snaketrain.runtime.stale import crash_stale_runs

        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(exclusive(results, repo))
            except ResultsNotWritable as err:
                raise TrainingInputError(str(err)) from None
            stack.enter_context(sigterm_as_interrupt())  # library use; a no-op off main
            stack.enter_context(local_api())
            stack.enter_context(
                temporary_settings(
                    {
                        PREFECT_LOCAL_STORAGE_PATH: str(results / "prefect-results"),
                        PREFECT_RESULTS_PERSIST_BY_DEFAULT: True,
                    }
                )
            )
            settings, target = self.check()
            crash_stale_runs(results)
            try:
                # the command reports a failure at once; a deployment retries (flows.training)
                run = continuous_training.with_options(retries=0)
                return run(settings, target, str(results), self.max_iterations)
            finally:
                close_shared_pool()
