"""advise: the iteration's start -> proposals (which parameters move, and where)."""

from __future__ import annotations

from typing import Any

from prefect import task

from snaketrain import training
from snaketrain.tuning.advisor import Proposal


def _key(_ctx: Any, p: dict[str, Any]) -> str:
    b: training.IterationStart = p["begin"]
    return "advise-" + training.digest(
        b.best_hash, b.seed, p["k"], p["stagnation_limit"], b.since_improvement
    )


@task(name="advise", persist_result=True, cache_key_fn=_key)
def advise(begin: training.IterationStart, k: int, stagnation_limit: int) -> list[Proposal]:
    return training.propose(begin, k, stagnation_limit)
