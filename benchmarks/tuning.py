"""Headline figure: the Elo each advisor recovers (or gains) in the same wall-time budget.

    python benchmarks/tuning.py [--task planted|shipped] [--advisors spsa,cmaes,random,nn,mixed]
        [--budget 3600] [--eval-games 2000] [--size 11] [--shards 2] [--out FILE] [--keep]
        [-- extra `snaketrain train` flags]
    python benchmarks/tuning.py --self-check        # the pure helpers only, in seconds

Rows (``ROWS``): spsa, cmaes, random (the default set), nn (``--advisor random
--use-neural-net``: random perturbation with the NN's screened proposal in one slot), mixed
(``--advisor spsa --use-neural-net``), llm (``--advisor random --use-llm --llm-every 1``) and
spsa+llm (``--advisor spsa --use-llm``). Each advisor trains exactly as a user does:
``python -m snaketrain train`` with the row's flags as a subprocess, in a scratch git repo of
its own holding the start config.yaml, with its own PREFECT_HOME and results folder, default
settings except ``--size`` and the flags after ``--``. At the budget it gets SIGTERM (the
command stops at once and exits 0); then the repo's config.yaml, training_log.jsonl and
``git log`` are read.

- ``planted`` (default): the start is config.yaml with a few weights moved far (``DETUNE``),
  measured first to be >= 100 Elo weaker. Elo recovered = Elo(final vs config.yaml) -
  Elo(detuned vs config.yaml), both on the same fresh pairs, with a conservative 95%
  interval (low = final.low - detuned.high, high = final.high - detuned.low); final vs
  detuned is also measured directly and reported beside it.
- ``shipped``: the start is config.yaml itself. Elo gained = Elo(final vs config.yaml),
  measured directly; an interval that includes 0 is "no gain". Also against ``baseline``:
  Elo(final vs baseline) - Elo(config.yaml vs baseline), conservative interval as above.

Evaluation games are fresh: master seed ``EVAL_SEED``, checked to be none of the training
run's master seeds, played through ``arena.pool.ShardPool`` (``--shards`` processes) on the
trained board size and turn cap. A config equal to the start one is not replayed: its Elo
change is exactly 0 ("nothing committed"). Tuning games count every finished SPSA batch or
CMA-ES generation (read from ``tuner.json`` while the run goes, so the iteration cut off by
SIGTERM counts too); verification games are the SPRT games of every finished benchmark
shard (``benchmark_runs.jsonl`` less the strength measurements, at least the log's ``games``),
so an SPRT cut off by SIGTERM counts too. Strength re-measurements against ``baseline`` (400
games for the start config and each committed one) are counted in neither; Elo per million
games divides by tuning + verification games, Elo per hour by the budget.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # this tree's snaketrain, also in the spawned eval workers
    sys.path.insert(0, str(ROOT))

from benchmarks.tuning_report import (  # noqa: E402
    Interval,
    Row,
    Run,
    add_progress,
    flag_values,
    read_jsonl,
    run_note,
    self_check,
    shard_games,
    split_argv,
    table,
    training_seeds,
    tuner_progress,
    verify_games,
)

#: Each row's advisor, as the `snaketrain train` flags that choose it. ``nn``: random
#: perturbation with the NN's screened proposal in one slot; ``mixed``: SPSA with the NN;
#: ``llm``: the LLM proposes in every iteration (random perturbation takes the slot when it says
#: nothing valid); ``spsa+llm``: SPSA, with the LLM's proposal in place of SPSA's every 4th
#: iteration.
ROWS: dict[str, tuple[str, ...]] = {
    "spsa": ("--advisor", "spsa"),
    "cmaes": ("--advisor", "cmaes"),
    "random": ("--advisor", "random"),
    "nn": ("--advisor", "random", "--use-neural-net"),
    "mixed": ("--advisor", "spsa", "--use-neural-net"),
    "llm": ("--advisor", "random", "--use-llm", "--llm-every", "1"),
    "spsa+llm": ("--advisor", "spsa", "--use-llm"),
}
#: The rows run when --advisors is not given.
ADVISORS = ("spsa", "cmaes", "random")
#: The planted gap: weights that matter, moved to bad values (config.yaml: 20, 12, 15, 250).
DETUNE: dict[str, float] = {
    "weights.space": 0.0,
    "weights.food": 90.0,
    "weights.territory": 0.0,
    "traps.critical": 0.0,
}
MIN_GAP_ELO = 100.0
#: Master seed of every evaluation game (checked against the training run's seeds).
EVAL_SEED = 3_735_928_559
POLL_S = 2.0
STOP_GRACE_S = 60.0


def git(repo: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args]
    return subprocess.run(cmd, cwd=repo, check=True, capture_output=True, text=True).stdout


def make_repo(where: Path, config_text: str) -> Path:
    where.mkdir(parents=True)
    (where / "config.yaml").write_text(config_text, encoding="utf-8")
    git(where, "init", "-q")
    git(where, "add", "config.yaml")
    git(where, "commit", "-qm", "start config")
    return where


def stop(proc: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM, as a user's ``kill``; its exit status, or None when it had to be killed."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


def leftovers(session: int) -> int:
    """Processes of the run's session still alive a second after it exited; killed."""
    time.sleep(1.0)
    alive = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            if os.getsid(int(pid)) == session:
                alive += 1
                os.kill(int(pid), signal.SIGKILL)
    return alive


def train(
    work: Path, advisor: str, start_text: str, size: int, extra: Sequence[str], budget: float
) -> Run:
    """``snaketrain train`` for ``budget`` seconds, then SIGTERM; what it left."""
    repo = make_repo(work / "repo", start_text)
    results = work / "results"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(work / "prefect-home")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    cmd = [
        sys.executable,
        "-m",
        "snaketrain",
        "train",
        "--repo",
        str(repo),
        "--results",
        str(results),
        *ROWS[advisor],
        "--size",
        str(size),
        *extra,
    ]
    output = work / "train-output.txt"
    print(f"  $ {' '.join(cmd[1:])}   (output: {output})", flush=True)
    seen: dict[str, int] = {}

    def poll() -> None:
        with contextlib.suppress(OSError, ValueError, KeyError):  # not written yet
            add_progress(seen, *tuner_progress(json.loads((results / "tuner.json").read_text())))

    with output.open("w") as out:
        proc = subprocess.Popen(
            cmd, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        t0 = time.monotonic()
        ended_early = None
        try:
            while time.monotonic() - t0 < budget:
                if proc.poll() is not None:
                    ended_early = time.monotonic() - t0
                    break
                poll()
                time.sleep(min(POLL_S, max(0.0, budget - (time.monotonic() - t0))))
        except BaseException:  # Ctrl+C of the benchmark: the run is in a session of its own
            stop(proc)
            raise
        t1 = time.monotonic()
        rc = proc.returncode if ended_early is not None else stop(proc)
        stop_s = time.monotonic() - t1
    left = leftovers(proc.pid)
    poll()
    subjects = git(repo, "log", "--format=%s", "--reverse").splitlines()[1:]
    return Run(
        rc=rc,
        stop_s=stop_s,
        leftovers=left,
        ended_early_s=ended_early,
        tuning_games=sum(seen.values()),
        log=read_jsonl(results / "training_log.jsonl"),
        shard_games=shard_games(read_jsonl(results / "benchmark_runs.jsonl")),
        commits=subjects,
        config_text=(repo / "config.yaml").read_text(encoding="utf-8"),
        head_text=git(repo, "show", "HEAD:config.yaml"),
        output=output,
    )


def evaluate(
    candidate: Path,
    label: str,
    opponents: Sequence[str],
    names: Sequence[str],
    size: int,
    games: int,
    shards: int,
) -> list[Interval]:
    """Elo of ``candidate`` against each opponent on ``games`` fresh games (same pairs)."""
    from blocks.training import TrainingSettings
    from snaketrain.arena.pairs import MatchSetup
    from snaketrain.arena.pool import ShardPool
    from snaketrain.snake.registry import batched_policy

    setup = MatchSetup(
        size=size,
        master_seed=EVAL_SEED,
        max_turns=TrainingSettings.model_fields["max_turns"].default,
        batch_size=TrainingSettings.model_fields["batch_size"].default,
    )
    refs = [str(candidate), *opponents]
    t0 = time.perf_counter()
    with ShardPool(batched_policy, refs, [label, *names], setup, shards) as play:
        result = play(range(games // 2))
    for row in result.rows:
        e = row.elo()
        print(
            f"    {label} vs {row.opponent}: {row.games} games, W/D/L {row.wins}/"
            f"{row.draws}/{row.losses}, Elo {e.elo:+.0f} [{e.low:+.0f}, {e.high:+.0f}]"
        )
    print(f"    ({time.perf_counter() - t0:.0f} s)", flush=True)
    return [Interval.of(row.elo()) for row in result.rows]


def report_run(advisor: str, run: Run, budget: float, start: Any, final: Any) -> None:
    from snaketrain.snake.space import diff

    accepted = sum(1 for e in run.log if e.get("accepted"))
    if run.leftovers:
        print(f"  WARNING: {run.leftovers} process(es) of the run outlived it (killed now)")
    if run.rc is None:
        print(
            f"  WARNING: SIGTERM did not stop `snaketrain train` in {STOP_GRACE_S:.0f} s "
            f"(killed); see {run.output}"
        )
    elif run.ended_early_s is not None:
        print(
            f"  WARNING: `snaketrain train` exited by itself after {run.ended_early_s:.0f} s "
            f"(exit {run.rc}), before the budget of {budget:.0f} s; it ended with:"
        )
        for line in run.output.read_text(errors="replace").splitlines()[-5:]:
            print(f"    | {line}")
    else:
        ok = "" if run.rc == 0 else f"  WARNING: exit status {run.rc}, expected 0; see {run.output}"
        print(f"  SIGTERM at {budget:.0f} s: stopped in {run.stop_s:.1f} s, exit {run.rc}{ok}")
    print(
        f"  log: {len(run.log)} iterations, {accepted} accepted; git: {len(run.commits)} "
        f"commits after the start"
    )
    for subject in run.commits:
        print(f"    commit: {subject}")
    if accepted != len(run.commits):
        print("  WARNING: accepted iterations and commits differ (SIGTERM between commit and log?)")
    if run.config_text != run.head_text:
        print("  WARNING: config.yaml differs from the committed one (a pending commit)")
    if ROWS[advisor][1] != "random" and run.tuning_games == 0:
        print("  WARNING: tuning made no progress: no SPSA batch / CMA-ES generation finished")
    for key, old, new in diff(start, final):
        print(f"    {key}: {old} -> {new}")


def main(argv: Sequence[str] | None = None) -> None:
    ours, extra = split_argv(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=["planted", "shipped"], default="planted")
    ap.add_argument("--advisors", default=",".join(ADVISORS), help="comma-separated, in order")
    ap.add_argument("--budget", type=float, default=3600.0, help="wall seconds per advisor")
    ap.add_argument("--eval-games", type=int, default=2000, help="fresh games per comparison")
    ap.add_argument("--size", type=int, choices=[7, 11, 19], default=11)
    ap.add_argument("--shards", type=int, default=2, help="evaluation processes")
    ap.add_argument("--out", help="also write the table (and its lines) to this file")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folders")
    ap.add_argument("--self-check", action="store_true", help="check the helpers and exit")
    args = ap.parse_args(ours)
    if args.self_check:
        self_check(EVAL_SEED)
        return
    advisors = [a.strip() for a in args.advisors.split(",") if a.strip()]
    bad = [a for a in advisors if a not in ROWS]
    if bad or not advisors:
        ap.error(
            f"--advisors takes a comma-separated list of {', '.join(ROWS)}, got {args.advisors!r}"
        )
    if args.eval_games < 2 or args.eval_games % 2:
        ap.error(f"--eval-games must be even and >= 2 (pairs of games), got {args.eval_games}")
    seed = (flag_values(extra, "--seed") or ["0"])[0]
    if not seed.isdigit():
        ap.error(f"--seed after -- must be an integer >= 0, got {seed!r}")
    if EVAL_SEED in training_seeds(int(seed)):
        raise SystemExit(f"tuning.py: EVAL_SEED {EVAL_SEED} is a training seed; change it")

    import torch

    from snaketrain.snake.space import dump_config, load_config, parse_yaml

    torch.set_num_threads(1)
    load_start = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="snaketrain-tunebench-"))
    shipped = load_config(ROOT / "config.yaml")
    (work / "config.yaml").write_text(dump_config(shipped), encoding="utf-8")
    n, size, shards = args.eval_games, args.size, args.shards
    print(
        f"# tuning benchmark: task {args.task}, board {size}x{size}, budget {args.budget:.0f} s "
        f"per advisor, {n} fresh games per comparison (master seed {EVAL_SEED})",
        flush=True,
    )
    if args.task == "planted":
        start = shipped.replace(DETUNE)
        start_path = work / "detuned.yaml"
        start_path.write_text(dump_config(start), encoding="utf-8")
        print("planted gap: " + ", ".join(f"{k} {shipped[k]} -> {v}" for k, v in DETUNE.items()))
        (ref,) = evaluate(
            start_path, "detuned", [str(work / "config.yaml")], ["config.yaml"], size, n, shards
        )
        print(f"planted gap: detuned vs config.yaml {ref.text()} Elo on {n} fresh games")
        if ref.elo > -MIN_GAP_ELO:
            raise SystemExit(
                f"tuning.py: the planted gap is {ref.elo:+.0f} Elo, need <= "
                f"-{MIN_GAP_ELO:.0f}: detune more (DETUNE in {__file__})"
            )
        opponents = [str(work / "config.yaml"), str(start_path)]
        names = ["config.yaml", "detuned"]
    else:
        start, start_path = shipped, work / "config.yaml"
        (ref,) = evaluate(start_path, "config.yaml", ["baseline"], ["baseline"], size, n, shards)
        opponents, names = [str(start_path), "baseline"], ["config.yaml", "baseline"]

    from blocks.training import TrainingSettings

    # games of one strength measurement (start config, each committed one): not counted
    refs = (
        flag_values(extra, "--opponents")
        or TrainingSettings.model_fields["opponents"].default_factory()
    )
    strength = 2 * TrainingSettings.model_fields["remeasure_pairs"].default * len(refs)
    rows = []
    for advisor in advisors:
        print(f"\n## {advisor}", flush=True)
        run = train(work / advisor, advisor, dump_config(start), size, extra, args.budget)
        final = parse_yaml(run.config_text, f"{advisor}/repo/config.yaml")
        report_run(advisor, run, args.budget, start, final)
        headline = second = None
        if final != start:
            path = work / f"final-{advisor}.yaml"
            path.write_text(run.config_text, encoding="utf-8")
            vs_first, vs_second = evaluate(
                path, f"final {advisor}", opponents, names, size, n, shards
            )
            if args.task == "planted":
                headline, second = vs_first.minus(ref), vs_second
            else:
                headline, second = vs_first, vs_second.minus(ref)
        verify = verify_games(run.log, run.shard_games, len(run.commits), strength)
        rows.append(
            Row(
                advisor + run_note(run),
                run.tuning_games,
                verify,
                len(run.commits),
                headline,
                second,
                args.budget,
            )
        )

    load_end = os.getloadavg()
    what = (
        "Elo recovered = Elo(final vs config.yaml) - Elo(detuned vs config.yaml) on the same "
        "fresh pairs, conservative 95% interval; final vs detuned measured directly beside it"
        if args.task == "planted"
        else "Elo gained = Elo(final vs config.yaml) measured directly; vs baseline: "
        "Elo(final vs baseline) - Elo(config.yaml vs baseline), conservative interval"
    )
    lines = [
        table(rows, args.task),
        "",
        f"{what}; {n} fresh games per comparison (master seed {EVAL_SEED}), board {size}x{size}.",
        "games: tuning = finished SPSA batches / CMA-ES generations, verifying = SPRT games "
        "(both including the iteration SIGTERM cut off); strength re-measurements not counted.",
        f"budget: {args.budget:.0f} s wall time per advisor (SIGTERM at the budget); train "
        f"flags: --size {size} {' '.join(extra)}".rstrip(),
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
        f"{load_start[0]:.2f} at start, {load_end[0]:.2f} at end; torch {torch.__version__}; "
        f"python {platform.python_version()}",
    ]
    print("\n" + "\n".join(lines))
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    if args.keep:
        print(f"scratch folders kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
