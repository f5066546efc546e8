"""The NN's slot: cheap proposals screened by the surrogate, the history obeyed, slots shared."""

from __future__ import annotations

import numpy as np
from learnkit import BEST, PLANTED, moved, rejected, synthetic

from snaketrain.learn import mixing, surrogate
from snaketrain.learn.history import Attempt, ChangeHistory, steps_of
from snaketrain.tuning.advisor import Proposal


def planted_model() -> surrogate.Surrogate:
    X, y, w = surrogate.dataset(synthetic(200, seed=1))
    return surrogate.train(X, y, w, seed=3)


def test_cheap_proposals_are_distinct_changes_of_the_best() -> None:
    pool = mixing.cheap_proposals(BEST, np.random.default_rng(0), 40)
    assert len({p.config for p in pool}) == len(pool) >= 35
    assert all(p.config != BEST and p.advisor == "nn" for p in pool)
    assert any("spsa-style" in p.reason for p in pool)
    assert any(p.reason.startswith("random") for p in pool)


def test_the_screen_picks_what_the_surrogate_predicts_best() -> None:
    model = planted_model()
    history = ChangeHistory(())
    pick = mixing.screen(BEST, model, history, 5, np.random.default_rng(1), n=64)
    assert pick is not None and pick.advisor == "nn" and pick.reason.startswith("nn: predicted")
    pool = mixing.cheap_proposals(BEST, np.random.default_rng(1), 64)
    X = np.stack(
        [surrogate.features(mixing.unit_vector(p.config), steps_of(p.changes)) for p in pool]
    )
    mean, spread = model.predict(X)
    assert pick.config == pool[int(np.argmax(mean + mixing.KAPPA * spread))].config


def effect(p: Proposal) -> float:
    """The planted Elo of a proposal (``test_surrogate.PLANTED``, 300 Elo per unit step)."""
    return 300 * sum(PLANTED.get(k, 0.0) * s for k, s in steps_of(p.changes))


def test_trained_on_its_own_kind_of_proposals_the_screen_finds_a_planted_gain() -> None:
    rng = np.random.default_rng(5)
    seen = mixing.cheap_proposals(BEST, rng, 300)
    attempts = []
    for i, p in enumerate(seen):
        elo = effect(p) + rng.normal(0, 5)
        x = mixing.unit_vector(p.config)
        attempts.append(
            Attempt(i, "nn", "", steps_of(p.changes), "reject", elo, elo - 20, elo + 20, 100, x)
        )
    X, y, w = surrogate.dataset(attempts)
    model = surrogate.train(X, y, w, seed=1)
    pool = mixing.cheap_proposals(BEST, np.random.default_rng(6), 128)
    pick = mixing.screen(BEST, model, ChangeHistory(()), 5, np.random.default_rng(6), n=128)
    assert pick is not None
    assert effect(pick) > np.quantile([effect(p) for p in pool], 0.75) > 0


def test_the_screen_skips_blocked_and_taken_proposals() -> None:
    rng = np.random.default_rng(2)
    pool = mixing.cheap_proposals(BEST, np.random.default_rng(2), 6)
    history = ChangeHistory(tuple(rejected(4, p) for p in pool[:3]))
    pick = mixing.screen(BEST, None, history, 5, rng, exclude=[pool[3].config], n=6)
    assert pick is not None and pick.config == pool[4].config
    assert "nothing to screen yet" in pick.reason  # no model: the pool's first draw
    everything = ChangeHistory(tuple(rejected(4, p) for p in pool))
    assert mixing.screen(BEST, None, everything, 5, np.random.default_rng(2), n=6) is None


def test_slots_are_shared() -> None:
    main = [moved(weights__space=0.1), moved(weights__food=0.1), moved(traps__critical=0.1)]
    nn = Proposal.between(BEST, moved(weights__territory=0.1).config, "nn", "screened")
    assert mixing.share_slots(main, nn, 3, 7) == [main[0], main[1], nn]  # k - 1 for the main
    assert mixing.share_slots(main[:1], nn, 3, 7) == [main[0], nn]  # SPSA's one tuned config
    assert mixing.share_slots(main[:1], nn, 1, 8) == [nn]  # k = 1: even iterations
    assert mixing.share_slots(main[:1], nn, 1, 9) == main[:1]  # odd: the main advisor's
    assert mixing.share_slots(main[:1], None, 1, 8) == main[:1]
