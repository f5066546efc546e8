"""Where Prefect persists results: ``<results>/prefect-results``, on every path.

The ``snaketrain train`` command sets ``PREFECT_LOCAL_STORAGE_PATH`` to this folder; a deployed
run gets its storage from the flows (``with_options(result_storage=results_storage(...))``),
so the results folder is self-contained either way: a crashed run resumes from it with any
PREFECT_HOME, and the retention flow finds every result file under it.
"""

from __future__ import annotations

from pathlib import Path

RESULTS_SUBDIR = "prefect-results"


def results_path(results_dir: str) -> Path:
    return Path(results_dir).resolve() / RESULTS_SUBDIR


def results_storage(results_dir: str) -> Path:
    """The flows' ``result_storage``: a path, which Prefect turns into a ``LocalFileSystem``
    on it (nothing is saved on the server: the path is the whole of it)."""
    return results_path(results_dir)
