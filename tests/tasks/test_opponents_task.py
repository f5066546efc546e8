"""opponents: names or config files -> snake references, each read once.

(Named ``_task`` beside ``tests/snake/test_opponents.py``: test module names are unique.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from taskkit import weak_config

from snaketrain.snake.registry import UnknownSnakeError
from snaketrain.snake.space import config_hash, dump_config
from snaketrain.training import SnakeRef
from tasks.opponents import opponents


def test_a_builtin_and_a_config_file(tmp_path: Path) -> None:
    path = tmp_path / "rival.yaml"
    path.write_text(dump_config(weak_config()))
    builtin, rival = opponents.fn(["random-safe", str(path)])
    assert builtin == SnakeRef.builtin("random-safe")
    assert (rival.label, rival.ident, rival.path) == (
        str(path),
        config_hash(weak_config()),
        str(path),
    )
    assert rival.config == weak_config()  # read here, once: the games use it from memory


def test_an_unknown_name_names_the_builtins() -> None:
    with pytest.raises(
        UnknownSnakeError, match=r"unknown snake 'nobody'; built-in snakes: .*random-safe"
    ):
        opponents.fn(["random-safe", "nobody"])


def test_a_missing_config_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    with pytest.raises(UnknownSnakeError, match=f"no config file '{path}'"):  # as bench says
        opponents.fn([str(path)])
