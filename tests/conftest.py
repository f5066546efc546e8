"""Prefect runs against a throwaway local API; results and repos live in tmp folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from gatekit import Gated, gated_snake
from trainkit import git

from snaketrain.snake.space import default_config, dump_config

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A throwaway API whose persisted results live in a temporary folder, never in the
    user's ~/.prefect/storage (a cache shared across test sessions would hide work)."""
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    storage = tmp_path_factory.mktemp("prefect-storage")
    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings({PREFECT_LOCAL_STORAGE_PATH: str(storage)}),
    ):
        yield


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git work tree with the default config.yaml committed (its own identity)."""
    path = tmp_path / "snake"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Snake Dev")
    git(path, "config", "user.email", "dev@example.com")
    (path / "config.yaml").write_text(dump_config(default_config()), encoding="utf-8")
    git(path, "add", "config.yaml")
    git(path, "commit", "-qm", "initial config")
    return path


@pytest.fixture
def prefect_storage(prefect_api: None, tmp_path: Path) -> Iterator[Path]:
    """The harness with this test's own result storage (as the trainer keeps one per results
    folder): nothing another test, or an earlier session, persisted is taken from the cache."""
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings

    path = tmp_path / "prefect-results"
    with temporary_settings({PREFECT_LOCAL_STORAGE_PATH: path}):
        yield path


@pytest.fixture
def gated() -> Iterator[Gated]:
    """An opponent served over HTTP whose every move takes 0.2 s until ``gated.open()``: a
    test that stops a run mid-iteration plays against it so that the iteration is still going
    when the stop lands (see tests/gatekit.py)."""
    with gated_snake() as snake:
        yield snake
