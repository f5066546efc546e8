"""select: the verdicts of an iteration -> at most one winner, and the candidate to log."""

from __future__ import annotations

from taskkit import verdict

from tasks.select import select


def test_no_accepted_candidate_no_winner_the_largest_llr_shown() -> None:
    verdicts = [verdict("reject", -3.0), verdict("inconclusive", 1.5), verdict("reject", -1.0)]
    assert select.fn(verdicts) == (None, 1)


def test_the_accepted_candidate_with_the_largest_llr_wins() -> None:
    verdicts = [verdict("accept", 3.0), verdict("inconclusive", 4.0), verdict("accept", 3.5)]
    assert select.fn(verdicts) == (2, 2)


def test_fixed_n_the_largest_lower_elo_bound_wins() -> None:
    clear = verdict("accept", None, (0, 0, 1, 2, 9))  # no losing pair: the higher interval
    close = verdict("accept", None, (1, 1, 4, 2, 4))
    assert close.result.total.elo().low < clear.result.total.elo().low
    assert select.fn([close, clear]) == (1, 1)
    assert select.fn([verdict("reject", None), verdict("inconclusive", None)])[0] is None
