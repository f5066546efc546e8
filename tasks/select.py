"""select: the verdicts of an iteration -> at most one winner."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from snaketrain import training
from snaketrain.arena.result import Verdict


@task(name="select", cache_policy=NO_CACHE)
def select(verdicts: list[Verdict]) -> int | None:
    return training.choose(verdicts)
