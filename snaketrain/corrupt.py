"""Keeping an unreadable state file for a look: ``<name>.corrupt`` beside it, then
``<name>.corrupt.1``, ``.corrupt.2``, ... so an earlier copy is never overwritten."""

from __future__ import annotations

import os
from pathlib import Path

from snaketrain.configio import fsync_dir


def save_corrupt_copy(path: str | Path, data: bytes) -> Path:
    """Write ``data`` (the unreadable file's bytes) to the first free ``.corrupt`` name beside
    ``path``, fsynced; returns that name. Never replaces an existing file."""
    path = Path(path)
    for n in range(1_000_000):
        aside = path.with_name(f"{path.name}.corrupt" + (f".{n}" if n else ""))
        try:
            fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(aside)  # no half copy (a full disk): the original is still there
            raise
        os.close(fd)
        fsync_dir(aside.parent)
        return aside
    raise OSError(f"{path}: no free name for a .corrupt copy (a million are taken)")
