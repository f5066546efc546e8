"""Bounded growth of the results folder: old Prefect result files and shard files deleted, old
candidate files compacted into one zip archive per pass (plain file work, no Prefect: the
retention flow deletes the server's old runs and calls this for the folder).

A candidate file is content-addressed and written again when it is needed again
(``snaketrain.training.candidates``), so archiving an old one loses nothing; the archive keeps
it readable (``unzip -l candidates/archive/*.zip``).
"""

from __future__ import annotations

import os
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from snaketrain.configio import fsync_dir
from snaketrain.training.candidates import CANDIDATES

#: Folders under the results folder whose old files are deleted.
PRUNED = ("prefect-results", "shards")
ARCHIVE = "archive"


@dataclass(frozen=True)
class FolderRetention:
    deleted_files: int
    deleted_bytes: int
    archived_candidates: int
    archive: str | None  # the zip written by this pass (None: nothing old enough)


def cutoff(days: float, now: float | None = None) -> float:
    """The modification time before which a file is old (``days`` ago)."""
    if days < 0:
        raise ValueError(f"retention days must be >= 0, got {days}")
    return (time.time() if now is None else now) - days * 86400


def _old_files(folder: Path, before: float) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime < before)


def prune_folders(results_dir: str | Path, before: float) -> tuple[int, int]:
    """Delete the files older than ``before`` in the pruned folders; (files, bytes)."""
    files = size = 0
    for name in PRUNED:
        for path in _old_files(Path(results_dir) / name, before):
            size += path.stat().st_size
            path.unlink(missing_ok=True)
            files += 1
    return files, size


def archive_candidates(results_dir: str | Path, before: float) -> tuple[int, Path | None]:
    """Move the candidate files older than ``before`` into a new zip under
    ``candidates/archive/``; (files archived, the zip or None)."""
    folder = Path(results_dir) / CANDIDATES
    old = [p for p in _old_files(folder, before) if p.parent == folder and p.suffix == ".yaml"]
    if not old:
        return 0, None
    target = folder / ARCHIVE / f"candidates-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in old:
            archive.write(path, path.name)
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())
    partial.replace(target)  # the archive is whole before any original goes
    fsync_dir(target.parent)
    for path in old:
        path.unlink(missing_ok=True)
    return len(old), target


def compact(results_dir: str | Path, days: float, now: float | None = None) -> FolderRetention:
    """One retention pass over the results folder (see the module docstring)."""
    before = cutoff(days, now)
    files, size = prune_folders(results_dir, before)
    archived, zip_path = archive_candidates(results_dir, before)
    return FolderRetention(files, size, archived, None if zip_path is None else str(zip_path))
