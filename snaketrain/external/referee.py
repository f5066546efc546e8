"""The HTTP referee: whole games on the reference engine, external snakes asked over HTTP.

Each turn every living HTTP snake gets the official ``/move`` body (``rules.api``) at once, over
one client (``transport.HttpClient``: kept-alive connections), and many games run
concurrently. As the official CLI (``battlesnake play``, cli/commands/play.go) does: ``/start``
goes to every snake before turn 1 and ``/end`` to every snake after the last turn, both with
errors ignored; a
``/move`` that times out (the move timeout bounds the whole request), fails, answers a non-200
status, bad JSON or an unknown move is played as the snake's previous move (the CLI keeps
``LastMove``, initially "up"), which on a standard board is the reference engine's default move
(continue in the neck direction, else up): the referee sends it as a missing move.

A seat is an ``HttpSnake`` (one or more instances behind ``Endpoints``) or an ``InProcess``
policy (played here, as the batched path plays it). A game keeps one instance per snake; if
that instance is lost (``Endpoints.lost``: a managed process that died, now restarted) the game
is begun again from its seed, never scored half played.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from snaketrain.rules.api import board_to_api, game_to_api, snake_to_api
from snaketrain.rules.game import GameRecord
from snaketrain.rules.reference import is_game_over, step
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import MOVES, Board, Settings
from snaketrain.snake.policy import BatchedPolicy, decide

from .calls import BUCKET_MS, SnakeCalls
from .gameid import game_id
from .transport import Transport

MOVE_TIMEOUT_MS = 500


class Endpoints(Protocol):
    """The instances of one HTTP snake."""

    def urls(self) -> Sequence[str]: ...

    async def lost(self, instance: int, url: str) -> bool:
        """After a failed request to ``url`` (instance ``instance``): True if that instance
        died (and has been started again), so the game must be replayed; False for a plain
        error."""
        ...


@dataclass(frozen=True)
class Urls:
    """Fixed URLs (snakes snaketrain did not start): a failed request is only an error."""

    values: tuple[str, ...]

    def urls(self) -> Sequence[str]:
        return self.values

    async def lost(self, instance: int, url: str) -> bool:
        return False


@dataclass(frozen=True)
class HttpSnake:
    label: str
    endpoints: Endpoints
    timeout_ms: int = MOVE_TIMEOUT_MS

    @staticmethod
    def at(label: str, *urls: str, timeout_ms: int = MOVE_TIMEOUT_MS) -> HttpSnake:
        return HttpSnake(label, Urls(tuple(u.rstrip("/") for u in urls)), timeout_ms)


@dataclass(frozen=True)
class InProcess:
    label: str
    policy: BatchedPolicy


Seat = HttpSnake | InProcess


class InstanceLost(Exception):
    """The instance playing a game died; the game is replayed from its seed."""


@dataclass
class _Tally:
    ok: int = 0
    timeouts: int = 0
    errors: int = 0
    invalid: int = 0
    latency: dict[int, int] = field(default_factory=dict)

    def answered(self, seconds: float) -> None:
        bucket = int(seconds * 1000 / BUCKET_MS)
        self.latency[bucket] = self.latency.get(bucket, 0) + 1

    def calls(self, label: str, replayed: int = 0) -> SnakeCalls:
        latency = dict(sorted(self.latency.items()))
        return SnakeCalls(
            label, self.ok, self.timeouts, self.errors, self.invalid, 0, replayed, latency
        )


@dataclass
class HttpGame:
    """One game: every board, and per seat what its HTTP calls did (None: in-process)."""

    record: GameRecord
    calls: list[SnakeCalls | None]
    referee_s: float  # time spent refereeing (engine, bodies, JSON), not waiting on snakes


def parse_move(body: bytes) -> str | None:
    """The move of a ``/move`` answer, or None if it is not ``{"move": <one of MOVES>}``."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    move = value.get("move") if isinstance(value, dict) else None
    return move if move in MOVES else None


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def move_bodies(board: Board, game_json: str, you: Sequence[str]) -> list[bytes]:
    """The ``/move`` body for each snake id in ``you``: the bytes of compact
    ``json.dumps(rules.api.move_request(board, id, game))``, with the game (``game_json``, encoded
    once a game) and the board encoded once for all of them."""
    head = f'{{"game":{game_json},"turn":{board.turn},"board":{_compact(board_to_api(board))},'
    return [f'{head}"you":{_compact(snake_to_api(board.snake(i)))}}}'.encode() for i in you]


@dataclass
class Referee:
    """Plays games; one per ``play`` call or many at once with ``play_many``."""

    client: Transport
    size: int = 11
    settings: Settings = field(default_factory=Settings)
    max_turns: int = 1000

    async def _notify(self, url: str, body: bytes, timeout_s: float) -> None:
        # the official CLI logs and ignores a failed /start or /end
        with contextlib.suppress(TimeoutError, OSError):
            await self.client.post(url, body, timeout_s)

    async def _ask(
        self, seat: HttpSnake, instance: int, url: str, body: bytes, tally: _Tally
    ) -> str | None:
        t0 = time.perf_counter()
        try:
            status, answer = await self.client.post(url + "/move", body, seat.timeout_ms / 1000)
        except TimeoutError:
            tally.timeouts += 1
            return None
        except OSError as err:  # transport.TransportError included
            if await seat.endpoints.lost(instance, url):
                raise InstanceLost(url) from err
            tally.errors += 1
            return None
        tally.answered(time.perf_counter() - t0)
        if status != 200:
            tally.errors += 1
            return None
        move = parse_move(answer)
        if move is None:
            tally.invalid += 1
        else:
            tally.ok += 1
        return move

    async def play(
        self, seats: Sequence[Seat], seed: int, instances: Sequence[int] | None = None
    ) -> HttpGame:
        """Play the game of ``seed``; seat ``k``'s HTTP snake on instance ``instances[k]``
        (default 0). Replays from the seed (same instance index) while ``InstanceLost``."""
        replays = 0
        while True:
            try:
                game = await self._attempt(seats, seed, instances or [0] * len(seats))
            except InstanceLost:
                replays += 1
                continue
            if replays:
                game.calls = [
                    None if c is None else SnakeCalls(**{**c.__dict__, "replayed": replays})
                    for c in game.calls
                ]
            return game

    async def _attempt(
        self, seats: Sequence[Seat], seed: int, instances: Sequence[int]
    ) -> HttpGame:
        t_ref = time.perf_counter()
        waited = 0.0
        ids = [f"snake-{k}" for k in range(len(seats))]
        board = standard_start(self.size, ids, seed, [s.label for s in seats])
        record = GameRecord(seed=seed, settings=self.settings, boards=[board])
        urls: dict[int, tuple[int, str]] = {}
        for k, seat in enumerate(seats):
            if isinstance(seat, HttpSnake):
                endpoint_urls = seat.endpoints.urls()
                i = instances[k] % len(endpoint_urls)
                urls[k] = (i, endpoint_urls[i])
        tallies = {k: _Tally() for k in urls}
        game_json = _compact(game_to_api(game_id(seed), self.settings, self._timeout_ms(seats)))

        async def wait(*aws: Any) -> list[Any]:
            nonlocal waited
            t0 = time.perf_counter()
            out = await asyncio.gather(*aws)
            waited += time.perf_counter() - t0
            return out

        start = move_bodies(board, game_json, [ids[k] for k in urls])
        await wait(
            *(
                self._notify(u + "/start", b, 1.0)
                for (_, u), b in zip(urls.values(), start, strict=True)
            )
        )
        while not is_game_over(board):
            if board.turn >= self.max_turns:
                record.turn_limit_reached = True
                break
            alive = [k for k, s in enumerate(board.snakes) if s.alive]
            moves: dict[str, str | None] = {}
            asking = [k for k in alive if k in urls]
            bodies = move_bodies(board, game_json, [ids[k] for k in asking])
            asks = [
                self._ask(seats[k], *urls[k], b, tallies[k])  # type: ignore[arg-type]
                for k, b in zip(asking, bodies, strict=True)
            ]
            answers = iter(await wait(*asks))
            for k in alive:
                seat = seats[k]
                if isinstance(seat, InProcess):
                    t0 = time.perf_counter()
                    moves[ids[k]] = decide(seat.policy, board, ids[k], seed)
                    waited += time.perf_counter() - t0  # the snake's time, not the referee's
                else:
                    moves[ids[k]] = next(answers)
            board = step(board, moves, seed, self.settings)
            record.moves.append(moves)
            record.boards.append(board)
        end = move_bodies(board, game_json, [ids[k] for k in urls])  # the /end body: the same
        await wait(
            *(
                self._notify(u + "/end", b, 1.0)
                for (_, u), b in zip(urls.values(), end, strict=True)
            )
        )
        calls = [tallies[k].calls(s.label) if k in tallies else None for k, s in enumerate(seats)]
        return HttpGame(record, calls, time.perf_counter() - t_ref - waited)

    @staticmethod
    def _timeout_ms(seats: Sequence[Seat]) -> int:
        return max((s.timeout_ms for s in seats if isinstance(s, HttpSnake)), default=500)
