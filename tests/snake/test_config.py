"""A validated Config: the errors a user reads, the value itself, hashes, diffs and vectors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from snaketrain.snake.config import (
    MAX_LINES,
    Config,
    ConfigError,
    config_hash,
    default_config,
    diff,
    format_value,
    from_vector,
    parse_config,
    to_vector,
)
from snaketrain.snake.configfile import dump_config, parse_yaml
from snaketrain.snake.params import SECTIONS, SPACE


def nested_default() -> dict[str, dict[str, object]]:
    return default_config().as_nested()


def error_of(mapping: object) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(mapping, source="config.yaml")
    return str(info.value)


# --- errors ---------------------------------------------------------------------------------


def test_wrong_type_names_file_key_value_and_what_is_allowed() -> None:
    config = nested_default()
    config["weights"]["space"] = "abc"
    assert error_of(config) == (
        'config.yaml: weights.space = "abc": expected a float in [0.0, 100.0]'
    )


def test_out_of_bounds_value_is_rejected() -> None:
    config = nested_default()
    config["traps"]["critical"] = 1000.5
    assert "traps.critical = 1000.5: expected a float in [0.0, 1000.0]" in error_of(config)
    config = nested_default()
    config["search"]["depth"] = -1
    assert "search.depth = -1: expected an integer in [0, 3]" in error_of(config)


def test_float_for_an_int_key_is_rejected_with_a_hint_but_int_for_float_is_accepted() -> None:
    config = nested_default()
    config["search"]["depth"] = 2.0
    message = error_of(config)
    assert "search.depth = 2.0: expected an integer in [0, 3]" in message
    assert "write 2 without a decimal point" in message
    config = nested_default()
    config["weights"]["space"] = 7
    loaded = parse_config(config)
    assert loaded["weights.space"] == 7.0 and isinstance(loaded["weights.space"], float)


def test_bool_keys_take_only_true_or_false_and_numbers_take_no_bools() -> None:
    config = nested_default()
    config["hybrid"]["enabled"] = 1
    assert "hybrid.enabled = 1: expected true or false" in error_of(config)
    config = nested_default()
    config["weights"]["food"] = True
    assert "weights.food = true: expected a float" in error_of(config)


def test_choice_lists_the_allowed_values() -> None:
    config = nested_default()
    config["search"]["reply_model"] = "best"
    assert 'search.reply_model = "best": expected one of: worst, average' in error_of(config)


def test_infinity_is_out_of_bounds() -> None:
    config = nested_default()
    config["weights"]["food"] = float("inf")
    assert "weights.food = inf" in error_of(config)


def test_unknown_key_suggests_the_closest_and_lists_the_section() -> None:
    config = nested_default()
    config["weights"]["spcae"] = 1.0
    message = error_of(config)
    assert "config.yaml: weights.spcae: unknown key; did you mean 'space'?" in message
    assert "allowed keys in weights: space, food, head_collision" in message


def test_unknown_section_suggests_the_closest() -> None:
    config = nested_default()
    config["trap"] = {"moderate": 1.0}
    message = error_of(config)
    assert "trap: unknown section; did you mean 'traps'?" in message
    assert "allowed sections: weights, traps" in message


def test_missing_key_and_missing_section_are_named() -> None:
    config = nested_default()
    del config["pursuit"]["distance_3"]
    message = error_of(config)
    assert message == (
        "config.yaml: pursuit.distance_3: missing; expected a float in [0.0, 50.0] (default 3.0)"
    )
    config = nested_default()
    del config["search"]
    message = error_of(config)
    assert message == (
        "config.yaml: search: missing section; expected the keys depth, max_nodes, reply_model"
    )


def test_a_section_that_is_not_a_mapping_is_reported_once() -> None:
    config = nested_default()
    config["late_game"] = 3
    assert error_of(config) == (
        "config.yaml: late_game = 3: expected a mapping of the keys turn_threshold, "
        "caution_multiplier"
    )


def test_every_problem_is_reported_at_once() -> None:
    config = nested_default()
    config["weights"]["space"] = "abc"
    config["search"]["depth"] = 9
    del config["traps"]["severe"]
    with pytest.raises(ConfigError) as info:
        parse_config(config, source="config.yaml")
    assert [key for key, _ in info.value.problems] == [
        "weights.space",
        "traps.severe",
        "search.depth",
    ]
    assert all(line.startswith("config.yaml: ") for line in str(info.value).splitlines())


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_not_a_mapping_is_named() -> None:
    assert error_of(None) == (
        "config.yaml: empty config; expected the sections " + ", ".join(SECTIONS)
    )
    assert error_of([1, 2]).endswith("got [1, 2]")


# --- what an error message repeats of the input: never all of a huge one ---------------------


def one_line(message: str) -> str:
    assert "\n" not in message
    assert len(message) < 400
    return message


def test_a_huge_string_value_is_clipped_with_its_length() -> None:
    config = nested_default()
    config["weights"]["space"] = "x" * 50_000_000
    message = one_line(error_of(config))
    assert message.startswith('config.yaml: weights.space = "' + "x" * 60 + '..." ')
    assert "(50,000,000 characters): expected a float in [0.0, 100.0]" in message


def test_a_huge_key_or_section_name_is_clipped() -> None:
    config = nested_default()
    config["weights"]["k" * 10_000_000] = 1.0
    message = one_line(error_of(config))
    assert f"weights.{'k' * 60}... (10,000,000 characters): unknown key; allowed keys" in message
    config = nested_default()
    config["s" * 10_000_000] = {}
    assert "(10,000,000 characters): unknown section; allowed" in one_line(error_of(config))
    with pytest.raises(ConfigError, match=r"\(1,000,000 characters\): unknown key"):
        default_config().replace({"q" * 1_000_000: 1.0})


def test_huge_and_nested_values_are_shown_short() -> None:
    config = nested_default()
    config["weights"]["space"] = 10**5000  # repr() refuses ints this long
    message = one_line(error_of(config))
    assert "weights.space = an integer of about 5,001 digits: expected" in message
    config = nested_default()
    config["weights"]["space"] = list(range(1_000_000))
    assert "weights.space = [0, 1, 2, 3, ...]: expected a float" in one_line(error_of(config))
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    config = nested_default()
    config["weights"]["space"] = deep
    assert "weights.space = [[[...]]]: expected" in one_line(error_of(config))


def test_shared_structure_is_shown_short() -> None:
    """What an alias bomb builds: 9 levels of 9 references, 9**9 leaves if walked in full."""
    value: object = "lol"
    for _ in range(9):
        value = [value] * 9
    config = nested_default()
    config["weights"]["space"] = value
    assert "weights.space = [[[...], [...], [...], [...], ...], " in one_line(error_of(config))


def test_many_problems_are_listed_up_to_a_limit_then_counted() -> None:
    config: dict[str, object] = {f"section_{i}": {} for i in range(1000)}
    with pytest.raises(ConfigError) as info:
        parse_config(config, source="config.yaml")
    lines = str(info.value).splitlines()
    assert len(info.value.problems) == 1000 + len(SECTIONS)
    assert len(lines) == MAX_LINES + 1
    assert lines[-1] == f"config.yaml: ... and {1000 + len(SECTIONS) - MAX_LINES} more problems"


# --- format_value ---------------------------------------------------------------------------


def test_format_value_writes_values_as_config_yaml_does() -> None:
    assert format_value(True) == "true" and format_value(False) == "false"
    assert format_value(np.bool_(True)) == "true" and format_value(np.bool_(False)) == "false"
    assert format_value(12.5) == "12.5" and format_value(20.0) == "20.0"
    assert format_value(0.00001) == "0.00001" and format_value(np.float64(1.25)) == "1.25"
    assert format_value(1024) == "1024" and format_value("worst") == "worst"


def test_format_value_reads_back_as_the_same_value() -> None:
    rng = np.random.default_rng(5)
    for config in [default_config()] + [from_vector(rng.random(len(SPACE))) for _ in range(20)]:
        assert parse_yaml(dump_config(config)) == config
        for p in SPACE:
            assert format_value(config[p.key]) in dump_config(config)


# --- Config ---------------------------------------------------------------------------------


def test_config_is_an_immutable_mapping() -> None:
    config = default_config()
    assert config.get("weights.space") == 20.0
    assert list(config) == [p.key for p in SPACE]
    with pytest.raises(AttributeError):
        config.x = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        config["weights.space"] = 1.0  # type: ignore[index]
    with pytest.raises(KeyError, match="did you mean 'weights.space'"):
        config["weights.spac"]
    assert hash(config) == hash(Config(config.to_dict()))
    assert pickle.loads(pickle.dumps(config)) == config


def test_replace_validates_and_diff_lists_changes() -> None:
    base = default_config()
    changed = base.replace(**{"weights.space": 1.0, "search.reply_model": "average"})
    assert changed["weights.space"] == 1.0 and base["weights.space"] == 20.0
    assert diff(base, changed) == [
        ("weights.space", 20.0, 1.0),
        ("search.reply_model", "worst", "average"),
    ]
    assert diff(base, base) == []
    with pytest.raises(ConfigError, match=r"weights.space = -1.0: expected a float"):
        base.replace({"weights.space": -1.0})
    with pytest.raises(ConfigError, match="weights.spac: unknown key; did you mean"):
        base.replace({"weights.spac": 1.0})


def test_as_nested_is_the_section_layout() -> None:
    nested = default_config().as_nested()
    assert list(nested) == list(SECTIONS)
    assert nested["search"] == {"depth": 1, "max_nodes": 1024, "reply_model": "worst"}
    assert parse_config(nested) == default_config()


def test_config_hash_is_stable_and_content_addressed() -> None:
    a = default_config()
    assert config_hash(a) == config_hash(parse_yaml(dump_config(a)))
    assert len(config_hash(a)) == 64
    assert config_hash(a) != config_hash(a.replace(**{"weights.food": 12.5}))
    assert config_hash(a.replace(**{"weights.food": 12})) == config_hash(a)
    assert config_hash(a.replace(**{"weights.space": 0.0})) == config_hash(
        a.replace(**{"weights.space": -0.0})
    )


# --- vectors --------------------------------------------------------------------------------


def test_default_round_trips_through_the_vector() -> None:
    vec = to_vector(default_config())
    assert vec.shape == (len(SPACE),) and vec.dtype == np.float64
    assert ((vec >= 0) & (vec <= 1)).all()
    assert from_vector(vec) == default_config()


def test_random_valid_configs_round_trip_through_the_vector() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        config = from_vector(rng.random(len(SPACE)))
        assert from_vector(to_vector(config)) == config


def test_hand_written_values_round_trip() -> None:
    config = default_config().replace(
        {
            "weights.space": 33.3333,
            "traps.food_trap_threshold": 0.5,
            "search.max_nodes": 65536,
            "search.depth": 3,
            "hybrid.enabled": False,
            "search.reply_model": "average",
        }
    )
    assert from_vector(to_vector(config)) == config


def test_any_vector_gives_a_valid_config() -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        vec = rng.normal(0.5, 1.0, len(SPACE))  # well outside [0, 1] too
        config = from_vector(vec)
        assert Config(config.to_dict()) == config
        assert ((to_vector(config) >= 0) & (to_vector(config) <= 1)).all()


def test_vector_encoding_of_each_kind() -> None:
    vec = to_vector(default_config())
    index = {p.key: i for i, p in enumerate(SPACE)}
    assert vec[index["hybrid.enabled"]] == 1.0
    assert vec[index["search.reply_model"]] == 0.0
    assert vec[index["weights.space"]] == pytest.approx(0.2)
    assert vec[index["search.max_nodes"]] == pytest.approx(6 / 12)  # 2**10 on 2**4 .. 2**16
    low = from_vector(np.zeros(len(SPACE)))
    high = from_vector(np.ones(len(SPACE)))
    assert low["search.reply_model"] == "worst" and high["search.reply_model"] == "average"
    assert low["hybrid.enabled"] is False and high["hybrid.enabled"] is True
    assert low["search.max_nodes"] == 16 and high["search.max_nodes"] == 65536


def test_from_vector_rejects_wrong_shape_and_nan() -> None:
    with pytest.raises(ValueError, match="shape"):
        from_vector(np.zeros(3))
    vec = to_vector(default_config())
    vec[2] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        from_vector(vec)
