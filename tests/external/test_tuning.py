"""SPSA over HTTP: its batching defaults, and a tune file that sets its own."""

from __future__ import annotations

from snaketrain.external.tuning import HTTP_DEFAULTS, http_settings
from snaketrain.snake.space import default_config
from snaketrain.training.tune import start_tuner


def test_http_runs_group_pairs_unless_the_tune_file_says_otherwise(tmp_path) -> None:
    s = http_settings(None)
    assert (s.pairs_per_batch, s.pairs_per_delta) == (32, 8) == tuple(HTTP_DEFAULTS.values())
    tune = tmp_path / "tune.yaml"
    tune.write_text("pairs_per_delta: 4\nkeys: [weights.food]\n")
    s = http_settings(str(tune))
    assert (s.keys, s.pairs_per_batch, s.pairs_per_delta) == (("weights.food",), 32, 4)


def test_start_tuner_batches_for_http_only_with_an_external_snake() -> None:
    here = start_tuner("spsa", default_config(), None, 0)
    http = start_tuner("spsa", default_config(), None, 0, snake="snake.yaml")
    assert here.settings.pairs_per_delta == 1 and http.settings.pairs_per_delta == 8
