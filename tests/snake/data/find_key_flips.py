"""Find, for every key of the parameter space, a position where changing that key from its
default changes the move of the heuristic snake; write ``key_flips.json`` beside this file.

    .venv/bin/python tests/snake/data/find_key_flips.py

Positions come from short games between the ladder snakes and the default snake (fixed seeds),
on 7x7 and 11x11 boards with 2, 4 and 8 snakes (with 8 the default search is cut to depth 0 by
search.max_nodes). From a standard start every two heads stay an even distance apart after each
full turn, so only depth 0 scores a head next to another, and there the snake never enters a
cell next to a head at least as long while a move that survives every reply exists: the last
group starts with one snake moved one cell, so that searched boards can hold such heads.
Each key is tried at a few values (its bounds, double and half its default, the other choice)
on every position at once; the first position whose move changes is kept, after checking it
again through ``decide`` on the single board.
Run it again whenever the defaults change (``tests/snake/test_heuristic.py`` says so);
``--missing`` searches only the keys the file lacks or that no longer flip, and keeps the rest.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from snaketrain.rules.api import board_from_api, board_to_api
from snaketrain.rules.batched import from_boards, step_, to_board
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import Board, Point, Settings
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.policy import decide
from snaketrain.snake.registry import LADDER, batched_policy
from snaketrain.snake.space import SPACE, Config, Param, default_config

OUT = Path(__file__).with_name("key_flips.json")
GROUPS = [(11, 2, 40), (7, 2, 24), (11, 4, 24), (11, 8, 12), (11, 2, 40, True)]
"""size, snakes, games (, snake 1 starts one cell to the side: odd head parity)"""
TURNS = 260
EVERY = 7


def shifted(board: Board) -> Board:
    """``board`` with snake 1 (stacked at its start) one cell toward the centre column."""
    s = board.snakes[1]
    x = s.body[0].x + (1 if s.body[0].x < board.width // 2 else -1)
    s.body = [Point(x, p.y) for p in s.body]
    board.food = [f for f in board.food if f != s.body[0]]
    return board


def positions(size: int, n: int, games: int, shift: bool = False) -> list[Board]:
    """Boards sampled every EVERY turns from games of mixed snakes."""
    ids = [f"snake-{i}" for i in range(n)]
    seeds = [1000 * size + 100 * n + g + 500 * shift for g in range(games)]
    starts = [standard_start(size, ids, s) for s in seeds]
    state = from_boards([shifted(b) for b in starts] if shift else starts, seeds)
    players = [HeuristicPolicy(default_config()), *(batched_policy(r) for r in LADDER)]
    seat_of = torch.tensor([[(g + s) % len(players) for s in range(n)] for g in range(games)])
    boards = []
    for t in range(TURNS):
        if bool(state.done.all()):
            break
        if t % EVERY == EVERY - 1:
            boards += [to_board(state, b) for b in range(games) if not state.done[b]]
        moves = torch.zeros_like(state.length)
        for p, pol in enumerate(players):
            mask = state.alive & (seat_of == p) & ~state.done[:, None]
            if bool(mask.any()):
                moves = torch.where(mask, pol(state, mask), moves)
        step_(state, moves, Settings())
    return boards


def trial_values(p: Param) -> list[object]:
    if p.kind == "bool":
        return [not p.default]
    if p.kind == "choice":
        return [c for c in p.choices if c != p.default]
    lo, hi, d = p.low, p.high, p.default
    vals = [hi, lo, min(hi, max(lo, d * 2)), min(hi, max(lo, d / 2)), min(hi, d + 1)]
    cast = (lambda v: int(round(v))) if p.kind == "int" else float
    vals = [cast(v) for v in vals]
    return [v for v in dict.fromkeys(vals) if v != d]


def still_flips(row: dict[str, object]) -> bool:
    board = board_from_api(row["board"], turn=int(row["turn"]))
    base = default_config()
    other = base.replace({str(row["key"]): row["value"]})
    you, seed = str(row["you"]), int(row["seed"])
    return decide(HeuristicPolicy(base), board, you, seed) != decide(
        HeuristicPolicy(other), board, you, seed
    )


def main() -> None:
    base = default_config()
    found: dict[str, dict[str, object]] = {}
    if "--missing" in sys.argv and OUT.exists():
        found = {r["key"]: r for r in json.loads(OUT.read_text()) if still_flips(r)}
    todo = [p for p in SPACE if p.key not in found]
    print("searching:", [p.key for p in todo], flush=True)
    pools = [positions(*g) for g in GROUPS]
    print("positions:", [len(p) for p in pools], flush=True)
    states = [from_boards(p, list(range(len(p)))) for p in pools]
    default_moves = []
    me = HeuristicPolicy(base)
    for st in states:
        mask = st.alive & ~st.done[:, None]
        default_moves.append((mask, me(st, mask)))
    for p in todo:
        for value in trial_values(p):
            cfg: Config = base.replace({p.key: value})
            other = HeuristicPolicy(cfg)
            for pool, st, (mask, mv) in zip(pools, states, default_moves, strict=True):
                moved = other(st, mask)
                hits = torch.nonzero(mask & (moved != mv)).tolist()
                for b, s in hits[:5]:
                    # as the test will read it: the API board (living snakes only)
                    board = board_from_api(board_to_api(pool[b]), turn=pool[b].turn)
                    sid = pool[b].snakes[s].id
                    was, now = decide(me, board, sid, b), decide(other, board, sid, b)
                    if was != now:
                        found[p.key] = {
                            "key": p.key,
                            "value": value,
                            "seed": b,
                            "you": sid,
                            "turn": board.turn,
                            "board": board_to_api(board),
                            "default_move": was,
                            "changed_move": now,
                        }
                        break
                if p.key in found:
                    break
            if p.key in found:
                break
        print(p.key, "->", found.get(p.key, {}).get("value", "NOT FOUND"), flush=True)
    OUT.write_text(json.dumps([found[p.key] for p in SPACE if p.key in found], indent=1) + "\n")
    missing = [p.key for p in SPACE if p.key not in found]
    print(f"wrote {OUT} ({len(found)} keys); missing: {missing}")


if __name__ == "__main__":
    main()
