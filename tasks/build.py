"""build: a candidate -> its runnable snake (content-addressed file, checked by one move)."""

from __future__ import annotations

from typing import Any

from prefect import task

from snaketrain import training
from snaketrain.snake.space import Config, config_hash


def _key(_ctx: Any, p: dict[str, Any]) -> str:
    return "build-" + training.digest(config_hash(p["config"]), p["results_dir"], p["label"])


@task(name="build", persist_result=True, cache_key_fn=_key)
def build(config: Config, results_dir: str, label: str | None = None) -> training.SnakeRef:
    return training.build(results_dir, config, label)
