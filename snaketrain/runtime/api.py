"""A local Prefect API for one training run, unless ``PREFECT_API_URL`` names a server."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator


def _flush_to_api() -> None:
    """Send the logs and events Prefect still holds before the API stops (otherwise its
    workers print "Error logging to API ... All connection attempts failed" at exit)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):
            worker.drain_all(timeout=5)


def _die_with_parent() -> None:
    """In the child before exec: on Linux, get SIGTERM when the trainer dies, even by kill -9
    (the API runs in its own session, so nothing else would stop it)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def local_api(timeout_s: float = 120.0) -> Iterator[None]:
    """A local Prefect API for this run unless PREFECT_API_URL names one.

    Like Prefect's ephemeral server (uvicorn serving ``create_app`` on loopback, SQLite under
    PREFECT_HOME), but started in its own session: Ctrl+C in a terminal signals the whole
    foreground process group, and a server that died with the trainer would leave the
    interrupted flow unable to record its state."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    port = _free_port()
    env = {
        **os.environ,
        **get_current_settings().to_environment_variables(exclude_unset=True),
        "PREFECT_UI_ENABLED": "0",
        # offline by design: no telemetry to fail on (a user's own setting wins)
        "PREFECT_SERVER_ANALYTICS_ENABLED": os.environ.get(
            "PREFECT_SERVER_ANALYTICS_ENABLED", "false"
        ),
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "prefect.server.api.server:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ],
        env=env,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the local Prefect API exited at start ({server.returncode})")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local Prefect API did not answer within {timeout_s:.0f} s")
            time.sleep(0.2)
        with temporary_settings({PREFECT_API_URL: url}):
            yield
    finally:
        _flush_to_api()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
