"""The parameter space: validation errors a user would read, vectors, dumps and the files."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from snaketrain.snake import space
from snaketrain.snake.space import (
    PARAMS,
    SECTIONS,
    SPACE,
    Config,
    ConfigError,
    Param,
    config_hash,
    default_config,
    diff,
    dump_config,
    from_vector,
    load_config,
    parse_config,
    parse_yaml,
    to_vector,
)

ROOT = Path(__file__).resolve().parents[2]


def nested_default() -> dict[str, dict[str, object]]:
    return default_config().as_nested()


def error_of(mapping: object) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(mapping, source="config.yaml")
    return str(info.value)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


# --- the declared space ---------------------------------------------------------------------


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


def test_yes_and_no_are_strings_not_bools_in_yaml(tmp_path: Path) -> None:
    text = dump_config(default_config()).replace("enabled: true", "enabled: yes")
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert 'hybrid.enabled = "yes": expected true or false' in str(info.value)


def test_choice_lists_the_allowed_values() -> None:
    config = nested_default()
    config["search"]["reply_model"] = "best"
    assert 'search.reply_model = "best": expected one of: worst, average' in error_of(config)


def test_nan_and_infinity_are_out_of_bounds(tmp_path: Path) -> None:
    text = dump_config(default_config()).replace("  space: 20.0", "  space: .nan")
    with pytest.raises(ConfigError, match=r"weights.space = nan: expected a float"):
        load_config(write(tmp_path, text))
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


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "weights:\n  space: 1.0\n  food: [1, 2\ntraps: {}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line 4")
    assert "malformed YAML" in message


def test_a_key_given_twice_is_an_error_naming_its_line(tmp_path: Path) -> None:
    text = dump_config(default_config()).replace("  food: 12.0", "  space: 3.0")
    lines = text.splitlines()
    line = next(i for i, row in enumerate(lines) if row.startswith("  space: 3.0")) + 1
    with pytest.raises(ConfigError, match=rf"line {line}, column 3: .*'space' given twice"):
        load_config(write(tmp_path, text))


def test_empty_file_non_mapping_and_unreadable_file_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config.yaml: empty config; expected the sections"):
        load_config(write(tmp_path, "# nothing\n"))
    with pytest.raises(ConfigError, match="expected a mapping of the sections .* got"):
        load_config(write(tmp_path, "- 1\n- 2\n"))
    with pytest.raises(ConfigError, match="missing.yaml: cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


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


# --- dump and files -------------------------------------------------------------------------


def test_dump_then_load_is_identity(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    for config in [default_config()] + [from_vector(rng.random(len(SPACE))) for _ in range(20)]:
        text = dump_config(config)
        assert load_config(write(tmp_path, text)) == config
        assert dump_config(parse_yaml(text)) == text


def test_dump_is_readable_yaml_in_the_section_layout() -> None:
    text = dump_config(default_config().replace(**{"weights.space": 0.00001}))
    assert text.startswith("# ")
    assert "\nweights:\n  space: 0.00001 " in text
    assert "  enabled: true " in text and "  reply_model: worst " in text
    assert "  max_nodes: 1024 " in text and "# int [16, 65536], log scale" in text


def test_repo_config_and_packaged_default_equal_the_generated_dump() -> None:
    expected = dump_config(default_config())
    assert (ROOT / "config.yaml").read_text() == expected
    assert space.DEFAULT_CONFIG_FILE.read_text() == expected
    assert load_config(space.DEFAULT_CONFIG_FILE) == default_config()


def test_docs_table_is_the_generated_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert space.main(["--markdown"]) == 0
    out = capsys.readouterr().out
    assert out == space.markdown()
    assert out in (ROOT / "docs" / "parameters.md").read_text()
    table = space.markdown_table().splitlines()
    assert len(table) == 2 + len(SPACE)
    assert table[2].startswith("| `weights.space` | float | [0.0, 100.0] | `20.0` | bonus")


def test_cli_check_reports_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, dump_config(default_config()))
    assert space.main(["--check", str(good)]) == 0
    assert "ok (" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(dump_config(default_config()).replace("depth: 1", "depth: 1.0"))
    assert space.main(["--check", str(bad)]) == 1
    assert "search.depth = 1.0: expected an integer" in capsys.readouterr().err
