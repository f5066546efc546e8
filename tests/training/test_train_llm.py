"""`snaketrain train --use-llm` as a user runs it (the README's path, a subprocess): a model
that cannot be found is one line before any game; a tiny real model runs an iteration whose
LLM slot falls back (its random weights say nothing valid) and the log says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from llmkit import tiny_llama
from trainkit import git

from snaketrain.snake.space import default_config, dump_config
from snaketrain.trainlog import TrainingLog

DRIVER = """
import json, sys
if __name__ == "__main__":
    from blocks.training import TrainingSettings
    TrainingSettings(**json.loads(sys.argv[1])).save("tiny", overwrite=True)
    from snaketrain.cli import main
    sys.exit(main(sys.argv[2:]))
"""

TINY = {
    "advisor": "random",
    "sprt_elo1": 100.0,
    "batch_pairs": 4,
    "max_pairs": 8,
    "remeasure_pairs": 4,
    "max_turns": 60,
    "batch_size": 32,
    "size": 7,
    "shards": 1,
    "opponents": ["random-safe"],
}


def make_repo(path: Path) -> None:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    config = default_config().replace({"search.depth": 0, "hybrid.enabled": False})
    (path / "config.yaml").write_text(dump_config(config))
    git(path, "add", "config.yaml")
    git(path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")


def train(tmp: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    (tmp / "driver.py").write_text(DRIVER)
    env = os.environ | {
        "PREFECT_HOME": str(tmp / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "HF_HUB_OFFLINE": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",  # saving the block
    }
    args = ["train", "--settings-block", "tiny", "--repo", str(tmp / "repo")]
    args += ["--results", str(tmp / "results"), "--max-iterations", "1", *flags]
    return subprocess.run(
        [sys.executable, str(tmp / "driver.py"), json.dumps(TINY), *args],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_a_missing_model_is_one_line_before_any_game(tmp_path: Path) -> None:
    make_repo(tmp_path / "repo")
    missing = str(tmp_path / "no-model")
    args = ["train", "--repo", str(tmp_path / "repo"), "--results", str(tmp_path / "results")]
    run = subprocess.run(
        [sys.executable, "-m", "snaketrain", *args, "--use-llm", "--llm-model", missing],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.strip().splitlines()[-1] == (
        f"snaketrain train: error: --llm-model {missing!r}: no such file or folder, and no "
        "model of that name in the local Hugging Face cache; download it beforehand "
        "(huggingface-cli download NAME) or pass a local checkpoint folder or .gguf file"
    )
    assert not (tmp_path / "results" / "training_log.jsonl").exists()


def test_train_with_a_tiny_llm_runs_and_the_slot_falls_back(tmp_path: Path) -> None:
    make_repo(tmp_path / "repo")
    model = tiny_llama()
    run = train(tmp_path, "--use-llm", "--llm-model", str(model), "--llm-every", "1")
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert f"llm: {model} on cpu (loaded in " in out
    assert "llm (" in out and "kept 0 []" in out
    assert "the slot falls back to random" in out
    [entry] = TrainingLog(tmp_path / "results" / "training_log.jsonl").entries()
    assert entry.advisor == "random"
