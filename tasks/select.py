"""select: the verdicts of an iteration -> at most one winner."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from snaketrain import training
from snaketrain.arena.result import Verdict


@task(name="select", cache_policy=NO_CACHE)
def select(verdicts: list[Verdict]) -> tuple[int | None, int]:
    """The winner (None: no candidate accepted) and the candidate the log line shows."""
    winner = training.choose(verdicts)
    return winner, training.shown(verdicts, winner)
