"""The compiled CPU path: numba kernels for the engine (and, on top of it, the policies).

Same semantics as ``snaketrain.rules.reference`` turn for turn (``tests/fast`` keeps them
identical); games run in parallel across cores. Kernels are compiled once per machine
(``cache=True``: numba keeps the machine code beside the sources, in ``__pycache__``).

numba checks a cached kernel only against its own source file, not against the kernels it
inlined from other files, so an edit to ``kernels.py`` would leave the cached callers in
``state.py`` or ``decide.py`` stale. :func:`_drop_stale_cache` therefore keys the whole cache
on the sources of this package: when any of them changed, every cached kernel is dropped
(and compiled again, once).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def _drop_stale_cache(folder: Path = Path(__file__).parent) -> None:
    digest = hashlib.sha256()
    for src in sorted(folder.glob("*.py")):
        digest.update(src.name.encode() + b"\0" + src.read_bytes())
    want = digest.hexdigest()
    cache = folder / "__pycache__"
    stamp = cache / "numba-sources.sha256"
    try:
        if stamp.read_text() == want:
            return
    except OSError:
        pass
    try:
        cache.mkdir(exist_ok=True)
        for f in cache.iterdir():
            if f.suffix in (".nbi", ".nbc"):
                f.unlink(missing_ok=True)
        tmp = cache / f"numba-sources.{os.getpid()}.tmp"
        tmp.write_text(want)
        tmp.replace(stamp)
    except OSError:  # a read-only install: numba then compiles in memory or its own cache dir
        pass


_drop_stale_cache()
