"""The pure parts of benchmarks/tuning.py: Elo intervals, game counts, the table, flag parsing.

``python benchmarks/tuning.py --self-check`` runs :func:`self_check` (seconds, no games).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

#: Train flags the benchmark sets itself.
RESERVED = ("--repo", "--results", "--advisor", "--size", "--config", "--git-block", "--push")
#: Pairs each CMA-ES candidate plays per generation (``snaketrain.training.tune.CMA_PAIRS``).
CMA_PAIRS = 16


@dataclass(frozen=True)
class Interval:
    """An Elo difference with its 95% interval."""

    elo: float
    low: float
    high: float

    @staticmethod
    def of(estimate: Any) -> Interval:
        """From an ``EloEstimate`` (``MatchResult.total.elo()``)."""
        return Interval(estimate.elo, estimate.low, estimate.high)

    def minus(self, other: Interval) -> Interval:
        """``self - other`` with the conservative interval (the widest the two allow)."""
        return Interval(self.elo - other.elo, self.low - other.high, self.high - other.low)

    @property
    def includes_zero(self) -> bool:
        return self.low <= 0.0 <= self.high

    def text(self) -> str:
        return f"{self.elo:+.0f} [{self.low:+.0f}, {self.high:+.0f}]"


@dataclass(frozen=True)
class Row:
    """One advisor's run: what it played and what the final config is worth."""

    advisor: str
    tuning_games: int
    verify_games: int
    commits: int
    headline: Interval | None  # None: final config = start config (exactly 0)
    second: Interval | None  # planted: final vs detuned direct; shipped: gain vs baseline
    budget_s: float


@dataclass(frozen=True)
class Run:
    """What a training run left: its exit, its files and its counted games."""

    rc: int | None  # None: SIGTERM did not stop it (killed)
    stop_s: float  # seconds from SIGTERM to exit
    ended_early_s: float | None  # it exited by itself after this many seconds
    tuning_games: int
    log: list[dict[str, Any]]
    shard_games: int  # games of every benchmark shard (verification and strength)
    leftovers: int  # processes of its session still alive after it exited (then killed)
    commits: list[str]  # subjects after the start commit
    config_text: str
    head_text: str
    output: Path


def run_note(run: Run) -> str:
    """What the table says beside the advisor when the run did not stop as it should."""
    if run.rc is None:
        return " (ignored SIGTERM: killed)"
    if run.ended_early_s is not None:
        return f" (exit {run.rc} at {run.ended_early_s:.0f} s)"
    return f" (exit {run.rc})" if run.rc else ""


def gain_text(iv: Interval | None, task: str) -> str:
    if iv is None:
        return "0 (nothing committed)" if task == "planted" else "no gain (nothing committed)"
    if task == "shipped" and iv.includes_zero:
        return f"no gain ({iv.text()})"
    return iv.text()


def rates(iv: Interval | None, task: str, hours: float, games: int) -> tuple[str, str]:
    """Elo per hour and Elo per million games of the headline figure ('-' for no gain)."""
    if iv is None:
        return "0", "0"
    if task == "shipped" and iv.includes_zero:
        return "-", "-"
    per_m = f"{iv.elo / games * 1e6:+.0f}" if games else "-"
    return f"{iv.elo / hours:+.0f}", per_m


def table(rows: Sequence[Row], task: str) -> str:
    what = "Elo recovered" if task == "planted" else "Elo gained vs config.yaml"
    second = "final vs detuned (direct)" if task == "planted" else "Elo gained vs baseline"
    out = [
        f"| advisor | games played tuning | games verifying | configs committed | {what} "
        f"± 95% CI | {second} | Elo per hour | Elo per million games |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        per_h, per_m = rates(r.headline, task, r.budget_s / 3600, r.tuning_games + r.verify_games)
        out.append(
            f"| {r.advisor} | {r.tuning_games:,} | {r.verify_games:,} | {r.commits} | "
            f"{gain_text(r.headline, task)} | {gain_text(r.second, task)} | {per_h} | {per_m} |"
        )
    return "\n".join(out)


def tuner_progress(data: Mapping[str, Any]) -> tuple[str, int]:
    """A ``tuner.json``'s run (advisor and seed: a restarted SPSA run has a new seed) and the
    games its finished steps played."""
    state = data["state"]
    run = f"{data['advisor']}-{state['seed']}"
    if data["advisor"] == "spsa":
        return run, 2 * int(state["pairs"])
    return run, 2 * CMA_PAIRS * int(state["evaluations"])


def add_progress(seen: dict[str, int], run: str, games: int) -> None:
    """Games of each tuner run seen so far (a run's count only grows)."""
    seen[run] = max(seen.get(run, 0), games)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """A JSON-lines file's complete lines (a line cut by SIGTERM is skipped; none: [])."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def shard_games(runs: Sequence[Mapping[str, Any]]) -> int:
    """Games of the benchmark shards in ``benchmark_runs.jsonl`` (each key once)."""
    return sum({r["key"]: int(r["games"]) for r in runs}.values())


def verify_games(
    log: Sequence[Mapping[str, Any]], shards: int, commits: int, strength_games: int
) -> int:
    """Verification games: the log's (finished iterations), or more when the shard log shows
    an SPRT cut off by SIGTERM. Every shard not verifying is a strength measurement:
    ``strength_games`` for the start config and each committed one."""
    logged = sum(int(e.get("games", 0)) for e in log)
    return max(logged, shards - (1 + commits) * strength_games)


def split_argv(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """The benchmark's own flags, and the train flags after ``--`` (reserved ones refused)."""
    argv = list(argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    ours, extra = argv[:cut], argv[cut + 1 :]
    for flag in extra:
        if flag.split("=", 1)[0] in RESERVED:
            raise SystemExit(
                f"tuning.py: error: {flag.split('=', 1)[0]} is set by the benchmark; train flags "
                f"after -- may be any but {', '.join(RESERVED)} (use --size before --)"
            )
    return ours, extra


def flag_values(extra: Sequence[str], flag: str) -> list[str] | None:
    """The values given to ``flag`` (``--f a b`` or ``--f=a``) among train flags; None: absent."""
    for i, token in enumerate(extra):
        if token.startswith(flag + "="):
            return [token.split("=", 1)[1]]
        if token == flag:
            values = []
            for value in extra[i + 1 :]:
                if value.startswith("--"):
                    break
                values.append(value)
            return values
    return None


def training_seeds(run_seed: int, iterations: int = 100_000) -> set[int]:
    """Every master seed a training run with ``run_seed`` plays on (first ``iterations``)."""
    from snaketrain.training.iteration import iteration_seed, strength_seed
    from snaketrain.training.tune import tune_seed

    seeds = {iteration_seed(run_seed, i) for i in range(iterations)}
    return seeds | {strength_seed(run_seed), tune_seed(run_seed)}


def self_check(eval_seed: int) -> None:
    """The helpers against hand-worked values; raises AssertionError on a mismatch."""
    from snaketrain.training import tune

    assert tune.CMA_PAIRS == CMA_PAIRS, "CMA_PAIRS is out of step with training.tune"
    a, b = Interval(-50, -80, -20), Interval(-200, -260, -150)
    assert a.minus(b) == Interval(150, 70, 240)
    assert gain_text(Interval(5, -3, 12), "shipped").startswith("no gain")
    assert gain_text(Interval(5, -3, 12), "planted") == "+5 [-3, +12]"
    assert gain_text(None, "planted") == "0 (nothing committed)"
    assert gain_text(None, "shipped") == "no gain (nothing committed)"
    assert rates(Interval(100, 50, 150), "planted", 0.5, 200_000) == ("+200", "+500")
    assert rates(Interval(5, -3, 12), "shipped", 1.0, 10) == ("-", "-")
    seen: dict[str, int] = {}
    spsa = {"advisor": "spsa", "state": {"seed": 7, "pairs": 64}}
    for data in (spsa, {"advisor": "spsa", "state": {"seed": 7, "pairs": 128}}, spsa):
        add_progress(seen, *tuner_progress(data))
    add_progress(seen, *tuner_progress({"advisor": "spsa", "state": {"seed": 9, "pairs": 64}}))
    assert sum(seen.values()) == 2 * 128 + 2 * 64
    cma = {"advisor": "cmaes", "state": {"seed": 1, "evaluations": 13}}
    assert tuner_progress(cma) == ("cmaes-1", 2 * 16 * 13)
    runs = [{"key": "a", "games": 200}, {"key": "b", "games": 64}, {"key": "a", "games": 200}]
    assert shard_games(runs) == 264
    log = [{"games": 128}]
    assert verify_games(log, 400 + 128 + 64, 0, 400) == 192  # an SPRT cut off mid-way
    assert verify_games(log, 800 + 128, 1, 400) == 128  # committed: start and final measured
    assert split_argv(["--budget", "5", "--", "--seed", "3"]) == (
        ["--budget", "5"],
        ["--seed", "3"],
    )
    extra = ["--tune-pairs", "64", "--seed=3", "--opponents", "baseline", "greedy-food"]
    assert flag_values(extra, "--seed") == ["3"] and flag_values([], "--seed") is None
    assert flag_values(extra, "--opponents") == ["baseline", "greedy-food"]
    assert eval_seed not in training_seeds(0, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.jsonl"
        path.write_text('{"iteration": 0, "games": 10}\n{"iteration": 1, "ga', encoding="utf-8")
        assert read_jsonl(path) == [{"iteration": 0, "games": 10}]
    ok = Run(0, 0.5, None, 0, [], 0, 0, [], "", "", Path("out"))
    assert run_note(ok) == ""
    assert run_note(replace(ok, rc=None)) == " (ignored SIGTERM: killed)"
    assert run_note(replace(ok, rc=2, ended_early_s=1.6)) == " (exit 2 at 2 s)"
    rows = [Row("spsa", 4096, 300, 1, Interval(120, 60, 180), None, 1800)]
    text = table(rows, "planted")
    assert "| spsa | 4,096 | 300 | 1 | +120 [+60, +180] | 0 (nothing committed) | +240 |" in text
    print("self-check: all helper checks passed")
