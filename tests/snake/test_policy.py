"""Many configs in one batched policy: each seat plays its own config's weights, and a batch
mixing configs moves (and plays whole games) exactly as separate runs of each config do."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from snaketrain.arena.runner import GameResults, GameSpec, run_games
from snaketrain.rules.batched import BatchState, from_boards, step_
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import Settings
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.policy import Member, play_seats
from snaketrain.snake.random_safe import RandomSafe
from snaketrain.snake.registry import BASELINE_FILE, batched_policy
from snaketrain.snake.space import SPACE, Config, default_config, from_vector, load_config


def configs() -> list[Config]:
    """The default and baseline configs, and random ones (fixed seed) that differ in every
    key, search keys included (depth kept small to keep the test quick)."""
    rnd = np.random.default_rng(5)
    out = [default_config(), load_config(BASELINE_FILE)]
    shapes = [
        {"search.depth": 0, "hybrid.enabled": False},
        {"search.depth": 1, "search.reply_model": "average", "hybrid.lookahead_depth": 2},
        {"search.depth": 2, "search.max_nodes": 300, "hybrid.enabled": False},
        {"search.depth": 1, "search.max_nodes": 20, "hybrid.critical_health": 90},
    ]
    for shape in shapes:
        out.append(from_vector(rnd.random(len(SPACE))).replace(shape))
    return out


def positions(size: int, n: int, games: int, turns: int) -> BatchState:
    ids = [f"snake-{i}" for i in range(n)]
    seeds = [31 * size + g for g in range(games)]
    state = from_boards([standard_start(size, ids, s) for s in seeds], seeds)
    for _ in range(turns):
        step_(state, RandomSafe()(state, state.alive), Settings())
    return state


@pytest.mark.parametrize(("size", "n", "turns"), [(7, 2, 6), (7, 2, 14), (11, 3, 12)])
def test_a_mixed_batch_moves_as_each_config_alone(size: int, n: int, turns: int) -> None:
    cfgs = configs()
    state = positions(size, n, 48, turns)
    mask = state.alive & ~state.done[:, None]
    variant = torch.randint(len(cfgs), mask.shape, generator=torch.Generator().manual_seed(1))
    mixed = HeuristicPolicy.from_configs(cfgs)(state, mask, variant)
    for k, cfg in enumerate(cfgs):
        mine = mask & (variant == k)
        alone = HeuristicPolicy(cfg)(state, mine)
        assert torch.equal(mixed[mine], alone[mine]), k


def results_by_game(res: GameResults) -> list[tuple[object, ...]]:
    fields = ("winner", "turns", "cause", "elim_turn", "length", "turn_limit")
    return [tuple(np.asarray(getattr(res, f)[g]).tolist() for f in fields) for g in range(len(res))]


def test_a_mixed_batch_plays_every_game_as_separate_runs_do() -> None:
    cfgs = configs()
    family = HeuristicPolicy.from_configs(cfgs, name="spsa")
    greedy = batched_policy("greedy-food")
    members = family.members()
    C = len(cfgs)
    # game g: config g % C against greedy-food, or against config (g + 3) % C
    pairs = [(g % C, C if g % 2 == 0 else (g + 3) % C) for g in range(2 * C)]
    specs = [GameSpec(500 + g, (a, b)) for g, (a, b) in enumerate(pairs)]
    mixed = run_games(specs, [*members, greedy], size=7, batch_size=5, max_turns=80)
    alone = []
    for g, (a, b) in enumerate(pairs):
        opponent = greedy if b == C else HeuristicPolicy(cfgs[b])
        pols = [HeuristicPolicy(cfgs[a]), opponent]
        alone += results_by_game(run_games([GameSpec(500 + g, (0, 1))], pols, size=7, max_turns=80))
    assert results_by_game(mixed) == alone
    assert len(set(map(str, alone))) > C  # the games differ: the configs matter


def test_members_are_policies_of_their_own() -> None:
    cfgs = configs()[:3]
    family = HeuristicPolicy.from_configs(cfgs)
    state = positions(7, 2, 8, 10)
    mask = state.alive & ~state.done[:, None]
    for k, member in enumerate(family.members(["a", "b", "c"])):
        assert isinstance(member, Member) and member.name == "abc"[k]
        assert torch.equal(member(state, mask)[mask], HeuristicPolicy(cfgs[k])(state, mask)[mask])
    # play_seats: members and plain policies side by side, each seat its own
    plain = RandomSafe()
    pols = [family.member(2), plain, family.member(0)]
    seat_policy = torch.tensor([[0, 1], [2, 0], [1, 2], [2, 2]] * 2)
    moves = play_seats(pols, state, seat_policy, mask)
    for p, policy in enumerate(pols):
        mine = mask & (seat_policy == p)
        assert torch.equal(moves[mine], policy(state, mine)[mine]), p


def test_misuse_is_reported() -> None:
    with pytest.raises(ValueError, match="at least one config"):
        HeuristicPolicy.from_configs([])
    family = HeuristicPolicy.from_configs(configs()[:2])
    state = positions(7, 2, 2, 2)
    with pytest.raises(ValueError, match="needs each seat's variant"):
        family(state, state.alive)
    with pytest.raises(ValueError, match="member 2 of a policy of 2 configs"):
        family.member(2)
    with pytest.raises(ValueError, match="2 configs but 1 names"):
        family.members(["x"])
