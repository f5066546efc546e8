"""The README's "On a Prefect server" commands, typed in order on a fresh server: the deployed
training runs 2 tiny iterations with a saved settings block, a second run waits instead of
being cancelled, and a worker stopped mid-iteration leaves the run to the next worker, which
resumes it with its own parameters and finishes it; a run and worker killed hard (kill -9) are
noticed by the heartbeat automation, and the rerun it starts finishes with the run's parameters."""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from gatekit import Gated
from serverkit import free_port, post, server_env, start, stop, wait_healthy

from snaketrain.trainlog import TrainingLog

ROOT = Path(__file__).resolve().parents[2]
TINY = {
    "opponents": ["random-safe"],
    "size": 7,
    "shards": 1,
    "advisor": "random",
    "batch_pairs": 4,
    "max_pairs": 8,
    "remeasure_pairs": 4,
    "max_turns": 120,
    "batch_size": 32,
}
#: The run's own ``settings`` parameter over the block: SPRT(0, 5) cannot decide within 128
#: pairs, so each iteration plays 32 batches, and against the gated opponent (``gated``) each
#: game takes 0.2 s a turn until the test opens the gate: the tests stop the worker long before
#: the first iteration ends (with TINY's 2 batches of a built-in opponent, or 48 of them, an
#: idle machine finished both iterations while the test stopped the worker).
LONG = {"sprt_elo0": 0.0, "sprt_elo1": 5.0, "max_pairs": 128}


def readme_blocks() -> list[list[str]]:
    """The bash blocks of the README's "On a Prefect server" part, as command lines."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    part = text[text.index("**On a Prefect server.**") :]
    part = part[: part.index("\n## ")] if "\n## " in part else part
    blocks = re.findall(r"```bash\n(.*?)```", part, flags=re.S)
    return [[ln for ln in b.splitlines() if ln.strip()] for b in blocks]


def command(line: str) -> tuple[list[str], bool]:
    """The line as argv (its comment dropped; ``prefect``/``snaketrain`` run by this Python)
    and whether it runs in the background (``&``)."""
    words = shlex.split(line, comments=True)
    background = words[-1] == "&"
    words = words[:-1] if background else words
    if words[0] in ("prefect", "snaketrain"):
        words = [sys.executable, "-m", *words]
    elif words[0] == "python":
        words[0] = sys.executable
    return words, background


class Shell:
    """Runs README lines: ``export`` sets the environment, ``&`` starts a background process
    (kept for the end), anything else must exit 0."""

    def __init__(self, env: dict[str, str], port: int, logs: Path) -> None:
        self.env, self.port, self.logs = env, port, logs
        self.background: dict[str, subprocess.Popen[bytes]] = {}

    def run(self, line: str) -> str:
        line = line.replace("4200", str(self.port))
        if line.startswith("export "):
            key, value = line.removeprefix("export ").split("#")[0].strip().split("=", 1)
            self.env[key] = value
            return ""
        argv, background = command(line)
        if background:
            log = self.logs / f"bg-{len(self.background)}.log"
            self.background[line] = start(argv, dict(self.env), ROOT, log)
            if "server" in argv and "start" in argv:
                wait_healthy(f"http://127.0.0.1:{self.port}/api")
            return ""
        done = subprocess.run(
            argv, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"{line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[Shell]:
    port = free_port()
    env = server_env(tmp_path / "prefect-home", port)
    env.pop("PREFECT_API_URL")  # the README's export sets it
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"  # `prefect` as a user has it
    sh = Shell(env, port, tmp_path)
    try:
        yield sh
    finally:
        for proc in reversed(sh.background.values()):
            stop(proc)


def wait_for(what: str, check: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """Stop the worker without losing its run: SIGTERM to the run's ``prefect flow-run
    execute`` supervisor (which puts the run back in the queue and exits), then the worker is
    killed. A worker alone stopped leaves its runs running; one stopped at the same time as the
    supervisor kills it before it has rescheduled the run; and one stopped after it can take
    the rescheduled run again during its own shutdown (seen: it submitted the run 7 s after
    its SIGTERM, and was killed mid-start). So the worker's own processes are paused first and
    killed once the supervisor is gone: they hold no run any more."""
    root = psutil.Process(worker.pid)
    tree = root.children(recursive=True)
    supervisors = [c for c in tree if "execute" in _cmdline(c)]
    assert supervisors, "no `prefect flow-run execute` under the worker"
    theirs = {d.pid for s in supervisors for d in s.children(recursive=True)}
    own = [root, *(c for c in tree if c not in supervisors and c.pid not in theirs)]
    for proc in own:
        with contextlib.suppress(psutil.Error):
            proc.suspend()
    for proc in supervisors:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    wait_for("the supervisor to exit", lambda: not [p for p in supervisors if _running(p)], 120)
    stop(worker, signal.SIGKILL)


def _cmdline(proc: psutil.Process) -> list[str]:
    with contextlib.suppress(psutil.Error):
        return proc.cmdline()
    return []


def _running(proc: psutil.Process) -> bool:
    """Not gone and not a zombie (a paused parent has not reaped it yet)."""
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def training_runs(api: str) -> list[dict]:
    body = {"flows": {"name": {"any_": ["continuous-training"]}}, "sort": "EXPECTED_START_TIME_ASC"}
    return post(api, "/flow_runs/filter", body)


@dataclass
class Started:
    api: str
    results: Path
    run_id: str
    base: str  # the README's `prefect deployment run` line up to its parameters
    worker_line: str
    settings: dict  # the run's own settings parameter: LONG and the gated opponent


def start_tiny_run(
    shell: Shell,
    tmp_path: Path,
    repo: Path,
    gated: Gated,
    before_run: Callable[[str], None] | None = None,
) -> Started:
    """The README's setup lines typed in order, then a deployed 2-iteration run of 7x7 games
    with a saved settings block and LONG over it, against the gated opponent, waited for until
    it is Running (``before_run(api)`` just before it is started)."""
    setup, run_block, *_ = readme_blocks()
    for line in setup:
        shell.run(line)
    worker_line = next(ln for ln in setup if "worker start" in ln)
    api = shell.env["PREFECT_API_URL"]
    shell.run("prefect --no-prompt deploy --all")  # CPU only, no gpu pool: exits 0 as well
    assert training_runs(api) == []  # nothing starts a training run by itself

    # the block a deployment parameter names (the README saves one the same way)
    save = (
        f"from blocks.training import TrainingSettings; TrainingSettings(**{TINY!r}).save('tiny')"
    )
    shell.run(f"python -c {shlex.quote(save)}")
    if before_run is not None:
        before_run(api)
    run_line = next(ln for ln in run_block if "deployment run" in ln)
    base = run_line[: run_line.index("--param")]
    results = tmp_path / "results"
    settings = LONG | {"opponents": [gated.url]}
    params = {
        "settings_block": "tiny",
        "settings": json.dumps(settings),
        "max_iterations": "2",
        "results_dir": str(results),
        "target": json.dumps({"repo_path": str(repo)}),
    }
    ours = base + " ".join(f"--param {k}={shlex.quote(v)}" for k, v in params.items())
    shell.run(ours)
    wait_for("the run to start", lambda: training_runs(api)[0]["state_type"] == "RUNNING", 300)
    return Started(api, results, training_runs(api)[0]["id"], base, worker_line, settings)


def assert_finished_with_its_parameters(results: Path, repo: Path, settings: dict) -> None:
    """2 iterations logged, with the run's own parameters, and no finished game played twice."""
    log = TrainingLog(results / "training_log.jsonl", repair=False)
    assert [e.iteration for e in log.entries()] == [1, 2]
    kept = json.loads((results / "run_parameters.json").read_text())["parameters"]
    assert {k: kept["settings"][k] for k in TINY | settings} == TINY | settings
    assert kept["target"]["repo_path"] == str(repo)
    played = results / "benchmark_runs.jsonl"
    keys = [json.loads(x)["key"] for x in played.read_text().splitlines()]
    assert len(keys) == len(set(keys))  # nothing finished before the stop was played again
    assert (results / "prefect-results").is_dir()


@pytest.mark.slow
def test_the_readme_deployment_resumes_a_stopped_run_with_its_parameters(
    shell: Shell, tmp_path: Path, repo: Path, gated: Gated
) -> None:
    started = start_tiny_run(shell, tmp_path, repo, gated)
    api, results, run_id, base = started.api, started.results, started.run_id, started.base
    worker_line = started.worker_line

    # an ad-hoc run meanwhile waits for the slot, visibly, and is not cancelled
    other = base + f"--param results_dir={shlex.quote(str(tmp_path / 'other'))}"
    shell.run(other)
    waiting = lambda: [r for r in training_runs(api) if r["id"] != run_id]  # noqa: E731
    wait_for(
        "the second run to wait",
        lambda: waiting()[0]["state_name"] == "AwaitingConcurrencySlot",
        180,
    )
    shell.run(f"prefect flow-run cancel {waiting()[0]['id']}")

    # stop the worker in the middle of an iteration (SIGTERM to its process group)
    log = TrainingLog(results / "training_log.jsonl", repair=False)
    played = results / "benchmark_runs.jsonl"
    wait_for("games of the first iteration", played.exists, 600)
    assert len(log.entries()) < 2 and gated.moves > 0
    stop_worker(shell.background.pop(worker_line))
    wait_for(
        "the run back in the queue",
        lambda: training_runs(api)[0]["state_type"] not in ("RUNNING", "CRASHED"),
        120,
    )
    assert training_runs(api)[0]["state_type"] == "SCHEDULED"  # not Crashed, not Cancelled

    gated.open()  # the rest of the run at full speed
    shell.run(worker_line)  # the README's worker, started again
    wait_for(
        "the run to finish",
        lambda: training_runs(api)[0]["state_type"] in ("COMPLETED", "FAILED", "CRASHED"),
        900,
    )
    run = training_runs(api)[0]
    assert (run["id"], run["state_type"]) == (run_id, "COMPLETED")
    assert run["run_count"] >= 2  # the same flow run, started twice
    assert_finished_with_its_parameters(results, repo, started.settings)


def kill_hard(worker: subprocess.Popen[bytes]) -> None:
    """kill -9 the worker and everything under it (the run's process and its shards), as a
    power loss would: nothing gets to tell the server."""
    procs = [*psutil.Process(worker.pid).children(recursive=True), psutil.Process(worker.pid)]
    assert any("execute" in p.cmdline() for p in procs[:-1]), "no flow run under the worker"
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(procs, timeout=30)
    worker.wait()


@pytest.mark.slow
def test_a_run_killed_hard_is_crashed_and_rerun_by_the_automations_with_its_parameters(
    shell: Shell, tmp_path: Path, repo: Path, gated: Gated
) -> None:

    def short_window(api: str) -> None:
        # the README's `snaketrain deploy` made both automations; made again with a short
        # window (what `snaketrain deploy --crash-after 60` runs after `prefect deploy`)
        line = "python -m snaketrain.runtime.automations --crash-after 60"
        again = shell.run(line)
        assert "crash silent runs': updated" in again
        assert "rerun crashed runs': unchanged" in again
        assert shell.run(line).count("unchanged") == 2  # an unchanged one is left alone
        names = {a["name"] for a in post(api, "/automations/filter", {})}
        assert names == {
            "continuous-training/continuous-training: crash silent runs",
            "continuous-training/continuous-training: rerun crashed runs",
        }  # updated, not doubled

    started = start_tiny_run(shell, tmp_path, repo, gated, before_run=short_window)
    api, results, run_id = started.api, started.results, started.run_id
    log = TrainingLog(results / "training_log.jsonl", repair=False)
    wait_for("games of the first iteration", (results / "benchmark_runs.jsonl").exists, 600)
    assert len(log.entries()) < 2 and gated.moves > 0
    kill_hard(shell.background.pop(started.worker_line))
    killed = time.monotonic()
    gated.open()
    shell.run(started.worker_line)  # the worker comes back (systemd restarts it), the run not
    state = lambda rid: next(r for r in training_runs(api) if r["id"] == rid)  # noqa: E731
    wait_for("the killed run to be Crashed", lambda: state(run_id)["state_type"] == "CRASHED", 300)
    crashed_s = time.monotonic() - killed
    rerun = lambda: [r for r in training_runs(api) if r["id"] != run_id]  # noqa: E731
    wait_for("a new run", lambda: bool(rerun()), 120)
    wait_for("the new run to start", lambda: rerun()[0]["state_type"] != "SCHEDULED", 300)
    running_s = time.monotonic() - killed
    wait_for(
        "the new run to finish",
        lambda: rerun()[0]["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"),
        900,
    )
    print(f"killed -> Crashed {crashed_s:.0f} s, -> new run started {running_s:.0f} s")
    (new,) = rerun()
    assert new["state_type"] == "COMPLETED"
    # only the folder (its own rest) and the run it follows (counted in reruns.json)
    assert new["parameters"] == {"results_dir": str(results), "rerun_of": run_id}
    assert json.loads((results / "reruns.json").read_text())["runs"] == [run_id]
    assert state(run_id)["state"]["message"].startswith("No heartbeat for 60 s")
    assert_finished_with_its_parameters(results, repo, started.settings)
