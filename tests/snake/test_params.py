"""The declared space: every key once, valid defaults, one-line meanings, unit mapping."""

from __future__ import annotations

import pytest

from snaketrain.snake.params import PARAMS, SECTIONS, SPACE, Param


def test_space_has_at_least_30_keys_in_the_known_sections() -> None:
    assert len(SPACE) >= 30
    assert SECTIONS == (
        "weights",
        "traps",
        "pursuit",
        "food_urgency",
        "trapping",
        "late_game",
        "hybrid",
        "search",
    )
    assert {"weights.space", "traps.food_trap_threshold", "pursuit.distance_5"} <= set(PARAMS)
    assert {p.kind for p in SPACE} == {"float", "int", "bool", "choice"}


def test_every_default_is_within_its_bounds_and_every_meaning_is_one_line() -> None:
    for p in SPACE:
        assert p.check(p.default) == p.default, p.key
        if p.kind in ("float", "int"):
            assert p.low <= p.default <= p.high, p.key
        assert p.meaning and "\n" not in p.meaning, p.key


def test_param_rejects_a_default_out_of_bounds() -> None:
    with pytest.raises(ValueError, match="default"):
        Param("weights", "x", "float", 5.0, "m", low=0.0, high=1.0)
    with pytest.raises(ValueError, match="log scale"):
        Param("search", "n", "int", 5, "m", low=0, high=10, log=True)


def test_param_rejects_bad_names_meanings_and_choices() -> None:
    with pytest.raises(ValueError, match="section and name"):
        Param("Weights", "x", "float", 0.5, "m", low=0.0, high=1.0)
    with pytest.raises(ValueError, match="one non-empty line"):
        Param("weights", "x", "float", 0.5, "two\nlines", low=0.0, high=1.0)
    with pytest.raises(ValueError, match="distinct choices"):
        Param("search", "m", "choice", "a", "m", choices=("a", "a"))
    with pytest.raises(ValueError, match="plain names"):
        Param("search", "m", "choice", "true", "m", choices=("true", "b"))


def test_allowed_and_spec_say_what_each_kind_takes() -> None:
    assert PARAMS["weights.space"].allowed() == "a float in [0.0, 100.0]"
    assert PARAMS["weights.space"].spec() == "float [0.0, 100.0]"
    assert PARAMS["search.max_nodes"].spec() == "int [16, 65536], log scale"
    assert PARAMS["hybrid.enabled"].allowed() == "true or false"
    assert PARAMS["hybrid.enabled"].spec() == "bool"
    assert PARAMS["search.reply_model"].allowed() == "one of: worst, average"
    assert PARAMS["search.reply_model"].spec() == "choice: worst, average"


def test_check_gives_the_canonical_value_or_none() -> None:
    space, depth = PARAMS["weights.space"], PARAMS["search.depth"]
    assert space.check(7) == 7.0 and isinstance(space.check(7), float)
    assert space.check(-0.0) == 0.0 and str(space.check(-0.0)) == "0.0"
    assert space.check(True) is None and space.check("1") is None
    assert space.check(float("nan")) is None and space.check(10**400) is None
    assert depth.check(2.0) is None and depth.check(4) is None and depth.check(3) == 3


def test_unit_mapping_round_trips_and_clips() -> None:
    for p in SPACE:
        assert p.from_unit(p.to_unit(p.default)) == p.default, p.key
        assert p.check(p.from_unit(-3.0)) is not None and p.check(p.from_unit(7.0)) is not None
