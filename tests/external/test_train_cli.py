"""``snaketrain train --snake FILE``: what it refuses, in one line, before any game."""

from __future__ import annotations

import pytest

from snaketrain.cli import main
from snaketrain.snake.space import default_config, dump_config


def snake_file(tmp_path, extra=""):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "config.yaml").write_text("{}\n")
    path = tmp_path / "snake.yaml"
    path.write_text("repo: repo\nstart: ./snake --port {port}\n" + extra)
    return path


@pytest.mark.parametrize(
    ("argv", "extra", "message"),
    [
        (["--advisor", "spsa", "--tune", "TUNE"], "", "pairs_per_delta = 0: expected a whole"),
        ([], "instances: 100\n", "instances must be an integer in 1..64"),
        ([], "space: space.yaml\n", "config.yaml: w: missing section; expected the keys x"),
    ],
)
def test_refused_in_one_line(tmp_path, capsys, argv, extra, message):
    path = snake_file(tmp_path, extra)
    (tmp_path / "space.yaml").write_text("w.x: {type: bool, default: true}\n")
    (tmp_path / "tune.yaml").write_text("pairs_per_delta: 0\n")
    if "TUNE" in argv:  # a valid config: the tune file is what is wrong
        (tmp_path / "repo" / "config.yaml").write_text(dump_config(default_config()))
    argv = [str(tmp_path / "tune.yaml") if a == "TUNE" else a for a in argv]
    code = main(["train", "--snake", str(path), *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--opponents", "OWN"], "a config of the space of"),
        (["--opponents", "nobody.json"], "unknown snake"),
        (["--advisor", "spsa", "--tune", "TUNE"], "'weights.food' is not a parameter; keys are"),
    ],
)
def test_what_a_snake_of_its_own_space_cannot_do_is_one_line(tmp_path, capsys, argv, message):
    path = snake_file(tmp_path, "space: space.yaml\n")
    (tmp_path / "space.yaml").write_text("w.x: {type: float, low: 0, high: 1, default: 0.5}\n")
    (tmp_path / "repo" / "config.yaml").write_text("w: {x: 0.25}\n")
    (tmp_path / "own.yaml").write_text("w: {x: 0.75}\n")  # a config of the snake's space
    (tmp_path / "tune.yaml").write_text("keys: [weights.food]\n")
    files = {"OWN": str(tmp_path / "own.yaml"), "TUNE": str(tmp_path / "tune.yaml")}
    code = main(["train", "--snake", str(path), *[files.get(a, a) for a in argv]])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err
    if "OWN" in argv:
        assert "played by the built-in snake, so it must hold the built-in keys" in err


def test_a_missing_snake_file(tmp_path, capsys):
    code = main(["train", "--snake", str(tmp_path / "nope.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and "nope.yaml: cannot read" in err


@pytest.mark.parametrize("with_snake", [False, True])
def test_an_opponent_url_that_does_not_answer_is_one_line(tmp_path, capsys, with_snake):
    from snaketrain.external.process import free_port
    from snaketrain.snake.space import default_config, dump_config

    dead = f"http://127.0.0.1:{free_port()}"
    argv = ["train", "--opponents", "baseline", dead, "--results", str(tmp_path / "results")]
    if with_snake:
        argv += ["--snake", str(snake_file(tmp_path))]
        (tmp_path / "repo" / "config.yaml").write_text(dump_config(default_config()))
    else:
        (tmp_path / "config.yaml").write_text(dump_config(default_config()))
        argv += ["--repo", str(tmp_path)]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert f"opponent {dead}: GET / failed" in err and "start it first" in err
    assert not (tmp_path / "results").exists()  # refused before anything started


@pytest.mark.parametrize("advisor", ["spsa", "cmaes"])
def test_every_tuning_advisor_is_accepted_with_a_snake(tmp_path, advisor):
    from snaketrain.runtime import ContinuousTrainer

    path = snake_file(tmp_path)
    (tmp_path / "repo" / "config.yaml").write_text(dump_config(default_config()))
    extra = {"snake": str(path), "advisor": advisor}
    settings, _ = ContinuousTrainer(extra=extra, repo_path=str(tmp_path / "repo")).check()
    assert (settings.advisor, settings.snake) == (advisor, str(path))


@pytest.mark.parametrize("advisor", ["spsa", "cmaes", "random"])
def test_every_advisor_and_the_nn_are_accepted_in_a_snakes_own_space(tmp_path, advisor):
    from snaketrain.runtime import ContinuousTrainer

    path = snake_file(tmp_path, "space: space.yaml\n")
    (tmp_path / "space.yaml").write_text("w.x: {type: float, low: 0, high: 1, default: 0.5}\n")
    (tmp_path / "repo" / "config.yaml").write_text("w: {x: 0.25}\n")
    extra = {"snake": str(path), "advisor": advisor, "use_neural_net": True}
    trainer = ContinuousTrainer(
        extra=extra, opponents=["baseline"], repo_path=str(tmp_path / "repo")
    )
    settings, _ = trainer.check()
    assert (settings.advisor, settings.use_neural_net) == (advisor, True)
