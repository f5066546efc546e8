"""Candidates on disk: each written once, as a content-addressed file, and checked by a move."""

from __future__ import annotations

from pathlib import Path

from snaketrain.configio import write_text_atomic
from snaketrain.rules.start import standard_start
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.policy import decide
from snaketrain.snake.space import Config, dump_config
from snaketrain.training.shards import SnakeRef

CANDIDATES = "candidates"


def write_candidate(results_dir: str | Path, config: Config, digest: str) -> Path:
    """``candidates/<digest[:16]>.yaml`` holding ``config`` (written once: the name is the
    content's hash)."""
    path = Path(results_dir) / CANDIDATES / f"{digest[:16]}.yaml"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, dump_config(config))
    return path


def smoke_move(config: Config) -> str:
    """Build the candidate's policy and make one move on a standard start: a broken
    candidate fails here, before any benchmark."""
    board = standard_start(11, ["candidate", "other"], seed=1)
    return decide(HeuristicPolicy(config), board, "candidate", seed=1)


def build(results_dir: str | Path, config: Config, label: str | None = None) -> SnakeRef:
    """The runnable snake of a candidate: its file written, its policy checked by one move
    (a config of the built-in space; one of a snake's own space is checked by that snake's
    start). Labelled by its short hash unless ``label`` is given (the incumbent)."""
    ref = SnakeRef.of_config(config, label="")
    path = write_candidate(results_dir, config, ref.ident)
    if config.space.builtin:
        smoke_move(config)
    return SnakeRef(label or ref.ident[:16], ref.ident, config, str(path))
