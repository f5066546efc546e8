"""Atomic file writes: a reader (the snake server, a crash, ``git``) sees the old file or the
new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from snaketrain.snake.config import Config
from snaketrain.snake.configfile import dump_config


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform/filesystem can open a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same directory + fsync + rename.

    The file keeps the permissions of the file it replaces (new files: 0o666 minus the
    umask, as ``open`` would create them). No temp file is left behind, also on errors.
    UTF-8, line ends as given.
    """
    _write_atomic(path, text)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` (e.g. a PNG) to ``path`` as :func:`write_text_atomic` writes text."""
    _write_atomic(path, data)


def _write_atomic(path: str | Path, data: str | bytes) -> None:
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        binary = isinstance(data, bytes)
        with (
            os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        ) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(directory)


def write_config_atomic(path: str | Path, config: Config) -> None:
    """Write ``config`` as ``config.yaml`` text (``dump_config``) atomically."""
    write_text_atomic(path, dump_config(config))
