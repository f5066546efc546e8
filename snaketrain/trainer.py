"""Continuous training from Python or the CLI: the one thin place where the library starts
Prefect (the flows in ``flows/training.py``).

    from snaketrain import ContinuousTrainer
    ContinuousTrainer(games_per_iteration=50).train()

Everything a user can get wrong (config.yaml, opponents, settings) is checked before any game
is played. Training runs on Prefect's ephemeral API with a local database unless
``PREFECT_API_URL`` points at a server. Finished steps are persisted under
``<results>/prefect-results``; the same call after a crash or Ctrl+C resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from snaketrain.snake.registry import batched_policy
from snaketrain.snake.space import load_config


class TrainingInputError(ValueError):
    """Bad settings, config or flags: reported before any game is played."""


class TrainingBusy(RuntimeError):
    """Another trainer holds the results folder."""


@contextlib.contextmanager
def exclusive(results_dir: Path) -> Iterator[None]:
    """Never two trainers on one results folder (an advisory lock, released on any exit)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    with open(results_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TrainingBusy(
                f"another snaketrain is training into {results_dir}; stop it first"
            ) from None
        yield


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops training like Ctrl+C does (main thread only)."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:  # someone handles it already
        yield
        return
    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


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
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _block_fields(kind: Any, name: str | None) -> dict[str, Any]:
    """The fields of the saved block ``name`` of type ``kind`` (none: {})."""
    if name is None:
        return {}
    try:
        block = kind.load(name)
    except ValueError as err:
        raise ValueError(f"no saved {kind.__name__} block named {name!r}: {err}") from None
    return {key: getattr(block, key) for key in kind.model_fields}


@dataclass
class ContinuousTrainer:
    """Tunes ``config.yaml`` in ``repo_path``. ``games_per_iteration`` set: the old fixed-N
    test (games per candidate, whole Elo interval above ``min_improvement``); unset: SPRT on
    Elo with bounds ``sprt``."""

    games_per_iteration: int | None = None
    sprt: tuple[float, float] | None = None
    max_iterations: int | None = None
    min_improvement: float | None = None
    parallel_configs: int | None = None
    opponents: Sequence[str] | None = None
    device: str | None = None
    seed: int | None = None
    shards: int | None = None
    size: int | None = None
    repo_path: str | None = None
    config_path: str | None = None
    results_dir: str = "nn_training_results"
    push: bool | None = None
    remote: str | None = None
    settings_block: str | None = None  # a saved TrainingSettings block to start from
    git_block: str | None = None  # a saved GitTarget block to start from
    extra: dict[str, Any] = field(default_factory=dict)  # further TrainingSettings fields

    def settings(self) -> Any:
        """The TrainingSettings block (or its defaults), overridden by every field set here."""
        from blocks.training import TrainingSettings

        base = _block_fields(TrainingSettings, self.settings_block)
        if not base.get("shards") and self.shards is None:
            base["shards"] = max(1, min(os.cpu_count() or 1, 8))
        over = {
            "games": self.games_per_iteration,
            "sprt_elo0": self.sprt[0] if self.sprt else None,
            "sprt_elo1": self.sprt[1] if self.sprt else None,
            "min_improvement": self.min_improvement,
            "parallel_configs": self.parallel_configs,
            "opponents": list(self.opponents) if self.opponents is not None else None,
            "device": self.device,
            "seed": self.seed,
            "shards": self.shards,
            "size": self.size,
        }
        return TrainingSettings(
            **(base | {k: v for k, v in over.items() if v is not None} | self.extra)
        )

    def target(self) -> Any:
        from blocks.training import GitTarget

        base = _block_fields(GitTarget, self.git_block)
        over = {
            "repo_path": self.repo_path,
            "config_path": self.config_path,
            "remote": self.remote,
            "push": self.push,
        }
        return GitTarget(**(base | {k: v for k, v in over.items() if v is not None}))

    def check(self) -> tuple[Any, Any]:
        """Every input error, before any game: settings, config, opponents, device. Returns
        the resolved (TrainingSettings, GitTarget); raises TrainingInputError."""
        from pydantic import ValidationError

        from snaketrain.snake.registry import UnknownSnakeError
        from snaketrain.snake.space import ConfigError

        try:
            settings, target = self.settings(), self.target()
            load_config(Path(target.repo_path) / target.config_path)
            for name in settings.opponents:
                batched_policy(name)
        except ValidationError as err:
            raise TrainingInputError(
                "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'settings'}: "
                    + e["msg"].removeprefix("Value error, ")
                    for e in err.errors()
                )
            ) from None
        except (ConfigError, UnknownSnakeError, ValueError, OSError) as err:
            raise TrainingInputError(str(err)) from None
        if settings.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise TrainingInputError(
                    "--device cuda: this machine has no CUDA device torch can use"
                )
        return settings, target

    def train(self) -> int:
        """Run until ``max_iterations`` (or forever); returns the iterations run. Raises
        TrainingInputError for bad input before any game, KeyboardInterrupt on Ctrl+C /
        SIGTERM after the in-flight step stopped cleanly."""
        uses_blocks = bool(self.settings_block or self.git_block)
        if not uses_blocks:  # fail fast, before starting any server
            self.check()
        results = Path(self.results_dir).resolve()
        from prefect.settings import (
            PREFECT_LOCAL_STORAGE_PATH,
            PREFECT_RESULTS_PERSIST_BY_DEFAULT,
            temporary_settings,
        )

        from flows.training import continuous_training
        from snaketrain import training

        with (
            exclusive(results),
            sigterm_as_interrupt(),
            local_api(),
            temporary_settings(
                {
                    PREFECT_LOCAL_STORAGE_PATH: str(results / "prefect-results"),
                    PREFECT_RESULTS_PERSIST_BY_DEFAULT: True,
                }
            ),
        ):
            settings, target = self.check()
            try:
                return continuous_training(settings, target, str(results), self.max_iterations)
            finally:
                training.shutdown_pool()


# --- the `snaketrain train` command --------------------------------------------------------

STOPPED = "snaketrain train: stopped. Finished steps are saved; run the same command to resume."


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Ctrl+C or SIGTERM: stop now, exit 0.

    Prefect's engine may swallow a KeyboardInterrupt raised inside its own bookkeeping, which
    leaves an interrupted trainer waiting for work that never comes. So the command stops the
    way a crash does, on purpose: everything finished is already persisted (steps, shards,
    log lines and config.yaml are written atomically), the shard workers and the local API
    exit with the trainer, and the same command resumes, replaying no finished step (the
    kill -9 test proves that path)."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        print(f"\n{STOPPED}", file=sys.stderr, flush=True)
        os._exit(0)

    try:
        old = [signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)]
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for s, h in zip((signal.SIGINT, signal.SIGTERM), old, strict=True):
            signal.signal(s, h)


def _sprt_bounds(text: str) -> tuple[float, float]:
    import argparse

    try:
        elo0, elo1 = (float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--sprt takes ELO0,ELO1 (e.g. 0,10), got {text!r}"
        ) from None
    if elo0 >= elo1:
        raise argparse.ArgumentTypeError(f"--sprt needs ELO0 < ELO1, got {text!r}")
    return elo0, elo1


def add_train_arguments(p: Any) -> None:
    from snaketrain.cli import int_in

    a = p.add_argument
    a(
        "--games",
        type=int_in(2, None, "--games"),
        help="fixed-N mode: games per candidate (even); default: SPRT decides",
    )
    a("--sprt", type=_sprt_bounds, metavar="ELO0,ELO1", help="SPRT Elo bounds (default 0,10)")
    a(
        "--min-improvement",
        type=float,
        metavar="ELO",
        help="fixed-N mode: Elo the whole 95%% interval must clear (default 0)",
    )
    a(
        "--max-iterations",
        type=int_in(1, None, "--max-iterations"),
        help="stop after N iterations (default: run forever)",
    )
    a(
        "--parallel-configs",
        type=int_in(1, 16, "--parallel-configs"),
        help="candidates per iteration, each with its own SPRT (default 1)",
    )
    a(
        "--checkpoint-interval",
        type=int_in(1, None, "--checkpoint-interval"),
        help="kept for old scripts: every finished step is persisted anyway",
    )
    a(
        "--opponents",
        nargs="+",
        metavar="SNAKE",
        help="reference opponents strength is quoted against (default baseline)",
    )
    a("--device", choices=["cpu", "cuda"], help="where games run (default cpu)")
    a("--seed", type=int_in(0, None, "--seed"), help="master seed (default 0)")
    a(
        "--shards",
        type=int_in(1, 64, "--shards"),
        help="benchmark shards (default: one per CPU core, at most 8)",
    )
    a("--size", type=int, choices=[7, 11, 19], help="board side (default 11)")
    a("--config", help="config file, relative to --repo (default config.yaml)")
    a("--repo", help="git work tree to commit improvements to (default .)")
    a("--results", default="nn_training_results", help="results folder")
    a("--push", action="store_true", default=None, help="push each improvement")
    a("--remote", help="remote to push to (default: the branch's upstream)")
    a("--settings-block", metavar="NAME", help="start from a saved TrainingSettings block")
    a("--git-block", metavar="NAME", help="start from a saved GitTarget block")


def run_train(args: Any) -> int:
    import sys

    from snaketrain.cli import UsageError

    trainer = ContinuousTrainer(
        games_per_iteration=args.games,
        sprt=args.sprt,
        max_iterations=args.max_iterations,
        min_improvement=args.min_improvement,
        parallel_configs=args.parallel_configs,
        opponents=args.opponents,
        device=args.device,
        seed=args.seed,
        shards=args.shards,
        size=args.size,
        repo_path=args.repo,
        config_path=args.config,
        results_dir=args.results,
        push=args.push,
        remote=args.remote,
        settings_block=args.settings_block,
        git_block=args.git_block,
        extra=(
            {"checkpoint_interval": args.checkpoint_interval} if args.checkpoint_interval else {}
        ),
    )
    try:
        with stop_on_signals():
            n = trainer.train()
    except TrainingInputError as err:
        raise UsageError(f"snaketrain train: error: {err}") from None
    except TrainingBusy as err:
        print(f"snaketrain train: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl+C before the handler was in place
        print(f"\n{STOPPED}", file=sys.stderr)
        return 0
    print(f"snaketrain train: {n} iteration(s) done; see `snaketrain status`.")
    return 0
