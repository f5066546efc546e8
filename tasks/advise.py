"""advise: the best config and the history -> proposals (which parameters move, and where)."""

from __future__ import annotations

from typing import Any

from prefect import task

from snaketrain import training
from snaketrain.snake.space import parse_yaml
from snaketrain.trainlog import LogEntry, iterations_since_improvement


def _key(_ctx: Any, p: dict[str, Any]) -> str:
    since = iterations_since_improvement([LogEntry.from_dict(h) for h in p["history"]])
    return "advise-" + training.digest(
        p["best_yaml"], p["k"], p["seed"], p["stagnation_limit"], since
    )


@task(name="advise", persist_result=True, cache_key_fn=_key)
def advise(
    best_yaml: str, history: list[dict[str, Any]], k: int, seed: int, stagnation_limit: int
) -> list[dict[str, Any]]:
    best = parse_yaml(best_yaml, source="config.yaml")
    entries = [LogEntry.from_dict(h) for h in history]
    proposals = training.propose(best, entries, k, seed, stagnation_limit)
    return [training.proposal_to_dict(p) for p in proposals]
