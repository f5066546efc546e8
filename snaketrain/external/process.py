"""Build and start an external snake: processes on loopback that never outlive the trainer.

``build`` runs the snake's build command (output captured; a failure is a ``BuildError``
carrying that output). ``Instances`` starts ``spec.instances`` processes of the start command,
each on a free loopback port, under ``supervise`` (its own process group, ended when the
trainer dies, even by kill -9), and waits until each answers ``GET /``. An instance found dead
after a failed request is started again (``lost``): the referee then replays its games.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .spec import SnakeSpec

BUILD_TIMEOUT_S = 600.0
STOP_GRACE_S = 3.0
TAIL_LINES = 20


class BuildError(RuntimeError):
    """The build command failed; the message holds its output."""


class StartError(RuntimeError):
    """An instance exited or never answered ``GET /``; the message holds its output."""


def tail(text: str, lines: int = TAIL_LINES) -> str:
    rows = text.strip().splitlines()
    return "\n".join(rows[-lines:]) if rows else "(no output)"


def snake_env(port: int | None, config: Path) -> dict[str, str]:
    env = {**os.environ, "SNAKE_CONFIG": str(config)}
    if port is not None:
        env["SNAKE_PORT"] = str(port)
    return env


def build(spec: SnakeSpec, config: Path, timeout_s: float = BUILD_TIMEOUT_S) -> str:
    """Run ``spec.build`` in the repo (``$SNAKE_CONFIG`` set); its output, or ``BuildError``."""
    if not spec.build:
        return ""
    try:
        done = subprocess.run(
            spec.build,
            shell=True,
            cwd=spec.repo,
            env=snake_env(None, config),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout_s,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired as err:
        out = (err.stdout or b"").decode(errors="replace")
        raise BuildError(f"build `{spec.build}` ran past {timeout_s:g} s:\n{tail(out)}") from None
    out = done.stdout.decode(errors="replace")
    if done.returncode != 0:
        raise BuildError(f"build `{spec.build}` failed (exit {done.returncode}):\n{tail(out)}")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Instance:
    """One process of the snake; ``url`` changes when it is started again."""

    spec: SnakeSpec
    config: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    url: str = ""

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = self.spec.command(port, self.config)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "snaketrain.external.supervise",
                    str(os.getpid()),
                    "--",
                    command,
                ],
                cwd=self.spec.repo,
                env=snake_env(port, self.config),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_ready()

    def output(self) -> str:
        try:
            return tail(self.log.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return "(no output)"

    def wait_ready(self) -> None:
        """Until ``GET /`` answers 200 with a JSON object; ``StartError`` (and stopped) if
        the process exits first or ``spec.ready_timeout_s`` passes."""
        assert self.proc is not None
        deadline = time.monotonic() + self.spec.ready_timeout_s
        with httpx.Client(trust_env=False, timeout=1.0) as client:
            while True:
                code = self.proc.poll()
                if code is not None:
                    raise StartError(
                        f"snake `{self.spec.start}` exited ({code}) before answering GET / "
                        f"on {self.url}; its output:\n{self.output()}"
                    )
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    r = client.get(self.url + "/")
                    if r.status_code == 200 and isinstance(r.json(), dict):
                        return
                if time.monotonic() > deadline:
                    self.stop()
                    raise StartError(
                        f"snake `{self.spec.start}` did not answer GET / on {self.url} within "
                        f"{self.spec.ready_timeout_s:g} s; its output:\n{self.output()}"
                    )
                time.sleep(0.05)

    def answers(self, timeout_s: float = 1.0) -> bool:
        """Whether ``GET /`` answers 200 now."""
        try:
            with httpx.Client(trust_env=False, timeout=timeout_s) as client:
                return client.get(self.url + "/").status_code == 200
        except httpx.HTTPError:
            return False

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL after ``STOP_GRACE_S``; returns once the group
        is gone."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        with contextlib.suppress(ProcessLookupError):  # anything the snake left in its group
            os.killpg(self.proc.pid, signal.SIGKILL)
        _wait_group_gone(self.proc.pid)
        self.proc = None


def _wait_group_gone(pgid: int, timeout_s: float = STOP_GRACE_S) -> None:
    """Until no living process of group ``pgid`` is left (a SIGKILLed process lingers a
    moment before the kernel ends it), at most ``timeout_s``. Where ``/proc`` is missing it
    returns at once."""
    deadline = time.monotonic() + timeout_s
    while group_pids(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)


def group_pids(pgid: int) -> list[int]:
    """The living processes of process group ``pgid``, read from ``/proc`` (zombies, dead but
    not yet reaped, are not counted; none without ``/proc``)."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    out = []
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            out.append(int(name))
    return out


@dataclass
class Instances:
    """The running instances of one candidate: the referee's ``Endpoints``."""

    spec: SnakeSpec
    config: Path
    log_dir: Path
    items: list[Instance] = field(default_factory=list)
    restarts: int = 0
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict)

    def start(self) -> Instances:
        """Start every instance (``StartError``: all stopped again)."""
        stem = self.config.stem
        self.items = [
            Instance(self.spec, self.config, self.log_dir / f"{stem}-{k}.log")
            for k in range(self.spec.instances)
        ]
        try:
            for item in self.items:
                item.start()
        except BaseException:
            self.stop()
            raise
        return self

    def urls(self) -> list[str]:
        return [item.url for item in self.items]

    async def lost(self, instance: int, url: str) -> bool:
        lock = self._locks.setdefault(instance, asyncio.Lock())
        async with lock:
            item = self.items[instance]
            if item.url != url:  # already started again since that request
                return True
            if item.alive and await asyncio.to_thread(item.answers):
                return False  # a plain error: the instance still serves
            await asyncio.to_thread(item.restart)
            self.restarts += 1
            return True

    def stop(self) -> None:
        for item in self.items:
            item.stop()

    def __enter__(self) -> Instances:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
