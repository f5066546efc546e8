"""The ``snaketrain`` command line: ``play`` prints the result and writes replays, ``bench``
prints the verdict on a match; mistakes on the command line are one line on stderr and exit
code 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from snaketrain.arena.pairs import MatchSetup, play_pairs
from snaketrain.arena.result import Verdict
from snaketrain.cli import COMMANDS, main
from snaketrain.rules.game import play_game
from snaketrain.rules.replay import read_replay
from snaketrain.snake.random_safe import random_safe
from snaketrain.snake.registry import batched_policy


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_play_prints_the_winner_turns_and_each_snakes_fate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["play", "--seed", "1", "--snakes", "4"], capsys)
    assert code == 0 and err == ""
    # The same game, played directly.
    record = play_game([random_safe] * 4, size=11, seed=1, names=["random-safe"] * 4)
    lines = out.splitlines()
    assert lines[0] == "game: 11x11, 4 snakes, seed 1"
    assert record.winner is not None
    assert lines[1] == f"winner: {record.winner} (random-safe) after {record.final.turn} turns"
    for s, line in zip(record.final.snakes, lines[2:], strict=True):
        assert line.startswith(f"  {s.id} (random-safe): ")
        if s.alive:
            assert "alive" in line
        else:
            assert f"{s.eliminated_cause}" in line and f"on turn {s.eliminated_turn}" in line
            assert f"by {s.eliminated_by}" in line or not s.eliminated_by


def test_play_is_deterministic_for_a_seed(capsys: pytest.CaptureFixture[str]) -> None:
    first = run(["play", "--seed", "8", "--size", "7"], capsys)
    second = run(["play", "--seed", "8", "--size", "7"], capsys)
    assert first == second
    assert first[1].startswith("game: 7x7, 2 snakes, seed 8\n")


def test_play_without_a_seed_prints_the_one_it_drew(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["play", "--max-turns", "2"], capsys)
    assert code == 0
    seed = int(re.match(r"game: 11x11, 2 snakes, seed (\d+)\n", out).group(1))
    assert run(["play", "--max-turns", "2", "--seed", str(seed)], capsys)[1] == out


def test_a_turn_limit_is_a_draw(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["play", "--seed", "2", "--max-turns", "5"], capsys)
    assert code == 0
    assert out.splitlines()[1] == "draw after 5 turns (turn limit)"
    assert out.count("alive") == 2


def test_a_solo_game_reports_game_over(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["play", "--seed", "2", "--snakes", "1", "--size", "7"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert re.fullmatch(r"game over after \d+ turns", lines[1])
    assert re.fullmatch(r"  snake-0 \(random-safe\): [a-z-]+( by snake-0)? on turn \d+", lines[2])


def test_play_writes_a_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "game.jsonl"
    code, out, _ = run(["play", "--seed", "3", "--snakes", "3", "--replay", str(path)], capsys)
    assert code == 0
    replay = read_replay(path)
    n_lines = len(path.read_text().splitlines())
    assert out.splitlines()[-1] == f"replay: {path} ({n_lines} lines)"
    assert f"after {replay.final.turn} turns" in out
    assert n_lines == len(replay.boards) + 2


def test_an_unwritable_replay_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "missing-dir" / "game.jsonl"
    code, _, err = run(["play", "--seed", "3", "--max-turns", "2", "--replay", str(bad)], capsys)
    assert code == 1
    assert err.count("\n") == 1 and "cannot write the replay" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["play", "--size", "9"], r"--size: board size must be one of 7, 11, 19, got '9'"),
        (["play", "--size", "big"], r"--size: board size must be one of 7, 11, 19"),
        (["play", "--snakes", "0"], r"--snakes: number of snakes must be 1\.\.8, got '0'"),
        (["play", "--snakes", "9"], r"--snakes: number of snakes must be 1\.\.8, got '9'"),
        (["play", "--opponent", "nope"], r"unknown snake 'nope'; built-in snakes: random-safe"),
        (["play", "--max-turns", "0"], r"--max-turns: max turns must be an integer >= 1"),
        (["play", "--seed", "-4"], r"--seed: seed must be an integer >= 0"),
        (
            ["play", "--snakes", "1", "--opponent", "random-safe", "random-safe"],
            r"2 snake names for 1 snake; give at most one name per snake",
        ),
        (["play", "--colour", "red"], r"unrecognized arguments: --colour red"),
        (["fly"], r"invalid choice: 'fly'"),
        ([], r"choose a command: play"),
    ],
)
def test_bad_command_lines_are_one_clear_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert re.match(r"snaketrain( play)?: error: ", err)
    assert re.search(message, err)
    assert "Traceback" not in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["play", "--help"], capsys)
    assert code == 0
    assert "--opponent" in out and "--replay" in out


def test_every_command_is_registered_with_help_and_a_runner() -> None:
    assert "play" in COMMANDS
    for command in COMMANDS.values():
        assert command.help and callable(command.add_arguments) and callable(command.run)


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "snaketrain", "play", "--size", "9"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "snaketrain play: error: argument --size: board size must be one of 7, 11, 19, got '9'"
    ]


# ---- the bench command ----------------------------------------------------------------------


def bench(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["bench", *argv])
    out, err = capsys.readouterr()
    return code, out, err


FAST = ["--size", "7", "--seed", "5", "--max-turns", "200"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--vs", "random-safe", "--games", "4", "--sprt", "0,10"], "not allowed with"),
        (["--vs", "random-safe", "--sprt", "10,0"], "ELO0 < ELO1"),
        (["--vs", "random-safe", "--sprt", "0"], "ELO0,ELO1"),
        (["--vs", "no-such-snake", "--games", "4"], "unknown snake 'no-such-snake'"),
        (["--vs", "missing.yaml", "--games", "4"], "no config file 'missing.yaml'"),
        (["--vs", "http://127.0.0.1:9", "--games", "4"], "`snaketrain train --opponents` only"),
        (["--vs", "random-safe", "--games", "5"], "even"),
        (["--vs", "random-safe", "--games", "4", "--players", "3"], "invalid choice"),
        (["--games", "4"], "--vs"),
    ],
)
def test_bench_refuses_bad_flags_in_one_line_with_exit_2(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = bench(["--config", "random-safe", *argv, *FAST], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_bench_refuses_cuda_without_a_cuda_device(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = bench(
        ["--config", "random-safe", "--vs", "random-safe", "--games", "4", "--device", "cuda"],
        capsys,
    )
    assert code == 2 and "CUDA" in err and len(err.strip().splitlines()) == 1


def test_bench_json_is_the_verdict_on_the_match_it_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--config", "random-safe", "--vs", "greedy-food", "--games", "8", "--json", *FAST]
    code, out, _ = bench(argv, capsys)
    assert code == 0
    verdict = Verdict.from_json(out)
    assert verdict.mode == "fixed" and verdict.result.games == 8
    setup = MatchSetup(size=7, master_seed=5, max_turns=200)
    policies = [batched_policy("random-safe"), batched_policy("greedy-food")]
    direct = play_pairs(
        policies[0], policies[1:], setup, range(4), names=["random-safe", "greedy-food"]
    )
    assert verdict.result == direct


def test_bench_prints_a_gauntlet_table_and_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--config", "random-safe", "--vs", "random-safe", "--vs", "greedy-food"]
    code, out, _ = bench([*argv, "--sprt", "0,200", "--players", "4", *FAST], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("bench: random-safe vs random-safe, greedy-food; 4 snakes, 7x7")
    assert [line.split()[0] for line in lines[2:5]] == ["random-safe", "greedy-food", "total"]
    assert lines[-1].split()[0] in ("ACCEPT", "REJECT", "INCONCLUSIVE")
    assert "LLR: " in lines[-1] and "[0, 200]" in lines[-1]


def test_bench_shards_in_processes_merge_to_the_single_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--config", "random-safe", "--vs", "greedy-food", "--games", "12", "--json", *FAST]
    _, single, _ = bench(argv, capsys)
    code, sharded, _ = bench([*argv, "--shards", "2"], capsys)
    assert code == 0 and sharded == single
