"""Fault injection for ``snaketrain train``: stop it anywhere, run it again, nothing is lost.

    python benchmarks/faults.py [--trials 1] [--only NAME ...] [--all] [--list] [--keep]

Each trial gets a scratch git repository whose config.yaml is a weak snake and its own
PREFECT_HOME (a copy of one made at the start, holding the settings block ``faults``: 7x7
board, 2 shard processes, SPRT 0/100 Elo in batches of 8 pairs, random-safe as the reference
opponent), and runs in its own session what a user runs as ``python -m snaketrain train``:

    python driver.py train --settings-block faults --repo R --results F --max-iterations 3

The driver is the CLI with the candidates fixed, as tests/training/test_crash_commit.py's
DRIVER fixes them, so that the commit path runs at the same places every time: iteration 1
proposes the weak snake plus the food weight (accepted), iteration 2 the default weights at
search depth 0 (accepted), iteration 3 the weak snake again (rejected). Games are seeded:
every run plays the same games and reaches the same verdicts, interrupted or not.

A fault polls for a state (a child process, a file, a line, HEAD moving: every 2 ms; never a
sleep alone), then signals the trainer: SIGKILL to its pid only (its children must go by
themselves), SIGINT to its process group (Ctrl+C in a terminal), SIGTERM to its pid (``kill``).
Then the same command runs again to completion. A trial is clean when

- the fault landed: the trainer was still running when the state was seen;
- SIGINT/SIGTERM: exit 0 with the stop line and no traceback, no process of the run alive 2 s
  after the exit; SIGKILL: every process of the run gone within 10 s (a run's processes carry
  a marker in their environment, so they are found wherever they were re-parented);
- the run again exits 0, and then: log iterations 1, 2, 3, none twice; improvement commits ==
  accepted log entries, each commit's iteration and config.yaml hash == its entry's; no shard
  key twice in benchmark_runs.jsonl; the verdicts of the run without a fault; in the Prefect
  database no flow run of the results folder RUNNING/PENDING and no task run of them
  unfinished (AwaitingRetry included); neither "Error logging to API" nor a traceback in its
  output; none of its processes left.

Prints a line per trial as it goes, then a table and ``N trials, M clean``; exits 1 unless all
are clean. Removes its scratch folders (``--keep`` keeps them) and every process it started.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
MARKER = "SNAKETRAIN_FAULTS_RUN"
POLL_S = 0.002
SETTINGS = {
    "sprt_elo0": 0.0,
    "sprt_elo1": 100.0,
    "batch_pairs": 8,
    "max_pairs": 24,
    "remeasure_pairs": 2,
    "max_turns": 150,
    "batch_size": 32,
    "size": 7,
    "shards": 2,
    "opponents": ["random-safe"],
}
SETUP = """
import json, sys
from snaketrain.runtime.api import local_api
with local_api():
    from blocks.training import TrainingSettings
    TrainingSettings(**json.loads(sys.argv[1])).save("faults", overwrite=True)
"""
DRIVER = """
import signal, sys
if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    from snaketrain import training
    from snaketrain.snake.space import PARAMS, default_config
    from snaketrain.tuning.advisor import Proposal

    low = {k: p.low for k, p in PARAMS.items()
           if p.kind == "float" and k.startswith(("weights.", "traps.", "pursuit.", "trapping."))}
    weak = default_config().replace({**low, "search.depth": 0})
    food = weak.replace({"weights.food": 12.0})
    mid = default_config().replace({"search.depth": 0})
    ladder = {1: [food, mid], 2: [mid, weak], 3: [weak, mid]}

    def propose(begin, k, _limit):
        config = next(c for c in ladder.get(begin.iteration, [weak, mid]) if c != begin.best)
        return [Proposal.between(begin.best, config, "fixed", "fault injection")] * k

    training.propose = propose
    from snaketrain.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def weak_config() -> str:
    from snaketrain.snake.space import PARAMS, default_config, dump_config

    prefixes = ("weights.", "traps.", "pursuit.", "trapping.")
    low = {k: p.low for k, p in PARAMS.items() if p.kind == "float" and k.startswith(prefixes)}
    return dump_config(default_config().replace({**low, "search.depth": 0}))


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def count_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def env_for(home: Path, marker: str) -> dict[str, str]:
    return os.environ | {
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        MARKER: marker,
    }


def marked(prefix: str) -> list[psutil.Process]:
    """Live processes whose marker starts with ``prefix`` (re-parented ones too)."""
    found = []
    for p in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if p.status() != psutil.STATUS_ZOMBIE and p.environ().get(MARKER, "").startswith(
                prefix
            ):
                found.append(p)
    return found


def describe(procs: list[psutil.Process]) -> str:
    """``pid (what)`` of each process, e.g. ``123 (uvicorn)``, ``124 (spawn_main)``."""
    names = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            line = " ".join(p.cmdline())
            what = next((w for w in ("uvicorn", "resource_tracker", "spawn_main") if w in line), "")
            names.append(f"{p.pid} ({what or line[:40]})")
    return ", ".join(names) or "none"


def kill_marked(prefix: str) -> int:
    procs = marked(prefix)
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(procs, timeout=5)
    return len(procs)


def wait_gone(marker: str, since: float, timeout: float) -> float | None:
    """Seconds from ``since`` until no process of ``marker`` is left (None: not in time)."""
    while time.monotonic() - since < timeout:
        if not marked(marker):
            return time.monotonic() - since
        time.sleep(0.05)
    return None


@dataclass
class Workspace:
    root: Path

    repo = property(lambda self: self.root / "snake")
    results = property(lambda self: self.root / "results")
    home = property(lambda self: self.root / "prefect-home")
    log = property(lambda self: self.results / "training_log.jsonl")
    runs = property(lambda self: self.results / "benchmark_runs.jsonl")

    def command(self) -> list[str]:
        args = f"train --settings-block faults --repo {self.repo} --results {self.results}"
        return [
            sys.executable,
            str(self.root / "driver.py"),
            *args.split(),
            "--max-iterations",
            "3",
        ]

    def head(self) -> str:
        """HEAD's commit, from the ref file (no git process: cheap to poll every 2 ms)."""
        ref = (self.repo / ".git" / "HEAD").read_text().split("ref: ", 1)[-1].strip()
        try:
            return (self.repo / ".git" / ref).read_text().strip()
        except FileNotFoundError:
            return git(self.repo, "rev-parse", "HEAD")


@dataclass
class Run:
    ws: Workspace
    marker: str
    proc: subprocess.Popen[bytes]
    out: Path
    first_head: str
    config0: bytes
    _commits: dict[str, int] = field(default_factory=dict)

    def has_child(self, needle: str, without: str = "\0") -> bool:
        with contextlib.suppress(psutil.Error):
            for kid in psutil.Process(self.proc.pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    line = " ".join(kid.cmdline())
                    if needle in line and without not in line:
                        return True
        return False

    def commits(self) -> int:
        """Commits since the run started (git is asked only when HEAD moved)."""
        head = self.ws.head()
        if head != self.first_head and head not in self._commits:
            span = f"{self.first_head}..{head}"
            self._commits[head] = int(git(self.ws.repo, "rev-list", "--count", span))
        return self._commits.get(head, 0)

    def where(self) -> str:
        ws = self.ws
        return f"log {count_lines(ws.log)}, shards {count_lines(ws.runs)}, commits {self.commits()}"

    def output(self) -> str:
        return self.out.read_text(errors="replace")


def start(ws: Workspace, marker: str, name: str) -> Run:
    first, config0 = ws.head(), (ws.repo / "config.yaml").read_bytes()
    out = ws.root / f"{name}.out"
    with open(out, "wb") as sink:
        proc = subprocess.Popen(
            ws.command(),
            cwd=ws.root,
            env=env_for(ws.home, marker),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Run(ws, marker, proc, out, first, config0)


Probe = Callable[[Run], bool]


def lines_at_least(which: str, n: int, log_lines: int | None = None) -> Probe:
    def probe(r: Run) -> bool:
        if log_lines is not None and count_lines(r.ws.log) != log_lines:
            return False
        return count_lines(getattr(r.ws, which)) >= n

    return probe


@dataclass(frozen=True)
class Fault:
    name: str
    signum: int | None  # None: no fault (the reference run)
    probe: Probe
    what: str
    extra: bool = False  # run with --all or --only


KILL, INT, TERM = signal.SIGKILL, signal.SIGINT, signal.SIGTERM
AT_ONCE: Probe = lambda r: True  # noqa: E731
API: Probe = lambda r: r.has_child("uvicorn")  # noqa: E731
WORKER: Probe = lambda r: r.has_child("spawn_main", "resource_tracker")  # noqa: E731
PLANNED: Probe = lambda r: (r.ws.results / "run.json").exists()  # noqa: E731
PENDING: Probe = lambda r: (r.ws.results / "pending_commits.json").exists()  # noqa: E731
WRITTEN: Probe = lambda r: (r.ws.repo / "config.yaml").read_bytes() != r.config0  # noqa: E731
COMMITTED: Probe = lambda r: r.commits() >= 1  # noqa: E731
FIRST_SHARD = lines_at_least("runs", 1)
# Shard lines (2 a batch): iteration 1 plays the incumbent's strength, 2 SPRT batches and the
# winner's strength (8 lines in all), iteration 2 two batches and its winner's strength (14),
# iteration 3 two batches (18).
MID_SPRT = lines_at_least("runs", 4, log_lines=0)
MID_ITER2 = lines_at_least("runs", 10, log_lines=1)
FAULTS = [
    Fault("none", None, AT_ONCE, "no fault: the reference run"),
    Fault("kill-start-api", KILL, API, "the API process exists (not answering yet)"),
    Fault("kill-run-planned", KILL, PLANNED, "run.json written (the flow runs)", True),
    Fault("kill-first-worker", KILL, WORKER, "the first shard worker process appears"),
    Fault("kill-first-shard", KILL, FIRST_SHARD, "the first benchmark_runs line", True),
    Fault("kill-mid-sprt", KILL, MID_SPRT, "iteration 1, SPRT batch 2 in play"),
    Fault("kill-pending", KILL, PENDING, "improvement in pending_commits.json, not written"),
    Fault("kill-config-written", KILL, WRITTEN, "config.yaml written, not committed"),
    Fault("kill-committed", KILL, COMMITTED, "HEAD moved (the first commit)"),
    Fault("kill-first-log", KILL, lines_at_least("log", 1), "the first log line"),
    Fault("kill-mid-iter2", KILL, MID_ITER2, "iteration 2, SPRT batch 2 in play"),
    Fault("kill-second-commit", KILL, lambda r: r.commits() >= 2, "HEAD moved twice"),
    Fault("kill-last-log", KILL, lines_at_least("log", 3), "log line 3, run not finished"),
    Fault("int-importing", INT, AT_ONCE, "at once: the CLI is still importing", True),
    Fault("int-first-shard", INT, FIRST_SHARD, "the first benchmark_runs line"),
    Fault("int-committed", INT, COMMITTED, "HEAD moved (the first commit)"),
    Fault("term-importing", TERM, AT_ONCE, "at once: the CLI is still importing"),
    Fault("term-start-api", TERM, API, "the API process exists (not answering yet)"),
    Fault("term-first-worker", TERM, WORKER, "the first shard worker process appears", True),
    Fault("term-mid-sprt", TERM, MID_SPRT, "iteration 1, SPRT batch 2 in play"),
    Fault("term-mid-iter2", TERM, MID_ITER2, "iteration 2, SPRT batch 2 in play"),
]


@dataclass
class Result:
    fault: Fault
    problems: list[str] = field(default_factory=list)
    exit_s: float | None = None  # signal -> exit (SIGINT/SIGTERM)
    gone_s: float | None = None  # signal -> the run's last process gone
    crashed: int = 0  # flow runs Crashed after the run again
    where: str = ""  # log lines, shard lines and commits when the signal went
    outcome: list[tuple[int, bool, str, int]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems


def inject(fault: Fault, r: Run, res: Result) -> None:
    """Wait for the fault's state, send its signal, check how the run stopped."""
    assert fault.signum is not None
    deadline = time.monotonic() + 400
    while not fault.probe(r):
        if r.proc.poll() is not None:
            res.problems.append(f"missed: the run ended ({r.proc.returncode}) first")
            return
        if time.monotonic() > deadline:
            res.problems.append("missed: the state was not seen in 400 s")
            return
        time.sleep(POLL_S)
    res.where = r.where()
    t0 = time.monotonic()
    if fault.signum == INT:
        os.killpg(r.proc.pid, INT)
    else:
        os.kill(r.proc.pid, fault.signum)
    try:
        r.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        res.problems.append(f"still running 60 s after {signal.Signals(fault.signum).name}")
        return
    exited = time.monotonic()
    if fault.signum == KILL:
        res.gone_s = wait_gone(r.marker, t0, 10.0)
        if res.gone_s is None:
            res.problems.append(f"alive 10 s after kill -9: {describe(marked(r.marker))}")
        return
    res.exit_s = exited - t0
    res.gone_s = wait_gone(r.marker, t0, exited + 2.0 - t0)
    if res.gone_s is None:
        res.problems.append(f"alive 2 s after the exit: {describe(marked(r.marker))}")
    out = r.output()
    if r.proc.returncode != 0:
        res.problems.append(f"exit {r.proc.returncode} after the signal")
    if "run the same command to resume" not in out:
        res.problems.append("no stop line")
    if "Traceback" in out:
        res.problems.append("a traceback after the signal")


def improvement_commits(repo: Path) -> list[tuple[int, str]]:
    """(iteration, config hash) of each improvement commit, oldest first."""
    from snaketrain.gitops import TITLE_PREFIX
    from snaketrain.snake.space import config_hash, parse_yaml

    found = []
    for sha in git(repo, "rev-list", "--reverse", "HEAD").split():
        message = git(repo, "log", "-1", "--format=%B", sha)
        if message.startswith(TITLE_PREFIX):
            number = re.search(r"^Iteration: (\d+)$", message, re.M)
            text = git(repo, "show", f"{sha}:config.yaml")
            found.append((int(number.group(1)) if number else -1, config_hash(parse_yaml(text))))
    return found


UNFINISHED = "('RUNNING', 'PENDING', 'SCHEDULED', 'PAUSED', 'CANCELLING')"  # AwaitingRetry too


def prefect_runs(ws: Workspace) -> tuple[int, int, int]:
    """Flow runs of the results folder left RUNNING/PENDING, task runs of them left unfinished,
    flow runs Crashed."""
    with contextlib.closing(sqlite3.connect(ws.home / "prefect.db")) as db:
        rows = db.execute("SELECT id, state_type, parameters FROM flow_run").fetchall()
        here = str(ws.results.resolve())
        mine = {i: s for i, s, p in rows if json.loads(p or "{}").get("results_dir") == here}
        marks = ",".join("?" * len(mine)) or "''"
        query = f"SELECT COUNT(*) FROM task_run WHERE state_type IN {UNFINISHED}"
        tasks = db.execute(f"{query} AND flow_run_id IN ({marks})", list(mine)).fetchone()[0]
    flows = sum(s in ("RUNNING", "PENDING") for s in mine.values())
    return flows, tasks, sum(s == "CRASHED" for s in mine.values())


def finish(ws: Workspace, res: Result, marker: str) -> None:
    """Run the same command to completion and check the invariants."""
    r = start(ws, marker, "again")
    try:
        r.proc.wait(timeout=600)
    except subprocess.TimeoutExpired:
        res.problems.append("the run again did not finish in 600 s")
        return
    out = r.output()
    if r.proc.returncode != 0:
        res.problems.append(f"the run again exited {r.proc.returncode}: {out.strip()[-300:]}")
        return
    for needle in ("Error logging to API", "Traceback"):
        if needle in out:
            res.problems.append(f"{needle!r} in the output of the run again")
    log = [json.loads(x) for x in ws.log.read_text().splitlines()]
    if [e["iteration"] for e in log] != [1, 2, 3]:
        res.problems.append(f"log iterations {[e['iteration'] for e in log]}")
    accepted = [(e["iteration"], e["config_hash"]) for e in log if e["accepted"]]
    commits = improvement_commits(ws.repo)
    if commits != accepted:
        res.problems.append(f"commits {commits} != accepted entries {accepted}")
    keys = [json.loads(x)["key"] for x in ws.runs.read_text().splitlines()]
    if len(keys) != len(set(keys)):
        res.problems.append(f"{len(keys) - len(set(keys))} shard(s) played twice")
    res.outcome = [(e["iteration"], e["accepted"], e["config_hash"], e["games"]) for e in log]
    flows, tasks, res.crashed = prefect_runs(ws)
    if flows or tasks:
        res.problems.append(f"left unfinished: {flows} flow run(s), {tasks} task run(s)")
    if wait_gone(marker, time.monotonic(), 2.0) is None:
        res.problems.append(f"alive after the run again: {describe(marked(marker))}")


def workspace(base: Path, home: Path, name: str) -> Workspace:
    ws = Workspace(Path(tempfile.mkdtemp(prefix=f"{name}-", dir=base)))
    shutil.copytree(home, ws.home)
    (ws.root / "driver.py").write_text(DRIVER)
    ws.repo.mkdir()
    git(ws.repo, "init", "-q", "-b", "main")
    git(ws.repo, "config", "user.name", "Snake Dev")
    git(ws.repo, "config", "user.email", "dev@example.com")
    (ws.repo / "config.yaml").write_text(weak_config())
    git(ws.repo, "add", "config.yaml")
    git(ws.repo, "commit", "-qm", "a weak incumbent")
    return ws


def trial(fault: Fault, base: Path, home: Path, tag: str, keep: bool) -> Result:
    res = Result(fault)
    ws = workspace(base, home, fault.name)
    try:
        if fault.signum is not None:
            r = start(ws, f"{tag}:fault", "fault")
            inject(fault, r, res)
            if r.proc.poll() is None:
                os.kill(r.proc.pid, KILL)
                r.proc.wait()
            if kill_marked(f"{tag}:fault"):
                res.problems.append("cleanup: killed processes the fault run left")
        finish(ws, res, f"{tag}:again")
    finally:
        kill_marked(f"{tag}:")
        if not keep:
            shutil.rmtree(ws.root, ignore_errors=True)
    return res


def make_home(base: Path) -> Path:
    """A PREFECT_HOME with its database made and the ``faults`` settings block saved."""
    home = base / "prefect-home"
    env = env_for(home, f"{os.getpid()}:setup:")
    subprocess.run([sys.executable, "-c", SETUP, json.dumps(SETTINGS)], env=env, check=True)
    return home


def seconds(values: list[float | None]) -> str:
    got = [v for v in values if v is not None]
    if not got:
        return "-"
    return f"{statistics.median(got):.2f}" + (f" (max {max(got):.2f})" if len(got) > 1 else "")


def table(results: list[Result]) -> str:
    head = f"{'fault':<20} {'signal':<8} {'trials':>6} {'clean':>5}  {'to exit s':<17} "
    head += f"{'all gone s':<17} {'crashed':>7}  first problem"
    rows = [head, "-" * len(head)]
    for fault in dict.fromkeys(r.fault for r in results):
        mine = [r for r in results if r.fault is fault]
        sig = signal.Signals(fault.signum).name if fault.signum else "-"
        problem = next((r.problems[0] for r in mine if r.problems), "")
        rows.append(
            f"{fault.name:<20} {sig:<8} {len(mine):>6} {sum(r.clean for r in mine):>5}  "
            f"{seconds([r.exit_s for r in mine]):<17} {seconds([r.gone_s for r in mine]):<17} "
            f"{sum(r.crashed for r in mine):>7}  {problem[:90]}"
        )
    return "\n".join(rows)


def report(res: Result, k: int, elapsed: float) -> str:
    timing = f"exit {res.exit_s:.2f} s, " if res.exit_s is not None else ""
    gone = f"all gone {res.gone_s:.2f} s" if res.gone_s is not None else "-"
    head = f"[{elapsed:5.0f} s] {res.fault.name} #{k + 1}: "
    head += f"{'clean' if res.clean else 'NOT CLEAN'}; at {res.where or '-'}; "
    return (
        head
        + f"{timing}{gone}; crashed {res.crashed}"
        + "".join(f"\n    {p}" for p in res.problems)
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=1, help="trials per fault (default 1)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="these faults (see --list)")
    ap.add_argument("--all", action="store_true", help="the extra faults too")
    ap.add_argument("--list", action="store_true", help="list the faults and exit")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folders")
    args = ap.parse_args()
    if args.list:
        for f in FAULTS:
            print(f"{f.name:<20} {f.what}{' (extra)' if f.extra else ''}")
        return 0
    names = {f.name for f in FAULTS}
    unknown = sorted(set(args.only or ()) - names)
    if unknown:
        ap.error(f"unknown fault(s) {', '.join(unknown)}; choose from {', '.join(sorted(names))}")
    wanted = set(args.only or ()) or {f.name for f in FAULTS if args.all or not f.extra}
    chosen = [f for f in FAULTS if f.name == "none" or f.name in wanted]
    base = Path(tempfile.mkdtemp(prefix="snaketrain-faults-"))
    tag = f"{os.getpid()}:"
    results: list[Result] = []
    t0 = time.monotonic()
    try:
        home = make_home(base)
        for fault in chosen:
            for k in range(1 if fault.signum is None else args.trials):
                res = trial(fault, base, home, f"{tag}{fault.name}:{k}", args.keep)
                reference = results[0].outcome if results else res.outcome
                if res.outcome and res.outcome != reference:
                    res.problems.append(f"verdicts {res.outcome} != the reference's {reference}")
                results.append(res)
                print(report(res, k, time.monotonic() - t0), flush=True)
    finally:
        kill_marked(tag)
        if args.keep:
            print(f"scratch folders kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    clean = sum(r.clean for r in results)
    print(f"\n{table(results)}\n\n{len(results)} trials, {clean} clean")
    print(f"({time.monotonic() - t0:.0f} s in all)")
    return 0 if clean == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
