"""perturb: the best config + advice -> k candidate configs, each validated against the space."""

from __future__ import annotations

from typing import Any

from prefect import task

from snaketrain import training
from snaketrain.snake.space import parse_yaml
from snaketrain.tuning.advisor import Proposal


@task(
    name="perturb", persist_result=True, cache_key_fn=lambda _c, p: "perturb-" + training.digest(p)
)
def perturb(best_yaml: str, advice: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply each piece of advice's changes to the best config (``Config.replace`` validates
    every value); a proposal that changes nothing is an error, not a wasted benchmark."""
    best = parse_yaml(best_yaml, source="config.yaml")
    out = []
    for i, item in enumerate(advice):
        proposal = training.proposal_from_dict(item)
        candidate = best.replace({k: new for k, _old, new in proposal.changes})
        if candidate == best:
            raise ValueError(f"proposal {i} ({proposal.reason}) does not change the config")
        out.append(
            training.proposal_to_dict(
                Proposal.between(best, candidate, proposal.advisor, proposal.reason)
            )
        )
    return out
