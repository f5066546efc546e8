"""The change history: normalised steps, the file, the repeat rule, the lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from learnkit import BEST, moved, rejected
from taskkit import verdict, write_log

from snaketrain.learn.advisors import advisor_rows
from snaketrain.learn.history import (
    ATTEMPTS_NAME,
    SKIPPED,
    Attempt,
    AttemptFile,
    ChangeHistory,
    attempts_of,
    history_lines,
    steps_of,
    unblocked,
)
from snaketrain.snake.space import PARAMS


def test_steps_are_normalised_units_of_each_range() -> None:
    p = PARAMS["weights.space"]
    old, new = BEST["weights.space"], p.from_unit(p.to_unit(BEST["weights.space"]) + 0.08)
    [(key, step)] = steps_of([("weights.space", old, new)])
    assert key == "weights.space" and step == np.float64(0.08).round(6)
    assert steps_of([{"key": "no.such", "old": 1, "new": 2}]) == ()  # an older log's key
    assert dict(steps_of([("hybrid.enabled", True, False)])) == {"hybrid.enabled": -1.0}


def test_a_repeated_failure_is_blocked() -> None:
    tried = moved(weights__space=0.08, traps__critical=-0.1)
    history = ChangeHistory((rejected(10, tried),), window=20, tolerance=0.05)
    same = moved(weights__space=0.1, traps__critical=-0.12)  # same keys, directions, close
    reason = history.blocks(same, 12)
    assert reason is not None and "rejected in iteration 10" in reason
    assert "weights.space +0.08" in reason and "rejected -12 Elo ±20, 600 games" in reason
    # not a repeat: another direction, another key set, a bigger step, outside the window
    assert history.blocks(moved(weights__space=0.08, traps__critical=0.1), 12) is None
    assert history.blocks(moved(weights__space=0.08), 12) is None
    assert history.blocks(moved(weights__space=0.2, traps__critical=-0.1), 12) is None
    assert history.blocks(same, 31) is None
    assert history.blocks(same, 10) is None  # only earlier iterations count
    for kept in ("accept", "inconclusive", SKIPPED):  # only a rejection blocks
        assert ChangeHistory((rejected(10, tried, kept),)).blocks(same, 12) is None


def test_a_blocked_proposal_is_drawn_again_or_kept_when_nothing_else_turns_up() -> None:
    bad, fresh = moved(weights__space=0.08), moved(weights__food=0.08)
    history = ChangeHistory((rejected(3, bad),))
    kept, skipped = unblocked([bad], lambda n: [bad, fresh], history, 4)
    assert skipped == [bad] and [p.config for p in kept] == [fresh.config]
    assert "drawn again: the first draw repeats the change rejected in iteration 3" in (
        kept[0].reason
    )
    kept, skipped = unblocked([bad], lambda n: [bad], history, 4, tries=3)
    assert [p.config for p in kept] == [bad.config] and "kept, no alternative" in kept[0].reason


def test_the_file_is_read_incrementally_written_once_per_iteration_and_survives_a_torn_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / ATTEMPTS_NAME
    proposals = [moved(weights__space=0.08), moved(weights__food=-0.1)]
    first = attempts_of(1, proposals, [verdict("reject", -3.0), verdict("accept", 3.0)])
    f = AttemptFile(path)
    assert f.read() == [] and f.append(first)
    assert f.read() == first and not f.append(first)  # the re-run of a crashed iteration
    assert AttemptFile(path).read() == first  # a fresh reader sees the same
    assert first[0].x and first[1].accepted and first[0].games == 16
    with path.open("ab") as out:
        out.write(b'{"iteration": 2, "adv')  # a crash mid-line
    assert f.read() == first
    second = attempts_of(2, proposals[:1], [verdict("reject", -3.0)])
    assert f.append(second)
    assert AttemptFile(path).read() == first + second


def test_lines_and_the_summary(tmp_path: Path) -> None:
    space = moved(weights__space=0.08)
    attempts = [
        rejected(1, space),
        rejected(2, moved(weights__space=-0.08)),
        Attempt(3, "nn", "", steps_of(moved(weights__space=0.05).changes), "accept", 15, 5, 25, 80),
        Attempt(3, "nn", "", steps_of(space.changes), SKIPPED),
    ]
    lines = ChangeHistory(tuple(attempts)).lines(4)
    assert lines[0] == "iteration 3: weights.space +0.05 (nn): accepted +15 Elo ±10, 80 games"
    assert lines[-1] == "recently tried: weights.space 3x, 1 accepted (+15 Elo)"
    assert ChangeHistory(tuple(attempts[:2])).lines(4)[-1] == (
        "recently tried: weights.space 2x, no gain"
    )
    rows = advisor_rows(attempts)
    assert rows == [
        {"advisor": "spsa", "tried": 2, "accepted": 0, "skipped": 0, "elo": 0.0},
        {"advisor": "nn", "tried": 1, "accepted": 1, "skipped": 1, "elo": 15.0},
    ]


def test_history_lines_from_a_results_folder_fill_in_from_the_log(tmp_path: Path) -> None:
    assert history_lines(tmp_path) == []
    write_log(tmp_path, [False, False])  # two logged iterations, no attempts.jsonl
    lines = history_lines(tmp_path)
    assert lines[0].startswith("iteration 2: ") and "rejected" in lines[0]
    assert lines[-1].startswith("recently tried: ") and "no gain" in lines[-1]
