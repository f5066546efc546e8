"""SPSA settings: the Fishtest/OpenBench gain schedules, the tune file and its one-line errors,
and the table shown at the start of a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from snaketrain.snake.space import default_config
from snaketrain.tuning.spsa_settings import (
    ALPHA,
    DEFAULT_C_END,
    DEFAULT_PAIRS,
    DEFAULT_R_END,
    DEFAULT_STEPS,
    GAMMA,
    SpsaSettings,
    a_schedule,
    c_schedule,
    describe,
    load_settings,
    parse_settings,
    parse_tune_yaml,
)
from snaketrain.tuning.tunables import STRUCTURAL_KEYS, TuneSettingsError, default_keys


def test_schedules_are_the_spall_formulas() -> None:
    assert (ALPHA, GAMMA) == (0.602, 0.101)
    # a_k = a / (A + k)^alpha: 2 / (10 + 6)^0.5 = 0.5; c_k = c / k^gamma: 3 / 8^(1/3) = 1.5
    assert a_schedule(2.0, 10.0, 6, alpha=0.5) == pytest.approx(0.5)
    assert c_schedule(3.0, 8, gamma=1 / 3) == pytest.approx(1.5)
    assert c_schedule(3.0, 1) == 3.0  # k = 1: c_1 = c


def test_gains_are_derived_from_the_end_values_and_the_planned_steps() -> None:
    s = SpsaSettings(("weights.space",), (0.1,), (2.0,), steps=10)
    assert s.big_a == pytest.approx(1.0)  # 10% of 10 steps
    a, c = s.coefficients()
    # c = c_end * N^gamma = 0.1 * 10^0.101 = 0.1 * 1.261828; a_end = r_end * c_end^2 = 0.02;
    # a = a_end * (A + N)^alpha = 0.02 * 11^0.602 = 0.02 * 4.235634
    assert c[0] == pytest.approx(0.1261828, rel=1e-6)
    assert a[0] == pytest.approx(0.08471267, rel=1e-6)
    a_1, c_1 = s.gains(1)  # a_1 = a / 2^0.602 = a / 1.517819
    assert (a_1[0], c_1[0]) == (pytest.approx(0.05581210, rel=1e-6), pytest.approx(c[0]))
    a_n, c_n = s.gains(10)  # at the planned end: exactly the end values
    assert (a_n[0], c_n[0]) == (pytest.approx(0.02), pytest.approx(0.1))
    assert a_n[0] / c_n[0] ** 2 == pytest.approx(2.0)  # r_end
    later = s.gains(100)
    assert later[0][0] < a_n[0] and later[1][0] < c_n[0]  # the gains keep decaying past N


def test_an_int_keys_perturbation_never_drops_below_half_a_step() -> None:
    # food_urgency.low_health is 0..100: half a step is 0.005; c_end 0.001 is below it
    s = SpsaSettings(("weights.space", "food_urgency.low_health"), (0.001, 0.001), (1.0, 1.0))
    _, c_k = s.gains(DEFAULT_STEPS)
    assert c_k.tolist() == [pytest.approx(0.001), pytest.approx(0.005)]


def test_defaults() -> None:
    s = parse_settings(None)
    assert s == SpsaSettings.default()
    assert s.keys == default_keys()
    assert (s.steps, s.pairs_per_batch) == (DEFAULT_STEPS, DEFAULT_PAIRS)
    assert set(s.c_end) == {DEFAULT_C_END} and set(s.r_end) == {DEFAULT_R_END}


def test_a_tune_file_sets_keys_defaults_and_per_key_overrides() -> None:
    s = parse_tune_yaml(
        "steps: 50\npairs_per_batch: 8\nc_end: 2e-2\nr_end: 0.01\n"
        "keys: [weights.food, weights.space, search.depth]\n"
        "overrides:\n  weights.space: {c_end: 0.08}\n  search.depth: {r_end: 0.5}\n",
        "tune.yaml",
    )
    assert s.keys == ("weights.space", "weights.food", "search.depth")
    assert s.c_end == (0.08, 0.02, 0.02)  # 2e-2 is a number, not text
    assert s.r_end == (0.01, 0.01, 0.5)
    assert (s.steps, s.pairs_per_batch, s.big_a) == (50, 8, 5.0)
    assert parse_settings(s.to_dict()) == s  # the persisted form is an explicit tune file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("c_end: 0", "tune.yaml: c_end = 0: expected a number in (0, 0.5]"),
        ("c_end: 0.7", "tune.yaml: c_end = 0.7: expected a number in (0, 0.5]"),
        ("r_end: -0.1", "tune.yaml: r_end = -0.1: expected a number > 0"),
        ("r_end: .nan", "tune.yaml: r_end = nan: expected a number > 0"),
        ("r_end: fast", "tune.yaml: r_end = 'fast': expected a number > 0"),
        ("steps: 0", "tune.yaml: steps = 0: expected a whole number >= 1"),
        ("pairs_per_batch: 2.5", "tune.yaml: pairs_per_batch = 2.5: expected a whole number"),
        ("step: 10", "tune.yaml: unknown setting 'step'; did you mean 'steps'?"),
        ("keys: [weights.spce]", "tune.yaml: keys: 'weights.spce' is not a parameter"),
        ("keys: [hybrid.enabled]", "tune.yaml: keys: hybrid.enabled is a bool key"),
        ("keys: [search.reply_model]", "tune.yaml: keys: search.reply_model is a choice key"),
        (
            "overrides: {search.depth: {c_end: 0.1}}",
            "tune.yaml: overrides.search.depth: it is not a tuned key",
        ),
        (
            "overrides: {weights.nope: {c_end: 0.1}}",
            "tune.yaml: overrides.weights.nope: it is not a parameter",
        ),
        (
            "overrides: {weights.space: {c: 0.1}}",
            "tune.yaml: overrides.weights.space: unknown setting 'c'; allowed: c_end, r_end",
        ),
        (
            "overrides: {weights.space: {r_end: 0}}",
            "tune.yaml: overrides.weights.space.r_end = 0: expected a number > 0",
        ),
        ("overrides: [weights.space]", "tune.yaml: overrides = ['weights.space']: expected"),
        ("- steps", "tune.yaml = ['steps']: expected a mapping of settings"),
        ("steps: [1,", "tune.yaml: line 1, column 11: malformed YAML: expected the node"),
    ],
)
def test_bad_tune_files_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(TuneSettingsError) as info:
        parse_tune_yaml(text, "tune.yaml")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_load_settings_reads_a_file_and_names_it_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "tune.yaml"
    path.write_text("steps: 12\nkeys: [weights.space]\n", encoding="utf-8")
    expected = SpsaSettings(("weights.space",), (DEFAULT_C_END,), (DEFAULT_R_END,), steps=12)
    assert load_settings(path) == expected
    with pytest.raises(TuneSettingsError, match=f"^{tmp_path / 'missing.yaml'}: cannot read"):
        load_settings(tmp_path / "missing.yaml")


def test_describe_shows_every_tuned_key_and_the_fixed_ones() -> None:
    s = parse_tune_yaml("keys: [weights.space, search.max_nodes]\nsteps: 100\npairs_per_batch: 4")
    text = describe(s, default_config())
    assert text.splitlines()[0].startswith("SPSA: 2 keys, 100 steps x 4 pairs = 400 pairs")
    space = next(line for line in text.splitlines() if line.startswith("weights.space"))
    assert space.split()[1:4] == ["20", "0.05", "±5"]  # start, c_end, c_end in value units
    nodes = next(line for line in text.splitlines() if line.startswith("search.max_nodes"))
    assert "x1.52" in nodes  # log scale: 4096^0.05 = 1.516, a factor
    assert f"fixed: 34 keys ({len(STRUCTURAL_KEYS) - 1} structural" in text
