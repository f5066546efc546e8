"""Shared pieces of the external-snake tests: snake descriptions on tmp dirs, process checks."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from snaketrain.external.spec import SnakeSpec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "python-snake"


def serve_spec(tmp: Path, instances: int = 1, timeout_ms: int = 10_000) -> SnakeSpec:
    """``snaketrain serve`` as an external snake, its repo a copy of config.yaml."""
    repo = tmp / "served"
    repo.mkdir(exist_ok=True)
    shutil.copy(ROOT / "config.yaml", repo / "config.yaml")
    start = (
        f"{sys.executable} -m snaketrain serve --config {{config}} --port {{port}}"
        " --move-budget-ms 0"
    )
    return SnakeSpec(
        repo=repo, start=start, instances=instances, move_timeout_ms=timeout_ms, name="served"
    )


def pids_alive(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        try:  # a zombie (exited, not yet reaped by its new parent) is gone
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(pid)
    return out


def bad_spec(tmp: Path, mode: str, **kw: object) -> SnakeSpec:
    """``badsnake.py MODE`` as an external snake (repo: ``tmp``, with an empty config)."""
    (tmp / "config.yaml").write_text("{}\n")
    script = Path(__file__).with_name("badsnake.py")
    fields: dict = {"move_timeout_ms": 2000, "ready_timeout_s": 20.0, "name": mode}
    fields.update(kw)
    return SnakeSpec(repo=tmp, start=f"{sys.executable} {script} {mode} {{port}}", **fields)


@contextlib.contextmanager
def served_url(tmp: Path) -> Iterator[str]:
    """``snaketrain serve`` running on a free loopback port for the time of the block: a snake
    given by URL (the block's owner starts and stops it, not snaketrain)."""
    from snaketrain.external.process import Instances

    spec = replace(serve_spec(tmp), ready_timeout_s=120.0)
    with Instances(spec, spec.config_path, tmp / "served-logs") as running:
        yield running.urls()[0]
