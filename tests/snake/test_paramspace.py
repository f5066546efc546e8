"""A config of a space of its own: checked, hashed, compared, vectored and written in it."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.space import (
    BUILTIN,
    SPACE,
    Config,
    ConfigError,
    Param,
    Space,
    config_hash,
    default_config,
    diff,
    dump_config,
    from_vector,
    parse_config,
    parse_yaml,
    to_vector,
)

OWN = Space(
    (
        Param("greed", "apple", "float", 2.0, "apple weight", 0.0, 10.0),
        Param("greed", "hunger", "int", 40, "health below which it eats", 0, 100),
        Param("style", "bold", "bool", False, "bold"),
        Param("style", "lane", "choice", "edge", "lane", choices=("edge", "middle")),
        Param("look", "reach", "float", 1.0, "reach", 0.1, 100.0, log=True),
    ),
    source="space.yaml",
)


def test_the_builtin_space_is_the_declared_one() -> None:
    assert BUILTIN.builtin and BUILTIN.params == SPACE and len(BUILTIN) == len(SPACE)
    assert not OWN.builtin and OWN.sections == ("greed", "style", "look")
    assert OWN.keys[:2] == ("greed.apple", "greed.hunger") and "style.bold" in OWN
    assert default_config().space is BUILTIN


def test_a_space_is_a_value() -> None:
    same = Space(OWN.params, source="elsewhere.yaml")
    assert same == OWN and hash(same) == hash(OWN)
    assert pickle.loads(pickle.dumps(OWN)) == OWN
    assert Space.from_list(OWN.to_list()) == OWN and OWN.fingerprint() != BUILTIN.fingerprint()
    with pytest.raises(ValueError, match="declares greed.apple twice"):
        Space((OWN.params[0], OWN.params[0]), source="x.yaml")


def test_errors_name_the_keys_of_the_space() -> None:
    with pytest.raises(ConfigError) as err:
        Config({"greed.apple": 11.0, "greed.hungry": 3}, source="config.json", space=OWN)
    text = str(err.value)
    assert "config.json: greed.apple = 11.0: expected a float in [0.0, 10.0]" in text
    assert "greed.hungry: unknown key; did you mean 'greed.hunger'?" in text
    assert "allowed keys: greed.apple, greed.hunger, style.bold, style.lane, look.reach" in text
    assert "style.bold: missing; expected true or false (default false)" in text
    assert "weights" not in text  # nothing of the built-in space
    with pytest.raises(ConfigError, match="unknown section; allowed sections: greed, style"):
        parse_config({"weights": {"food": 1.0}}, "config.yaml", space=OWN)


def test_a_builtin_config_is_not_one_of_another_space() -> None:
    with pytest.raises(ConfigError, match="weights.space: unknown key"):
        Config(default_config().to_dict(), space=OWN)
    with pytest.raises(ValueError, match="built-in space only, not one of the space of space"):
        HeuristicPolicy(default_config(OWN))


def test_value_hash_pickle_and_replace_keep_the_space() -> None:
    a = default_config(OWN)
    assert a.space == OWN and a.as_nested()["style"] == {"bold": False, "lane": "edge"}
    b = a.replace({"greed.apple": 3})
    assert b.space is OWN and b["greed.apple"] == 3.0
    assert pickle.loads(pickle.dumps(b)) == b and pickle.loads(pickle.dumps(b)).space == OWN
    assert hash(Config(b.to_dict(), space=OWN)) == hash(b)
    assert config_hash(b) != config_hash(a)
    wider = Space((*OWN.params[:4], Param("look", "reach", "float", 1.0, "r", 0.1, 200.0)))
    assert Config(a.to_dict(), space=wider) != a  # same values, another space
    assert config_hash(Config(a.to_dict(), space=wider)) != config_hash(a)
    assert b == b.to_dict()  # a plain mapping still compares by its items


def test_vectors_and_diff_in_the_space() -> None:
    a = default_config(OWN)
    x = to_vector(a)
    assert x.shape == (5,) and x[0] == pytest.approx(0.2) and x[4] == pytest.approx(1 / 3)
    assert from_vector(x, OWN) == a
    top = from_vector(np.ones(5), OWN)
    assert top.to_dict() == {
        "greed.apple": 10.0, "greed.hunger": 100, "style.bold": True, "style.lane": "middle",
        "look.reach": 100.0,
    }  # fmt: skip
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        from_vector(np.ones(len(SPACE)), OWN)
    assert diff(a, top)[0] == ("greed.apple", 2.0, 10.0) and len(diff(a, top)) == 5
    with pytest.raises(ValueError, match="cannot compare configs of the space of space.yaml"):
        diff(a, default_config())


def test_the_file_round_trips_in_its_space() -> None:
    a = default_config(OWN).replace({"look.reach": 2.5})
    text = dump_config(a)
    assert text.startswith("# The values snaketrain tunes, in the space declared by space.yaml")
    assert "  reach: 2.5" in text and "# float [0.1, 100.0], log scale" in text
    assert parse_yaml(text, "config.yaml", space=OWN) == a
    as_json = json.dumps(a.as_nested())  # a JSON config file reads the same
    assert parse_yaml(as_json, "config.json", space=OWN) == a
