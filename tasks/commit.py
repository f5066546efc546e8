"""commit: the winner -> config.yaml written atomically and committed (exactly once)."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from snaketrain import gitops, training
from snaketrain.arena.result import Verdict
from snaketrain.snake.space import dump_config
from snaketrain.trainlog import utc_timestamp
from snaketrain.tuning.advisor import Proposal


@task(name="commit", cache_policy=NO_CACHE)
def commit(
    begin: training.IterationStart,
    proposal: Proposal,
    verdict: Verdict,
    before: training.Strength,
    after: training.Strength,
    iteration_games: int,
    repo_path: str,
    config_path: str,
    pending_path: str,
    push: bool,
    remote: str | None,
    snake: str | None = None,
) -> dict[str, Any]:
    """Idempotent: run again after a crash that came after the commit, config.yaml and HEAD
    already hold the winner and nothing is committed twice. ``snake``: an external snake's
    snake.yaml (its config file is written in its own format)."""
    text = dump_config(proposal.config)
    if snake is not None:
        from snaketrain.external.spec import load_snake
        from snaketrain.external.training import config_text

        text = config_text(load_snake(snake), proposal.config)
    message = training.commit_text(
        begin, proposal, verdict, before, after, iteration_games, utc_timestamp()
    )
    outcome = gitops.publish_config(
        repo_path,
        config_path,
        text,
        message,
        pending_path=pending_path,
        push=push,
        remote=remote,
    )
    return {"status": outcome.status, "message": outcome.message, "sha": outcome.sha}


@task(name="retry-pending-commit", cache_policy=NO_CACHE)
def retry_pending(
    repo_path: str, config_path: str, pending_path: str, push: bool, remote: str | None
) -> str | None:
    outcome = gitops.retry_pending(
        repo_path, config_path, pending_path=pending_path, push=push, remote=remote
    )
    return None if outcome is None else outcome.message
