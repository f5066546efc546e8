"""The commit message: the exact title, the evidence, every changed parameter old → new."""

from __future__ import annotations

import pytest
from gitkit import message

from snaketrain.gitops import as_changes, commit_message


def test_the_message_has_the_exact_title_and_the_evidence() -> None:
    lines = message().splitlines()
    assert lines[0] == "Automated training improvement: 52.34% win rate (+1.20%)"
    body = "\n".join(lines[1:])
    for text in ("Iteration: 17", "Total games tested: 6800", "Total improvements: 3",
                 "Timestamp: 2026-11-24T13:00:00Z", "Elo: +12.3 ± 8.1", "LLR: 2.97",
                 "weights.space: 20.0 → 33.0", "hybrid.enabled: true → false"):  # fmt: skip
        assert text in body
    assert message(0.5, 0.5125).splitlines()[0].endswith("(-1.25%)")


def test_changes_are_tuples_and_lists_and_dicts_are_converted_once() -> None:
    canonical = (("weights.space", 20.0, 33.0), ("hybrid.enabled", True, False))
    assert as_changes(canonical) == canonical
    assert as_changes([["weights.space", 20.0, 33.0], ["hybrid.enabled", True, False]]) == canonical
    assert (
        as_changes([{"key": k, "old": old, "new": new} for k, old, new in canonical]) == canonical
    )

    def text(changes: object) -> str:
        return commit_message(1, 0.5, 0.5, 10, 1, "2026-11-24T13:00:00Z", 0.0, [0, 0], 0.0,
                              changes)  # type: ignore[arg-type]  # fmt: skip

    assert text(canonical) == text([list(c) for c in canonical])
    assert text(canonical).endswith(
        "Changed parameters:\n  weights.space: 20.0 → 33.0\n  hybrid.enabled: true → false\n"
    )
    with pytest.raises(ValueError):
        as_changes([("weights.space", 20.0)])  # not a (key, old, new) triple


def test_a_fixed_n_decision_names_its_rule_instead_of_an_llr() -> None:
    def body(llr: float | None, min_elo: float | None) -> str:
        return commit_message(1, 0.55, 0.5, 8, 1, "2026-11-24T13:00:00Z", 40.0, [5.0, 75.0],
                              llr, [("weights.space", 20.0, 33.0)], min_elo=min_elo)  # fmt: skip

    for llr in (None, float("nan")):
        text = body(llr, 10.0)
        assert "LLR" not in text and "nan" not in text
        assert "Test: fixed N games, the whole 95% Elo interval at or above +10" in text
    assert "Test: fixed N games, the whole 95% Elo interval at or above +0\n" in body(None, None)
    assert "LLR: 1.50" in body(1.5, None)
