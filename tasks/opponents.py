"""opponents: the reference opponents' names or config files -> snake references (once)."""

from __future__ import annotations

from prefect import task

from snaketrain.training import SnakeRef


@task(name="opponents", persist_result=False)
def opponents(refs: list[str]) -> list[SnakeRef]:
    return [SnakeRef.resolve(r) for r in refs]
