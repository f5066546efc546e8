"""advise: the iteration's start -> proposals (which parameters move, and where), none of them
a repeat of a change rejected in the last ``window`` iterations (``snaketrain.learn``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from prefect import task

from snaketrain import training
from snaketrain.learn.history import DEFAULT_TOLERANCE, DEFAULT_WINDOW, ChangeHistory, unblocked
from snaketrain.rules import rng
from snaketrain.tuning.advisor import Proposal
from tasks.learn import run_logger


def _key(_ctx: Any, p: dict[str, Any]) -> str:
    b: training.IterationStart = p["begin"]
    rejected = [(a.iteration, a.steps) for a in b.attempts if a.verdict == "reject"]
    return "advise-" + training.digest(
        b.best_hash,
        b.seed,
        p["k"],
        p["stagnation_limit"],
        b.since_improvement,
        p.get("window", DEFAULT_WINDOW),
        p.get("tolerance", DEFAULT_TOLERANCE),
        rejected,
    )


def history(begin: training.IterationStart, window: int, tolerance: float) -> ChangeHistory:
    return ChangeHistory(begin.attempts, window, tolerance)


@task(name="advise", persist_result=True, cache_key_fn=_key)
def advise(
    begin: training.IterationStart,
    k: int,
    stagnation_limit: int,
    window: int = DEFAULT_WINDOW,
    tolerance: float = DEFAULT_TOLERANCE,
) -> list[Proposal]:
    """``k`` random perturbations; one that repeats a recently rejected change is skipped
    (logged) and drawn again."""

    def redraw(n: int) -> list[Proposal]:
        return training.propose(
            replace(begin, seed=rng.game_seed(begin.seed, n)), k, stagnation_limit
        )

    first = training.propose(begin, k, stagnation_limit)
    kept, skipped = unblocked(first, redraw, history(begin, window, tolerance), begin.iteration)
    for p in skipped:
        run_logger().info("skipped a repeat (%s): %s", p.advisor, p.reason)
    return kept
