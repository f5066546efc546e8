"""A real Prefect server on loopback for the tests that need one (and its worker processes)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

PREFECT = [sys.executable, "-m", "prefect"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(home: Path, port: int, database_url: str | None = None) -> dict[str, str]:
    env = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
    }
    if database_url:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url
    return env


def wait_healthy(api: str, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def start(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """A background process in its own session (stopped with its group), output to ``log``."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, wait_s: float = 30) -> None:
    """Signal the process's whole group (as systemd stops a service), then wait; SIGKILL if
    it is still there after ``wait_s``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=wait_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def prefect_server(tmp_path: Path, database_url: str | None = None) -> Iterator[dict[str, str]]:
    """``prefect server start`` on a free loopback port with its own PREFECT_HOME; yields the
    environment that points clients at it."""
    port = free_port()
    env = server_env(tmp_path / "prefect-home", port, database_url)
    server = start([*PREFECT, "server", "start"], env, tmp_path, tmp_path / "server.log")
    try:
        wait_healthy(env["PREFECT_API_URL"])
        yield env
    finally:
        stop(server)


def post(api: str, path: str, body: dict) -> list[dict]:
    request = urllib.request.Request(
        api + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def _initdb() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1] if found else None


@contextlib.contextmanager
def postgres_cluster(root: Path) -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port (trust auth), with a database
    ``prefect``; yields its asyncpg URL. Installs Debian's package first when needed
    (scripts/postgres.sh); raises RuntimeError saying why when it cannot."""
    if _initdb() is None:
        done = subprocess.run(
            ["bash", str(root / "scripts" / "postgres.sh")], capture_output=True, text=True
        )
        if done.returncode != 0 or _initdb() is None:
            raise RuntimeError(f"PostgreSQL cannot be installed here: {done.stderr.strip()}")
    bin_dir = _initdb().parent  # type: ignore[union-attr]
    import pwd
    import shutil
    import tempfile

    data = Path(tempfile.mkdtemp(prefix="snaketrain-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
        user = pwd.getpwnam("postgres")
        os.chown(data, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data / "db")]
    subprocess.run(
        [
            *as_user,
            str(bin_dir / "initdb"),
            "-D",
            str(data / "db"),
            "-A",
            "trust",
            "-U",
            "postgres",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*ctl, "-o", options, "-l", str(data / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            [*as_user, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port)]
            + ["-U", "postgres", "prefect"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/prefect"
    finally:
        subprocess.run([*ctl, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)
