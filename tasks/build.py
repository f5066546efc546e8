"""build: a candidate -> its runnable snake (content-addressed file, checked by one move; an
external snake: its config written in the snake's format and its build command run)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect import task
from prefect.futures import PrefectFuture

from snaketrain import training
from snaketrain.arena.result import Verdict
from snaketrain.snake.space import Config, config_hash


def _key(_ctx: Any, p: dict[str, Any]) -> str:
    parts = [config_hash(p["config"]), p["results_dir"], p["label"]]
    if p.get("snake"):
        parts.append(p["snake"])
    return "build-" + training.digest(*parts)


@task(name="build", persist_result=True, cache_key_fn=_key)
def build(
    config: Config, results_dir: str, label: str | None = None, snake: str | None = None
) -> training.SnakeRef:
    """``snake``: the snake.yaml of an external snake (a failed build raises ``BuildError``
    with the build's output)."""
    ref = training.build(results_dir, config, label)
    if snake is None:
        return ref
    from snaketrain.external.training import build_ref

    return build_ref(snake, ref, results_dir)


def built_candidates(
    futures: Sequence[PrefectFuture[training.SnakeRef]], logger: Any
) -> tuple[list[training.SnakeRef | None], dict[int, str]]:
    """The built candidates (None where the build failed) and each failure's message: a build
    that fails, or a snake that does not start with the candidate's config, rejects its
    candidate, not the iteration."""
    from snaketrain.external.process import BuildError, StartError

    out: list[training.SnakeRef | None] = []
    failed: dict[int, str] = {}
    for k, future in enumerate(futures):
        try:
            out.append(future.result())
        except (BuildError, StartError) as err:
            logger.error("candidate %d rejected: %s", k, err)
            out.append(None)
            failed[k] = str(err)
    return out, failed


def with_failed_builds(
    candidates: Sequence[training.SnakeRef | None],
    verdicts: Sequence[Verdict],
    failed: dict[int, str],
    incumbent: training.SnakeRef,
    seed: int,
    settings: Any,
) -> list[Verdict]:
    """The verdicts of the built candidates, in candidate order, with a rejected verdict (no
    games) in the place of each candidate that did not build."""
    from snaketrain.external.training import failed_build
    from tasks.benchmark import match_setup

    played = iter(verdicts)
    setup = match_setup(settings, seed)
    out = []
    for k, c in enumerate(candidates):
        if c is None:
            label = f"candidate-{k} (build failed)"
            out.append(failed_build(training.SnakeRef(label, label), incumbent, setup, seed))
        else:
            out.append(next(played))
    return out
