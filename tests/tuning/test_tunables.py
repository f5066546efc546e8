"""The tuned keys and their vector: structural keys stay fixed unless listed, bool/choice keys
are refused, and vectors become valid configs (ints rounded probabilistically on request)."""

from __future__ import annotations

import numpy as np
import pytest

from snaketrain.snake.space import PARAMS, SPACE, default_config
from snaketrain.tuning.tunables import (
    STRUCTURAL_KEYS,
    TuneSettingsError,
    default_keys,
    int_step,
    select_keys,
    stochastic_round,
    to_config,
    unit_vector,
)


def test_structural_keys_are_every_search_and_hybrid_key() -> None:
    # every key that changes the search's depth, width or budget, or when it searches deeper
    assert set(STRUCTURAL_KEYS) == {p.key for p in SPACE if p.section in ("search", "hybrid")}


def test_default_keys_are_the_numeric_non_structural_ones_in_space_order() -> None:
    keys = default_keys()
    assert keys == tuple(p.key for p in SPACE if p.key in set(keys))
    assert not set(keys) & set(STRUCTURAL_KEYS)
    assert {PARAMS[k].kind for k in keys} == {"float", "int"}
    assert "weights.space" in keys and "food_urgency.low_health" in keys
    assert select_keys(None) == keys


def test_listed_keys_come_back_in_space_order_structural_ints_allowed() -> None:
    assert select_keys(["search.depth", "weights.food", "weights.space"]) == (
        "weights.space",
        "weights.food",
        "search.depth",
    )


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (["hybrid.enabled"], "hybrid.enabled is a bool key; only float and int keys"),
        (["search.reply_model"], "search.reply_model is a choice key"),
        (["weights.spce"], "'weights.spce' is not a parameter; did you mean 'weights.space'?"),
        (["weights.space", "weights.space"], "weights.space is listed twice"),
        ([], "empty; list at least one"),
        ("weights.space", "expected a list of parameter keys"),
    ],
)
def test_bad_key_lists_are_one_line_errors(keys: object, message: str) -> None:
    with pytest.raises(TuneSettingsError, match="^keys: ") as info:
        select_keys(keys)  # type: ignore[arg-type]
    assert message in str(info.value) and "\n" not in str(info.value)


def test_unit_vector_and_nearest_rounding_round_trip_the_base() -> None:
    base = default_config()
    keys = default_keys()
    assert to_config(base, keys, unit_vector(base, keys)) == base
    assert unit_vector(base, ("weights.space", "search.max_nodes")).tolist() == [0.2, 0.5]


def test_to_config_clips_and_rounds_floats_and_ints() -> None:
    base = default_config()
    keys = ("weights.space", "food_urgency.low_health")  # float 0..100, int 0..100
    config = to_config(base, keys, [0.123456789, 0.337])
    assert config["weights.space"] == 12.3457 and config["food_urgency.low_health"] == 34
    clipped = to_config(base, keys, [-0.5, 1.7])
    assert clipped["weights.space"] == 0.0 and clipped["food_urgency.low_health"] == 100
    assert {k for k in base if base[k] != config[k]} <= set(keys)


def test_stochastic_rounding_keeps_the_mean() -> None:
    keys = ("food_urgency.low_health",)  # 0..100: x = 0.333 is 33.3
    draws = np.random.default_rng(7).random((4000, 1))
    values = [to_config(default_config(), keys, [0.333], u)[keys[0]] for u in draws]
    assert set(values) == {33, 34}
    assert np.mean(values) == pytest.approx(33.3, abs=0.03)  # 4,000 draws: sd 0.007
    assert stochastic_round(3.3, 0.69) == 3 and stochastic_round(3.3, 0.71) == 4
    assert stochastic_round(5.0, 0.999) == 5


def test_int_step_is_one_integer_in_normalised_units() -> None:
    assert int_step("food_urgency.low_health") == pytest.approx(0.01)
    assert int_step("hybrid.lookahead_depth") == pytest.approx(1 / 3)
    assert int_step("search.max_nodes") == pytest.approx(np.log(17 / 16) / np.log(4096))
