"""The LLM's answer -> validated changes: whatever the model writes, a kept suggestion is a
valid change of the best config, and every dropped item has its reason."""

from __future__ import annotations

import json
import random

import pytest

from snaketrain.learn.llm_parse import MAX_ITEMS, apply, find_items, parse_answer, tunable
from snaketrain.snake.space import PARAMS, default_config, parse_config
from snaketrain.tuning.tunables import STRUCTURAL_KEYS

BEST = default_config()


def ok(text: str) -> dict[str, object]:
    kept, _ = parse_answer(text, BEST)
    return {s.key: s.value for s in kept}


def dropped(text: str) -> list[str]:
    return parse_answer(text, BEST)[1]


def test_a_clean_answer_is_read_exactly() -> None:
    text = '[{"key": "weights.space", "value": 25.5, "reason": "more room"}]'
    [s] = parse_answer(text, BEST)[0]
    assert (s.key, s.value, s.reason) == ("weights.space", 25.5, "more room")


@pytest.mark.parametrize(
    "text",
    [
        '```json\n[{"key": "weights.space", "value": 25.5, "reason": "r"}]\n```',
        'Sure! Here are my changes:\n[{"key": "weights.space", "value": 25.5}]\nGood luck.',
        '[{"key": "weights.space", "value": 25.5, "reason": "r",},]',  # trailing commas
        '{"key": "weights.space", "value": 25.5, "reason": "r"}',  # one object, no list
        'I suggest {"key": "weights.space", "value": 25.5} and nothing else',
    ],
)
def test_sloppy_json_small_models_write_is_found(text: str) -> None:
    assert ok(text) == {"weights.space": 25.5}


def test_objects_one_after_another_are_all_read() -> None:
    text = '{"key": "weights.space", "value": 30}\n{"key": "weights.food", "value": 14}'
    assert ok(text) == {"weights.space": 30.0, "weights.food": 14.0}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I would increase the space weight a little.", "no JSON list"),
        ('[{"key": "weights.space", "value": 2', "no JSON list"),  # cut off
        ("[]", "empty"),
        ('[{"key": "weights.nope", "value": 1}]', '"weights.nope" is not a parameter'),
        ('[{"key": 7, "value": 1}]', "is not a parameter name"),
        ('[{"value": 1}]', "null is not a parameter name"),
        ('[{"key": "weights.space"}]', "weights.space: no value"),
        ('[{"key": "weights.space", "value": "25"}]', 'value "25" is not a number'),
        ('[{"key": "weights.space", "value": true}]', "value true is not a number"),
        ('[{"key": "weights.space", "value": null}]', "value null is not a number"),
        ('[{"key": "weights.space", "value": [25]}]', "is not a number"),
        ('[{"key": "weights.space", "value": {"x": 1}}]', "is not a number"),
        ('[{"key": "weights.space", "value": NaN}]', "NaN is not a finite number"),
        ('[{"key": "weights.space", "value": -Infinity}]', "-Infinity is not a finite"),
        ('[{"key": "weights.space", "value": 1e400}]', "inf is not a finite number"),
        ('[{"key": "weights.space", "value": 100.5}]', "out of bounds; allowed a float in"),
        ('[{"key": "weights.space", "value": -1}]', "out of bounds"),
        ('[{"key": "weights.space", "value": 20}]', "is the best config's value already"),
        ('[{"key": "search.depth", "value": 2}]', "search.depth is structural (fixed)"),
        ('[{"key": "search.reply_model", "value": "average"}]', "structural (fixed)"),
        ('[{"key": "hybrid.enabled", "value": false}]', "structural (fixed)"),
        ('["weights.space", 25]', '"weights.space" is not an object'),
        ('[[[[{"key": "weights.space", "value": 25}]]]]', "is not an object"),
        ("[" * 5000 + "]" * 5000, "no JSON list"),  # deeper than json reads
        ('[{"key": "weights.space", "value": ' + "9" * 5000 + "}]", "no JSON list"),
    ],
)
def test_malformed_items_are_dropped_with_their_reason(text: str, reason: str) -> None:
    kept, why = parse_answer(text, BEST)
    assert kept == []
    assert why and reason in why[0], why


def test_valid_items_survive_their_invalid_neighbours() -> None:
    text = json.dumps(
        [
            {"key": "weights.space", "value": 26},
            {"key": "weights.space", "value": 27},  # the same key again
            {"key": "weights.food", "value": "lots"},
            {"key": "traps.critical", "value": 650.0, "reason": "x" * 500 + "\n\x00bad"},
        ]
    )
    kept, why = parse_answer(text, BEST)
    assert {s.key: s.value for s in kept} == {"weights.space": 26.0, "traps.critical": 650.0}
    assert len(kept[1].reason) <= 120 and "\n" not in kept[1].reason
    assert why == ["weights.space given twice", 'weights.food: value "lots" is not a number']


def test_int_keys_round_to_the_nearest_integer_and_say_so() -> None:
    key = "late_game.turn_threshold"
    [s] = parse_answer(json.dumps([{"key": key, "value": 170.6, "reason": "later"}]), BEST)[0]
    assert s.value == 171 and isinstance(s.value, int)
    assert s.reason == "later (rounded from 170.6)"
    assert ok(json.dumps([{"key": key, "value": 160.0}])) == {key: 160}


def test_at_most_max_items_are_read() -> None:
    keys = [k for k in PARAMS if tunable(k)][: MAX_ITEMS + 3]
    items = [{"key": k, "value": PARAMS[k].high} for k in keys]
    kept, why = parse_answer(json.dumps(items), BEST)
    assert len(kept) <= MAX_ITEMS and why[-1] == f"3 item(s) beyond the first {MAX_ITEMS}"


def test_ten_thousand_characters_of_junk_find_nothing() -> None:
    junk = ("blah {not json} [also, not] " * 400)[:10_000]
    assert find_items(junk) is None
    assert ok(junk) == {}


def test_tunable_keys_are_the_float_and_int_keys_that_are_not_structural() -> None:
    assert not any(tunable(k) for k in STRUCTURAL_KEYS)
    assert all(tunable(k) == (p.kind in ("float", "int")) for k, p in PARAMS.items()
               if k not in STRUCTURAL_KEYS)  # fmt: skip


def _junk(rng: random.Random, depth: int = 0) -> object:
    """A random JSON-ish value: numbers at and beyond the bounds, keys right and wrong."""
    keys = [*PARAMS, "weights.nope", "", "search.depth"]
    choice = rng.randrange(8 if depth < 3 else 5)
    if choice == 0:
        return rng.choice([0, -1, 1e9, 0.5, 3, 1e-9, 250, 999999])
    if choice == 1:
        return rng.choice(["25", "", "NaN", "inf", "weights.space"])
    if choice == 2:
        return rng.choice([True, False, None])
    if choice == 3:
        return rng.uniform(-1000, 1000)
    if choice == 4:
        return rng.choice([float("nan"), float("inf"), -float("inf")])
    if choice == 5:
        return [_junk(rng, depth + 1) for _ in range(rng.randrange(4))]
    item = {"key": rng.choice(keys), "value": _junk(rng, depth + 1)}
    if rng.random() < 0.3:
        item["reason"] = _junk(rng, depth + 1)
    return item


def test_random_answers_never_yield_an_invalid_config() -> None:
    rng = random.Random(11)
    for _ in range(400):
        items = [_junk(rng) for _ in range(rng.randrange(1, 6))]
        text = json.dumps(items)  # NaN / Infinity written as json writes them
        if rng.random() < 0.3:
            text = "Here you go:\n```json\n" + text[: rng.randrange(len(text) + 1)] + "\n```"
        kept, why = parse_answer(text, BEST)
        config = apply(BEST, kept)
        parse_config(config.as_nested())  # valid: re-parsing a Config raises if not
        for s in kept:
            assert tunable(s.key) and s.value != BEST[s.key]
            assert PARAMS[s.key].check(s.value) == s.value
        assert len(kept) + len(why) >= 1
