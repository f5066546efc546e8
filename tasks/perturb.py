"""perturb: the best config + proposals -> the iteration's candidates, each checked."""

from __future__ import annotations

from typing import Any

from prefect import task

from snaketrain import training
from snaketrain.snake.space import Config, config_hash
from snaketrain.tuning.advisor import Proposal


def _key(_ctx: Any, p: dict[str, Any]) -> str:
    return "perturb-" + training.digest(
        config_hash(p["best"]), [(config_hash(x.config), x.advisor) for x in p["proposals"]]
    )


@task(name="perturb", persist_result=True, cache_key_fn=_key)
def perturb(best: Config, proposals: list[Proposal]) -> list[Proposal]:
    """A proposal that changes nothing is an error, not a wasted benchmark."""
    return training.check_proposals(best, proposals)
