"""The LLM's prompt: the best config's tunable keys with bounds and meaning, the trend, the
recent changes with their outcomes, the patterns and the causes of losses, each bounded."""

from __future__ import annotations

import math
from dataclasses import replace

from snaketrain.learn import llm_prompt as prompt
from snaketrain.snake.space import PARAMS, default_config
from snaketrain.trainlog import LogEntry
from snaketrain.tuning.tunables import STRUCTURAL_KEYS

BEST = default_config()


def entry(i: int, accepted: bool, best: float, improvement: float = 0.0) -> LogEntry:
    return LogEntry(
        iteration=i,
        timestamp="2026-12-01T00:00:00Z",
        changes=[
            {"key": "weights.space", "old": 20.0, "new": 24.0},
            {"key": "traps.critical", "old": 250.0, "new": 200.0},
        ],  # fmt: skip
        win_rate=0.55,
        best_win_rate=best,
        improvement=improvement,
        games=96,
        elo=35.2 if accepted else -4.6,
        elo_ci=[10.0, 60.0] if accepted else [-20.4, 11.0],
        llr=3.0,
        accepted=accepted,
        advisor="spsa",
        duration_s=1.0,
        config_hash="x",
        verdict="accept" if accepted else "reject",
    )


def test_the_config_lines_are_the_tunable_keys_with_value_bounds_and_meaning() -> None:
    lines = prompt.config_lines(BEST)
    keys = [line.split(" = ")[0] for line in lines]
    assert not set(keys) & set(STRUCTURAL_KEYS)
    assert all(PARAMS[k].kind in ("float", "int") for k in keys) and len(keys) == 28
    space = lines[keys.index("weights.space")]
    assert space == f"weights.space = 20.0 (float 0.0..100.0): {PARAMS['weights.space'].meaning}"
    assert lines[keys.index("late_game.turn_threshold")].startswith(
        "late_game.turn_threshold = 150 (int 0..1000): "
    )


def test_history_lines_give_direction_verdict_elo_and_games_newest_first() -> None:
    lines = prompt.history_lines([entry(1, False, 0.5), entry(2, True, 0.6, 0.1)])
    assert lines == [
        "iteration 2 (spsa): weights.space 20.0->24.0 (up), traps.critical 250.0->200.0 "
        "(down): accept, Elo +35 [+10, +60], 96 games",
        "iteration 1 (spsa): weights.space 20.0->24.0 (up), traps.critical 250.0->200.0 "
        "(down): reject, Elo -5 [-20, +11], 96 games",
    ]
    nan = replace(entry(3, False, 0.5), elo=math.nan, elo_ci=[math.nan, math.nan], changes=[])
    assert prompt.history_lines([nan]) == ["iteration 3 (spsa): no change: reject, Elo ?, 96 games"]
    assert len(prompt.history_lines([entry(i, False, 0.5) for i in range(30)], n=8)) == 8


def test_trend_and_causes_in_one_line_each() -> None:
    history = [entry(1, False, 0.5), entry(2, True, 0.6, 0.1), entry(3, False, 0.6)]
    assert prompt.trend_line(history) == (
        "Best config's win rate against the reference opponents: 50.0% 3 iterations ago, "
        "60.0% now; 1 of the last 3 changes were accepted."
    )
    assert prompt.trend_line([]).startswith("No iterations yet")
    causes = {"survived": 5, "wall-collision": 2, "head-collision": 3}
    assert prompt.causes_line(causes) == (
        "In its last 10 measured games it was eliminated by: head-collision 3, wall-collision 2."
    )
    assert prompt.causes_line({"survived": 4}) == "It survived all 4 measured games."
    assert prompt.causes_line({}) == "No games measured yet."


def test_the_prompt_holds_every_part_and_stays_bounded() -> None:
    text = prompt.build_prompt(
        BEST, "rising", ["h" * 500] * 50, ["weights.space ~30 in wins"], {"survived": 1}
    )
    assert "Strength trend: rising" in text and "- weights.space ~30 in wins" in text
    assert "It survived all 1 measured games." in text and "JSON list" in text
    assert "- " + "h" * 197 + "..." in text and text.count("- hhh") == prompt.MAX_LINES
    assert "Patterns in winning configs:\n- weights.space" in text
    assert "Recent changes and outcomes:\n- none yet" in prompt.build_prompt(BEST, "", [], [], {})
