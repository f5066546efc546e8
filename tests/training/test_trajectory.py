"""θ over a tuning run: the trajectory of a tuner state, the keys that moved most, the text."""

from __future__ import annotations

import pytest
from tunekit import spsa_run

from snaketrain.snake.space import default_config
from snaketrain.training.trajectory import (
    Trajectory,
    most_moved,
    moves,
    theta_markdown,
    trajectory,
    tuner_line,
)
from snaketrain.training.tune import CMA_PAIRS
from snaketrain.tuning.cma import CmaState, tell_generation
from snaketrain.tuning.tunables import default_keys, unit_vector


def test_an_spsa_trajectory_starts_at_the_base_config_and_has_a_row_per_step() -> None:
    state = spsa_run(3)
    t = trajectory(state)
    assert (t.advisor, t.steps, t.planned, t.pairs) == ("spsa", 3, 10, 12)
    assert t.keys == default_keys() and len(t.keys) == 28
    assert t.theta[0] == tuple(unit_vector(default_config(), t.keys).tolist())
    assert t.theta[1:] == state.history


def test_the_key_that_wins_moves_most_and_is_shown_in_its_own_units() -> None:
    t = trajectory(spsa_run(3))
    first, *rest = moves(t)
    assert first.key == "weights.space" and first.start == pytest.approx(20.0)
    assert first.change > 5.0  # weights.space is 0..100: 5 units are 5% of its range
    assert first.change == pytest.approx(100.0 * first.share)
    assert all(abs(m.share) <= abs(first.share) for m in rest)
    assert [abs(m.share) for m in rest] == sorted((abs(m.share) for m in rest), reverse=True)
    assert [m.key for m in most_moved(t)] == [m.key for m in moves(t)[:5]]


def test_the_tuner_line_names_the_progress_and_the_five_largest_moves() -> None:
    t = trajectory(spsa_run(3))
    line = tuner_line(t)
    assert line.startswith("tuner: spsa, step 3/10, 12 pairs (24 games), 28 keys; moved most: ")
    shown = line.split("moved most: ")[1].split(", ")
    assert len(shown) == 5 and shown[0].startswith("weights.space 20 -> ")
    space = moves(t)[0]
    assert shown[0] == f"weights.space 20 -> {space.now:.4g} ({space.change:+.3g})"
    assert "\n" not in line


def test_a_run_that_has_not_moved_says_so() -> None:
    t = trajectory(spsa_run(0))
    assert t.steps == 0 and most_moved(t) == []
    assert tuner_line(t).endswith("28 keys; nothing moved yet")


def test_the_markdown_table_has_every_key_largest_move_first() -> None:
    t = trajectory(spsa_run(2))
    lines = theta_markdown(t).splitlines()
    assert lines[0] == "# Tuning: spsa"
    assert lines[2].startswith("step 2/10, 8 pairs (16 games); 28 keys")
    assert lines[4] == "| key | start | now | change | share of range |"
    rows = lines[6:]
    assert [r.split(" | ")[0].lstrip("| ") for r in rows] == [m.key for m in moves(t)]
    space = moves(t)[0]
    assert rows[0] == (
        f"| weights.space | 20 | {space.now:.4g} | {space.change:+.3g} | "
        f"{100 * space.share:+.2f}% |"
    )


def test_a_cmaes_trajectory_has_no_planned_end_and_counts_its_pairs() -> None:
    keys = ("weights.space", "weights.food")
    state = CmaState.start(default_config(), keys=keys, seed=1, population_size=4)
    for _ in range(2):
        state = tell_generation(state, [0.1, 0.9, 0.4, 0.5])
    t = trajectory(state)
    assert (t.advisor, t.steps, t.planned, t.pairs) == ("cmaes", 2, None, 8 * CMA_PAIRS)
    assert t.theta[1:] == state.history and t.theta[0] == pytest.approx((0.2, 0.12))
    assert tuner_line(t).startswith(f"tuner: cmaes, step 2 (no planned end), {8 * CMA_PAIRS} pairs")


def test_a_trajectory_needs_a_start_row_of_the_keys_width() -> None:
    with pytest.raises(ValueError, match="start row"):
        Trajectory("spsa", ("weights.space",), (), 10, 0)
    with pytest.raises(ValueError, match="1 coordinates"):
        Trajectory("spsa", ("weights.space",), ((0.1, 0.2),), 10, 0)
