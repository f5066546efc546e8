"""build: a candidate -> its runnable snake, in a content-addressed file."""

from __future__ import annotations

from pathlib import Path

from taskkit import quick_config, weak_config

from snaketrain.snake.space import Config, config_hash, load_config
from snaketrain.training import SnakeRef
from tasks.build import build


def key(config: Config, results: Path, label: str | None = None) -> str:
    params = {"config": config, "results_dir": str(results), "label": label}
    return build.cache_key_fn(None, params)  # type: ignore[misc]


def test_the_snake_is_its_config_in_a_file_named_by_its_hash(tmp_path: Path) -> None:
    ref = build.fn(weak_config(), str(tmp_path))
    ident = config_hash(weak_config())
    assert (ref.ident, ref.label, ref.config) == (ident, ident[:16], weak_config())
    assert ref.path == str(tmp_path / "candidates" / f"{ident[:16]}.yaml")
    assert load_config(ref.path) == weak_config()
    # what a remote worker gets: the file, not the weights in memory
    remote = SnakeRef(**ref.portable())
    assert remote.config is None and remote.policy().config == weak_config()


def test_the_incumbent_is_labelled_and_shares_the_file(tmp_path: Path) -> None:
    candidate = build.fn(weak_config(), str(tmp_path))
    incumbent = build.fn(weak_config(), str(tmp_path), "incumbent")
    assert incumbent.label == "incumbent"
    assert (incumbent.ident, incumbent.path) == (candidate.ident, candidate.path)


def test_a_file_is_written_once(tmp_path: Path) -> None:
    path = Path(build.fn(weak_config(), str(tmp_path)).path or "")
    inode = path.stat().st_ino  # an atomic rewrite would be a new file
    build.fn(weak_config(), str(tmp_path), "incumbent")
    assert path.stat().st_ino == inode
    assert len(list((tmp_path / "candidates").iterdir())) == 1


def test_key_names_the_content_the_folder_and_the_label(tmp_path: Path) -> None:
    first = key(weak_config(), tmp_path)
    assert key(weak_config(), tmp_path) == first
    assert key(quick_config(), tmp_path) != first
    assert key(weak_config(), tmp_path / "other") != first
    assert key(weak_config(), tmp_path, "incumbent") != first
