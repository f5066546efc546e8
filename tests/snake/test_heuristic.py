"""The heuristic snake: every config key matters, search sees what scoring alone misses, the
scalar and batched snakes agree, and no move dies at once when another does not (the reference
engine judging every enemy reply, in a position from a live game and in seeded games)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from survival_oracle import survives_every_reply

from snaketrain.rules.api import board_from_api
from snaketrain.rules.batched import BatchState, from_boards, standard_starts, step_, to_board
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import MOVES, Board, Point, Settings, Snake
from snaketrain.snake.heuristic import HeuristicPolicy, Weights, plan_depth
from snaketrain.snake.lookahead import DRAW, LOSS, NEG, search
from snaketrain.snake.policy import BatchedPolicy, decide
from snaketrain.snake.random_safe import RandomSafe, safe_mask
from snaketrain.snake.registry import LADDER, batched_policy
from snaketrain.snake.server import make_policy
from snaketrain.snake.space import SPACE, default_config, load_config

DATA = Path(__file__).with_name("data")
FLIPS = DATA / "key_flips.json"
ROOT = Path(__file__).resolve().parents[2]
BY_KEY = {row["key"]: row for row in json.loads(FLIPS.read_text())}


@pytest.mark.parametrize("key", [p.key for p in SPACE])
def test_every_config_key_changes_the_move_in_some_position(key: str) -> None:
    row = BY_KEY.get(key)
    assert row is not None, (
        f"no position where {key} changes the move; run tests/snake/data/find_key_flips.py"
    )
    board = board_from_api(row["board"], turn=row["turn"])
    base = default_config()
    changed = base.replace({key: row["value"]})
    was = decide(HeuristicPolicy(base), board, row["you"], row["seed"])
    now = decide(HeuristicPolicy(changed), board, row["you"], row["seed"])
    assert was != now, (
        f"{key}: {base[key]} -> {row['value']} no longer changes the move (both {was}); "
        "the defaults changed? run tests/snake/data/find_key_flips.py"
    )


def snake(sid: str, *cells: tuple[int, int], health: int = 100) -> Snake:
    return Snake(id=sid, health=health, body=[Point(x, y) for x, y in cells])


def test_no_config_enters_a_head_to_head_it_may_lose_while_a_move_survives_every_reply() -> None:
    # Food at (3, 4) next to our head (3, 3) and next to the head (3, 5) of a longer enemy;
    # left and right survive whatever the enemy does.
    me = snake("me", (3, 3), (3, 2), (3, 1))
    foe = snake("foe", (3, 5), (3, 6), (4, 6), (5, 6), (6, 6))
    board = Board(7, 7, [me, foe], [Point(3, 4)], [], 0)
    blind = default_config().replace(
        {
            "weights.head_collision": 0.0,
            "weights.food": 100.0,
            "search.depth": 0,
            "hybrid.enabled": False,
        }
    )
    for depth in (0, 1):
        for seed in range(4):
            policy = HeuristicPolicy(blind.replace({"search.depth": depth}))
            assert decide(policy, board, "me", seed) in ("left", "right"), (depth, seed)


def test_search_sees_a_trap_that_scoring_ignores() -> None:
    # Food in the corner (0, 0) below our head (0, 1): eating it leaves us walled in by our own
    # body, dead a turn later; up is open.
    me = snake("me", (0, 1), (1, 1), (1, 0), (2, 0), (3, 0))
    foe = snake("foe", (6, 6), (6, 5), (6, 4))
    board = Board(7, 7, [me, foe], [Point(0, 0)], [], 0)
    blind = default_config().replace(
        {"weights.food": 100.0, "search.depth": 0, "hybrid.enabled": False}
        | {f"weights.{k}": 0.0 for k in ("space", "territory")}
        | {f"traps.{k}": 0.0 for k in ("moderate", "severe", "critical", "food_trap")}
    )
    assert decide(HeuristicPolicy(blind), board, "me", 1) == "down"
    assert decide(HeuristicPolicy(blind.replace({"search.depth": 2})), board, "me", 1) == "up"


def test_search_depth_respects_hybrid_and_max_nodes() -> None:
    ids2, ids4 = ["a", "b"], ["a", "b", "c", "d"]
    duel = from_boards([standard_start(11, ids2, 3)], [3])
    four = from_boards([standard_start(11, ids4, 3)], [3])
    b, s = torch.tensor([0]), torch.tensor([0])
    cfg = default_config().replace(
        {"search.depth": 1, "hybrid.lookahead_depth": 3, "hybrid.critical_health": 100}
    )
    # every turn is critical (health <= 100): lookahead_depth 3, cut to what max_nodes allows
    assert int(plan_depth(duel, b, s, Weights.of(cfg.replace({"search.max_nodes": 4096})))) == 3
    assert int(plan_depth(duel, b, s, Weights.of(cfg))) == 2  # 16^3 > 1024 >= 16^2
    assert int(plan_depth(duel, b, s, Weights.of(cfg.replace({"search.max_nodes": 16})))) == 1
    assert int(plan_depth(four, b, s, Weights.of(cfg))) == 1  # 256 per turn
    assert int(plan_depth(four, b, s, Weights.of(cfg.replace({"search.max_nodes": 255})))) == 0
    calm = cfg.replace({"hybrid.enabled": False})
    assert int(plan_depth(duel, b, s, Weights.of(calm))) == 1
    # the shipped defaults search at least one full turn (2 plies) on a critical duel turn
    shipped = default_config().replace({"hybrid.critical_health": 100})
    assert int(plan_depth(duel, b, s, Weights.of(shipped))) >= 1


def game_positions(size: int, n: int, games: int, turns: int) -> BatchState:
    """Boards of random-safe games after ``turns`` turns (fixed seeds)."""
    ids = [f"snake-{i}" for i in range(n)]
    seeds = [7 * size + g for g in range(games)]
    state = from_boards([standard_start(size, ids, s) for s in seeds], seeds)
    for _ in range(turns):
        step_(state, RandomSafe()(state, state.alive), Settings())
    return state


def all_snakes() -> list[BatchedPolicy]:
    return [HeuristicPolicy(default_config()), *(batched_policy(n) for n in LADDER)]


@pytest.mark.parametrize(("size", "n", "turns"), [(7, 2, 9), (11, 3, 20)])
def test_scalar_and_batched_decisions_agree(size: int, n: int, turns: int) -> None:
    state = game_positions(size, n, 8, turns)
    mask = state.alive & ~state.done[:, None]
    for policy in all_snakes():
        batched = policy(state, mask)
        for b in range(state.batch):
            board = to_board(state, b)
            for s in range(n):
                if mask[b, s]:
                    one = decide(policy, board, board.snakes[s].id, int(state.seed[b]))
                    assert one == MOVES[int(batched[b, s])], (policy.name, b, s)


@pytest.mark.parametrize(("size", "n", "turns"), [(7, 2, 10), (11, 2, 40), (11, 4, 25)])
def test_no_snake_dies_at_once_when_a_safe_move_exists(size: int, n: int, turns: int) -> None:
    state = game_positions(size, n, 24, turns)
    mask = state.alive & ~state.done[:, None]
    safe = safe_mask(state)  # [B, S, 4]
    can = mask & safe.any(-1)
    assert bool(can.any())
    for policy in all_snakes():
        moves = policy(state, mask)
        chosen = safe.gather(2, moves[..., None]).squeeze(-1)
        assert bool(chosen[can].all()), policy.name


def test_the_served_snake_does_not_walk_into_itself_from_a_lost_live_position() -> None:
    # turn 144 of a lost live game: ``up`` survives every reply (the enemy is shorter) but is
    # trapped a turn later; ``left`` is our own neck. Both looked lost to the search.
    body = json.loads((DATA / "fatal-move-turn144.json").read_text())
    board = board_from_api(body["board"], turn=body["turn"])
    served = make_policy(load_config(ROOT / "config.yaml"))
    for seed in (0, 1, 2, 3):
        assert decide(served, board, body["you"]["id"], seed) == "up"
    # the search values a loss a turn later above dying now, and above nothing at all
    state, b, s = from_boards([board], [0]), torch.tensor([0]), torch.tensor([0])
    score = HeuristicPolicy(default_config()).score
    up, *dead = search(state, b, s, 2, score)[0].tolist()
    assert NEG < LOSS <= up < DRAW
    assert dead == [NEG] * 3


def fatal_choices(
    policies: list[BatchedPolicy], seats: list[tuple[int, ...]], size: int, seed: int
) -> tuple[int, list[tuple[int, int, int, str, list[str]]]]:
    """Play game g (seed ``seed + g``, seat s moved by ``policies[seats[g][s]]``) on the
    batched engine to the end (at most 500 turns), checking every move of every heuristic
    snake with the reference engine. Returns the moves checked and each (seed, turn, seat,
    move, moves that survive every reply) where the move may die at once although another
    never does."""
    state = standard_starts(size, len(seats[0]), torch.arange(seed, seed + len(seats)))
    owner = torch.tensor(seats)  # [B, S] policy of each seat
    judged = torch.tensor([isinstance(p, HeuristicPolicy) for p in policies])[owner]
    checked, bad = 0, []
    while not bool(state.done.all()) and int(state.turn.max()) < 500:
        playing = state.alive & ~state.done[:, None]
        moves = torch.zeros_like(state.length)
        for p, policy in enumerate(policies):
            mask = playing & (owner == p)
            if bool(mask.any()):
                moves = torch.where(mask, policy(state, mask), moves)
        ours = playing & judged
        for b in torch.nonzero(ours.any(1)).flatten().tolist():
            board = to_board(state, b)
            for s in torch.nonzero(ours[b]).flatten().tolist():
                sid, move = board.snakes[s].id, MOVES[int(moves[b, s])]
                checked += 1
                if not survives_every_reply(board, sid, move):
                    good = [m for m in MOVES if survives_every_reply(board, sid, m)]
                    if good:
                        bad.append((seed + b, board.turn, s, move, good))
        step_(state, moves, Settings())
    return checked, bad


def check_games(size: int, n: int, games: int, seed: int) -> None:
    """Game g: the default snake in seat g % n, every other seat one snake of the ladder (or
    the default snake again), cycling through them."""
    policies = [HeuristicPolicy(default_config()), *(batched_policy(n) for n in LADDER)]
    seats = []
    for g in range(games):
        row = [g // n % len(policies)] * n
        row[g % n] = 0
        seats.append(tuple(row))
    checked, bad = fatal_choices(policies, seats, size, seed)
    assert checked > 20 * games
    assert not bad, f"{len(bad)} of {checked} moves may die at once: {bad[:5]}"


@pytest.mark.parametrize(("size", "games"), [(7, 72), (11, 24)])
def test_no_move_may_die_at_once_when_one_survives_every_reply(size: int, games: int) -> None:
    check_games(size, 2, games, seed=1000 * size)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("size", "n", "games"), [(7, 2, 300), (11, 2, 150), (7, 4, 48), (11, 4, 24)]
)
def test_no_move_may_die_at_once_in_many_games(size: int, n: int, games: int) -> None:
    check_games(size, n, games, seed=1000 * size + 100 * n + 7)
