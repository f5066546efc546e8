"""Many games on the batched engine: a fixed number of slots, refilled as games finish.

Each game is a ``GameSpec``: its seed and which policy sits in each seat. Results come back in
the order of the specs whatever the batch size or device, because every random choice of a game
is drawn from its own seed; so shards of a list of specs merge into exactly the single-run
result. Policies that are members of one family (``policy.Member``: many heuristic configs,
say) are asked in one call a turn, each seat playing its own member.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from snaketrain.arena.shutdown import ExitingError, exiting
from snaketrain.rules.batched import BatchState, Geometry, ring_capacity, standard_starts, step_
from snaketrain.rules.start import check_start
from snaketrain.rules.types import Settings
from snaketrain.snake.compiled_policy import fast_policies, fast_step_
from snaketrain.snake.policy import BatchedPolicy, play_seats


@dataclass(frozen=True)
class GameSpec:
    seed: int
    seats: tuple[int, ...]  # seats[s] = index of the policy that plays seat s


@dataclass
class GameResults:
    """One row per game, in spec order. Arrays are numpy so results pickle and merge cheaply."""

    seeds: np.ndarray  # [N] int64
    seats: np.ndarray  # [N, S] policy index per seat
    winner: np.ndarray  # [N] winning seat, -1 for a draw (or a solo game)
    turns: np.ndarray  # [N] turns played
    cause: np.ndarray  # [N, S] elimination cause code (index into rules.types.CAUSES)
    elim_turn: np.ndarray  # [N, S]
    length: np.ndarray  # [N, S] final length
    turn_limit: np.ndarray  # [N] bool: stopped by max_turns

    def __len__(self) -> int:
        return int(self.seeds.shape[0])

    @staticmethod
    def concat(parts: Sequence[GameResults]) -> GameResults:
        return GameResults(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in GameResults.__dataclass_fields__
            )
        )


def _start_states(
    specs: Sequence[GameSpec], size: int, n_snakes: int, capacity: int, device: str
) -> BatchState:
    seeds = torch.tensor([s.seed for s in specs], dtype=torch.long)
    return standard_starts(size, n_snakes, seeds, device=device, capacity=capacity)


def run_games(
    specs: Sequence[GameSpec],
    policies: Sequence[BatchedPolicy],
    size: int = 11,
    settings: Settings | None = None,
    batch_size: int = 1024,
    device: str = "cpu",
    max_turns: int = 1000,
    progress: Callable[[int], None] | None = None,
    compiled: bool | None = None,
) -> GameResults:
    """Play every spec to the end (or ``max_turns``: a draw). ``progress(k)`` is called with the
    number of games finished since the last call. ``compiled`` (default: on the CPU) steps the
    games with the compiled engine and plays heuristic and random-safe seats with their
    compiled forms (``snake.compiled_policy``): the same games, several times faster. Raises
    ``ExitingError`` between turns once the process is exiting (``arena.shutdown``)."""
    if not specs:
        raise ValueError("run_games needs at least one game")
    n_snakes = len(specs[0].seats)
    check_start(size, size, n_snakes)
    for spec in specs:
        if len(spec.seats) != n_snakes:
            raise ValueError("every game of one run must have the same number of snakes")
        if any(not 0 <= p < len(policies) for p in spec.seats):
            raise ValueError(
                f"seat assignment {spec.seats} names a policy outside 0..{len(policies) - 1}"
            )
    settings = settings or Settings()
    if compiled is None:
        compiled = torch.device(device).type == "cpu"
    step = fast_step_ if compiled else step_
    if compiled:
        policies = fast_policies(policies)
    N, S = len(specs), n_snakes
    capacity = ring_capacity(Geometry(size, size))
    seats_all = torch.tensor([s.seats for s in specs], dtype=torch.long, device=device)

    out_winner = np.full(N, -1, dtype=np.int64)
    out_turns = np.zeros(N, dtype=np.int64)
    out_cause = np.zeros((N, S), dtype=np.int64)
    out_elim = np.zeros((N, S), dtype=np.int64)
    out_length = np.zeros((N, S), dtype=np.int64)
    out_limit = np.zeros(N, dtype=bool)

    first = min(batch_size, N)
    state = _start_states(specs[:first], size, S, capacity, device)
    game_of_slot = torch.arange(first, device=device)  # which spec each slot plays; -1: idle
    next_game = first
    while True:
        live = game_of_slot >= 0
        state.done |= ~live
        capped = live & ~state.done & (state.turn >= max_turns)
        finished = live & (state.done | capped)
        if finished.any():
            slots = torch.nonzero(finished).flatten()
            games = game_of_slot[slots].cpu().numpy()
            out_winner[games] = torch.where(capped[slots], -1, state.winners()[slots]).cpu().numpy()
            out_turns[games] = state.turn[slots].cpu().numpy()
            out_cause[games] = state.cause[slots].cpu().numpy()
            out_elim[games] = state.elim_turn[slots].cpu().numpy()
            out_length[games] = state.length[slots].cpu().numpy()
            out_limit[games] = capped[slots].cpu().numpy()
            if progress is not None:
                progress(len(games))
            refill = slots[: max(0, min(len(slots), N - next_game))]
            if len(refill):
                new = specs[next_game : next_game + len(refill)]
                state.load_(refill, _start_states(new, size, S, capacity, device))
                game_of_slot[refill] = torch.arange(
                    next_game, next_game + len(refill), device=device
                )
                next_game += len(refill)
            idle = slots[len(refill) :]
            game_of_slot[idle] = -1
            state.done[idle] = True
        if not bool((game_of_slot >= 0).any()):
            break
        if exiting():
            raise ExitingError("this process is exiting: games abandoned")
        playing = (game_of_slot >= 0) & ~state.done
        seat_policy = seats_all[game_of_slot.clamp(min=0)]  # [B, S]
        moves = play_seats(policies, state, seat_policy, playing[:, None] & state.alive)
        step(state, moves, settings)
    return GameResults(
        seeds=np.array([s.seed for s in specs], dtype=np.int64),
        seats=seats_all.cpu().numpy(),
        winner=out_winner,
        turns=out_turns,
        cause=out_cause,
        elim_turn=out_elim,
        length=out_length,
        turn_limit=out_limit,
    )
