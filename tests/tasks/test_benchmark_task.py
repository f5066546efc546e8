"""benchmark: shards as tasks; decide and measure give the library's verdicts and strengths.

(Named ``_task`` beside ``tests/flows/test_benchmark.py``: test module names are unique.)"""

from __future__ import annotations

import json
from pathlib import Path

from prefect import flow
from taskkit import quick_config, tiny_settings, weak_config

from blocks.training import TrainingSettings
from snaketrain import training
from snaketrain.arena.decide import fixed_match, remeasure, sprt_lanes
from snaketrain.arena.pairs import LocalPlayer, MatchSetup
from snaketrain.arena.result import Verdict
from snaketrain.training import BENCHMARK_RUNS, ShardSpec, SnakeRef
from tasks.benchmark import benchmark, decide, match_setup, measure, remote_benchmark

SEED = 11
CANDIDATES = [
    SnakeRef.of_config(quick_config(), "quick"),
    SnakeRef.of_config(weak_config(), "weak"),
]
INCUMBENT = SnakeRef.builtin("random-safe")


def spec(snakes: tuple[SnakeRef, ...] = (CANDIDATES[0], INCUMBENT)) -> ShardSpec:
    return ShardSpec(
        snakes, MatchSetup(size=7, master_seed=3, max_turns=100, batch_size=32), (0, 1, 2)
    )


def runs(results: Path) -> list[dict]:
    path = results / BENCHMARK_RUNS
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


@flow
def decide_flow(settings: TrainingSettings, results_dir: str) -> list[Verdict]:
    return decide(CANDIDATES, INCUMBENT, SEED, settings, results_dir)


@flow
def measure_flow(settings: TrainingSettings, results_dir: str) -> training.Strength:
    return measure(CANDIDATES[0], [INCUMBENT], settings, results_dir)


def test_a_shard_is_the_library_s_shard(tmp_path: Path) -> None:
    assert benchmark.fn(spec(), 1, str(tmp_path)) == training.play_shard(spec())
    assert runs(tmp_path) == []  # the trainer's flow logs what it saw played


def test_a_remote_worker_logs_the_shard_it_played(tmp_path: Path) -> None:
    result = benchmark.fn(spec(), 1, str(tmp_path), record_here=True)
    [line] = runs(tmp_path)
    assert (line["key"], line["games"]) == (spec().key, result.games) and result.games == 6


def test_keys_name_the_games() -> None:
    assert benchmark.cache_key_fn(None, {"spec": spec()}) == spec().key  # type: ignore[misc]
    other = spec((CANDIDATES[1], INCUMBENT))
    assert benchmark.cache_key_fn(None, {"spec": other}) != spec().key  # type: ignore[misc]
    remote = remote_benchmark.cache_key_fn(None, {"spec": spec()})  # type: ignore[misc]
    assert remote == "remote-" + spec().key


def test_decide_gives_the_library_s_sprt_verdicts(prefect_storage: Path, tmp_path: Path) -> None:
    settings = tiny_settings()
    got = decide_flow(settings, str(tmp_path))
    sprt = training.sprt_for(0.0, 100.0, settings.alpha, settings.beta, len(CANDIDATES))
    expected = sprt_lanes(
        [(c.policy(), SEED) for c in CANDIDATES],
        [INCUMBENT.policy()],
        match_setup(settings, SEED),
        sprt,
        settings.batch_pairs,
        settings.max_pairs,
    )
    assert got == expected
    assert got[0].status == "accept" and got[1].status != "accept"
    batches = sum(len(v.batches) for v in got)
    played = runs(tmp_path)  # every batch of every lane, once
    assert len(played) == batches and len({x["key"] for x in played}) == batches
    assert all(isinstance(x["seconds"], float) and x["seconds"] > 0 for x in played)

    assert decide_flow(settings, str(tmp_path)) == got  # run again: all from the cache
    assert len(runs(tmp_path)) == batches


def test_fixed_n_gives_the_library_s_fixed_verdict(prefect_storage: Path, tmp_path: Path) -> None:
    settings = tiny_settings(games=8)
    got = decide_flow(settings, str(tmp_path))
    setup = match_setup(settings, SEED)
    expected = [
        fixed_match(LocalPlayer(c.policy(), [INCUMBENT.policy()], setup), 8, 0.0)
        for c in CANDIDATES
    ]
    assert got == expected and all(v.result.games == 8 for v in got)
    assert len(runs(tmp_path)) == 2  # one batch of 4 pairs per candidate


def test_measure_plays_fresh_seeds_against_the_opponents(
    prefect_storage: Path, tmp_path: Path
) -> None:
    settings = tiny_settings(seed=5)
    got = measure_flow(settings, str(tmp_path))
    me = SnakeRef.of_config(quick_config(), CANDIDATES[0].ident)
    setup = match_setup(settings, training.strength_seed(5))
    player = LocalPlayer(me.policy(), [INCUMBENT.policy()], setup)
    assert got == training.Strength.of(remeasure(player, settings.remeasure_pairs))
    assert got.config_hash == CANDIDATES[0].ident and got.games == 8
