"""snake.yaml and space files: what they accept, and one clear line for each mistake."""

from __future__ import annotations

import pytest

from snaketrain.external.spec import SnakeSpecError, load_snake, load_space
from snaketrain.snake.params import SPACE

from .externalkit import ROOT

EXAMPLE = ROOT / "examples" / "python-snake"


def write(tmp_path, text, name="snake.yaml"):
    (tmp_path / "repo").mkdir(exist_ok=True)
    (tmp_path / "repo" / "config.yaml").write_text("{}\n")
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_example_snake_file():
    spec = load_snake(EXAMPLE / "snake.yaml")
    assert spec.repo == EXAMPLE and spec.config == "config.json" and spec.instances == 2
    assert spec.params() == tuple(SPACE) and spec.space == "builtin"
    assert spec.command(8123, spec.config_path).endswith(f"--port 8123 --config {spec.config_path}")


def test_the_port_may_come_from_the_environment(tmp_path):
    spec = load_snake(write(tmp_path, "repo: repo\nstart: node index.js\n"))
    assert spec.command(8123, spec.config_path) == "node index.js"


def test_defaults_and_overrides(tmp_path):
    path = write(tmp_path, "repo: repo\nstart: ./snake --port {port}\n")
    spec = load_snake(path)
    assert (spec.config, spec.build, spec.instances, spec.move_timeout_ms) == (
        "config.yaml",
        None,
        1,
        500,
    )
    assert spec.params() == tuple(SPACE)
    assert load_snake(path, instances=8, move_timeout_ms=None).instances == 8


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("start: x {port}\n", "repo is required"),
        ("repo: repo\n", "start is required"),
        ("repo: nowhere\nstart: x {port}\n", "is not a directory"),
        ("repo: repo\nstart: x {port}\ninstances: 0\n", "instances must be an integer in 1..64"),
        ("repo: repo\nstart: x {port}\nport: 3\n", "unknown key 'port'; allowed: repo"),
        ("repo: repo\nstart: x {port}\nconfig: other.yaml\n", "other.yaml does not exist"),
        ("repo: [\n", "not valid YAML"),
        ("- a\n", "expected a mapping"),
    ],
)
def test_snake_file_mistakes(tmp_path, text, message):
    with pytest.raises(SnakeSpecError, match=message) as err:
        load_snake(write(tmp_path, text))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("food: {type: float, low: 0, high: 1, default: 0.5}\n", "keys are section.name"),
        ("w.food: {type: real, default: 1}\n", "type must be float, int, bool or choice"),
        ("w.food: {type: float, low: 2, high: 1, default: 1.5}\n", "needs low < high"),
        ("w.food: {type: float, low: 0, high: 1, default: 3}\n", "default 3 is not a float in"),
        ("w.food: {type: int, low: 0, high: 9}\n", "default is required"),
        ("w.food: {type: int, low: 0, high: 9, default: 1, step: 2}\n", "unknown field 'step'"),
        ("w.mode: {type: choice, choices: [a, a], default: a}\n", "needs distinct choices"),
        ("[]\n", "expected a mapping of section.name keys"),
    ],
)
def test_space_file_mistakes(tmp_path, text, message):
    path = write(tmp_path, text, "space.yaml")
    with pytest.raises(SnakeSpecError, match=message) as err:
        load_space(path)
    assert "\n" not in str(err.value) and "space.yaml" in str(err.value)


def test_a_bad_space_file_fails_the_snake_file(tmp_path):
    write(tmp_path, "w.x: {type: bool, default: 1}\n", "space.yaml")
    path = write(tmp_path, "repo: repo\nstart: x {port}\nspace: space.yaml\n")
    with pytest.raises(SnakeSpecError, match="w.x: default 1 is not true or false"):
        load_snake(path)
