"""Temporary re-exports of ``arena.pairs``, ``arena.pool`` and ``arena.decide``: this module
goes away once ``snaketrain/training.py``, ``flows/`` and ``tasks/`` import from those."""

from snaketrain.arena.decide import SprtRun, fixed_match, remeasure, sprt_lanes, sprt_match
from snaketrain.arena.pairs import (
    REMEASURE_BASE,
    LocalPlayer,
    MatchSetup,
    PlayPairs,
    candidate_scores,
    pair_seats,
    play_lanes,
    play_match,
    play_pairs,
    shard_pairs,
)
from snaketrain.arena.pool import Build, ShardPool

__all__ = [
    "REMEASURE_BASE",
    "Build",
    "LocalPlayer",
    "MatchSetup",
    "PlayPairs",
    "ShardPool",
    "SprtRun",
    "candidate_scores",
    "fixed_match",
    "pair_seats",
    "play_lanes",
    "play_match",
    "play_pairs",
    "remeasure",
    "shard_pairs",
    "sprt_lanes",
    "sprt_match",
]
