"""perturb: proposals -> the iteration's candidates, each checked against the best.

(Named ``_task`` beside ``tests/tuning/test_perturb.py``: test module names are unique.)"""

from __future__ import annotations

import pytest
from taskkit import quick_config, weak_config

from snaketrain.snake.space import Config, default_config, diff
from snaketrain.tuning.advisor import Proposal
from tasks.perturb import perturb


def key(best: Config, proposals: list[Proposal]) -> str:
    return perturb.cache_key_fn(None, {"best": best, "proposals": proposals})  # type: ignore[misc]


def test_changes_are_recomputed_from_the_configs() -> None:
    best = default_config()
    wrong = Proposal(weak_config(), (("weights.food", 1.0, 2.0),), "random", "moved food")
    [checked] = perturb.fn(best, [wrong])
    assert checked.config == weak_config()
    assert list(checked.changes) == diff(best, weak_config())
    assert (checked.advisor, checked.reason) == ("random", "moved food")


def test_a_proposal_that_changes_nothing_is_an_error() -> None:
    best = default_config()
    proposals = [
        Proposal.between(best, weak_config(), "random", "weak"),
        Proposal.between(best, best, "random", "no move"),
    ]
    with pytest.raises(ValueError, match=r"proposal 1 \(no move\) does not change the config"):
        perturb.fn(best, proposals)


def test_key_names_the_best_and_the_candidates() -> None:
    best = default_config()
    ps = [Proposal.between(best, weak_config(), "random", "a")]
    first = key(best, ps)
    assert key(default_config(), [Proposal.between(best, weak_config(), "random", "a")]) == first
    assert key(best, [Proposal.between(best, quick_config(), "random", "a")]) != first
    assert key(best, [Proposal.between(best, weak_config(), "spsa", "a")]) != first
    assert key(quick_config(), ps) != first
    assert key(best, ps * 2) != first
