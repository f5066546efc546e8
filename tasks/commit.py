"""commit: the winner -> config.yaml written atomically and committed (exactly once)."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from snaketrain import gitops


@task(name="commit", cache_policy=NO_CACHE)
def commit(
    config_yaml: str,
    message: str,
    repo_path: str,
    config_path: str,
    pending_path: str,
    push: bool,
    remote: str | None,
) -> dict[str, Any]:
    outcome = gitops.publish_config(
        repo_path,
        config_path,
        config_yaml,
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
