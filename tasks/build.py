"""build: a candidate -> its content-addressed config file, checked by one real move."""

from __future__ import annotations

from prefect import task

from snaketrain import training
from snaketrain.snake.space import parse_yaml


@task(name="build", persist_result=True, cache_key_fn=lambda _c, p: "build-" + training.digest(p))
def build(candidate_yaml: str, results_dir: str) -> str:
    config = parse_yaml(candidate_yaml, source="candidate")
    path = training.write_candidate(results_dir, config)
    training.smoke_move(config)
    return str(path)
