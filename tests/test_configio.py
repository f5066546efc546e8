"""Atomic writes: a reader sees the old file or the new one, never half of one; the data and
the rename are fsynced; nothing is left behind on failure."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from snaketrain import configio
from snaketrain.configio import (
    fsync_dir,
    write_bytes_atomic,
    write_config_atomic,
    write_text_atomic,
)
from snaketrain.snake.config import default_config
from snaketrain.snake.configfile import dump_config, load_config


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_a_new_file_gets_the_text_and_the_umask_mode(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    old = os.umask(0o027)
    try:
        write_text_atomic(path, "a: 1\n")
    finally:
        os.umask(old)
    assert path.read_text() == "a: 1\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_replacing_keeps_the_mode_of_the_old_file_and_writes_lf(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("old\n")
    path.chmod(0o600)
    write_text_atomic(path, "new\nline\n")
    assert path.read_bytes() == b"new\nline\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_relative_path_without_a_folder_writes_in_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_text_atomic("config.yaml", "x\n")
    assert (tmp_path / "config.yaml").read_text() == "x\n"
    assert leftovers(tmp_path) == []


def test_a_missing_folder_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_text_atomic(tmp_path / "no" / "such" / "config.yaml", "x\n")
    assert not (tmp_path / "no").exists()


def test_readers_see_the_old_text_until_the_rename_and_the_whole_new_text_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("old\n")
    seen: list[tuple[str, str]] = []
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        seen.append((Path(dst).read_text(), Path(src).read_text()))
        real_replace(src, dst)
        seen.append((Path(dst).read_text(), ""))

    monkeypatch.setattr(configio.os, "replace", replace)
    write_text_atomic(path, "new " * 10_000)
    assert seen == [("old\n", "new " * 10_000), ("new " * 10_000, "")]


@pytest.mark.parametrize("fails", ["write", "fsync", "chmod", "replace"])
def test_a_failure_leaves_the_old_file_whole_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("old\n")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if fails == "write":
        real_fdopen = os.fdopen

        class Full:
            def __init__(self, *args: object, **kwargs: object) -> None:
                self.file = real_fdopen(*args, **kwargs)  # type: ignore[arg-type]

            def __enter__(self) -> Full:
                return self

            def __exit__(self, *exc: object) -> None:
                self.file.close()

            def write(self, text: str) -> None:
                self.file.write(text[: len(text) // 2])
                boom()

        monkeypatch.setattr(configio.os, "fdopen", Full)
    else:
        monkeypatch.setattr(configio.os, fails, boom)
    with pytest.raises(OSError, match="No space left"):
        write_text_atomic(path, "new\n" * 1000)
    assert path.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_the_data_is_fsynced_before_the_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.yaml"
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        events.append(f"fsync {kind}")
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(configio.os, "fsync", fsync)
    monkeypatch.setattr(configio.os, "replace", replace)
    write_text_atomic(path, "x\n")
    assert events == ["fsync file", "replace", "fsync dir"]


def test_fsync_dir_ignores_a_folder_it_cannot_open(tmp_path: Path) -> None:
    fsync_dir(tmp_path)  # a real folder: fsynced
    fsync_dir(tmp_path / "missing")  # cannot be opened: nothing to do, no error


def test_write_config_atomic_round_trips_through_load_config(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    config = default_config().replace(**{"weights.space": 33.25, "search.reply_model": "average"})
    write_config_atomic(path, config)
    assert path.read_text(encoding="utf-8") == dump_config(config)
    assert load_config(path) == config
    write_config_atomic(path, default_config())
    assert load_config(path) == default_config()
    assert leftovers(tmp_path) == []


def test_bytes_are_written_as_they_are_keeping_the_old_mode(tmp_path: Path) -> None:
    path = tmp_path / "plot.png"
    path.write_bytes(b"old")
    path.chmod(0o600)
    data = bytes(range(256)) + b"\r\n\n"
    write_bytes_atomic(path, data)
    assert path.read_bytes() == data and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []
