"""``snaketrain status``: where training stands, a plot of strength over iterations and, while
SPSA or CMA-ES tunes, a plot of θ per tuned key over the steps."""

from __future__ import annotations

import argparse
import sys


def add_status_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--results",
        metavar="DIR",
        default="nn_training_results",
        help="the training results folder (default nn_training_results)",
    )
    p.add_argument(
        "--plot",
        metavar="PNG",
        help="where to write the plot of strength over iterations (default DIR/status.png)",
    )
    p.add_argument(
        "--tuning-plot",
        metavar="PNG",
        help="where to write the plot of the tuned keys over the tuning steps, when the "
        "results folder has a tuner.json (default DIR/tuning.png)",
    )
    p.add_argument("--repo", metavar="PATH", default=".", help="the git repository (default .)")


def run_status(args: argparse.Namespace) -> int:
    from snaketrain.status import plot_strength, plot_tuning, read_trajectory, status_report
    from snaketrain.trainlog import LOG_NAME, TrainingLog, TrainingLogError

    try:
        print(status_report(args.results, args.repo), end="")
        entries = TrainingLog(f"{args.results}/{LOG_NAME}").entries()
        if entries:
            png = plot_strength(entries, args.plot or f"{args.results}/status.png")
            print(f"plot: {png}")
        try:
            tuned = read_trajectory(args.results)
        except (ValueError, OSError):  # the report has warned
            tuned = None
        if tuned is not None:
            png = plot_tuning(tuned, args.tuning_plot or f"{args.results}/tuning.png")
            print(f"tuning plot: {png}")
    except (TrainingLogError, OSError) as err:
        print(f"snaketrain status: error: {err}", file=sys.stderr)
        return 1
    return 0
