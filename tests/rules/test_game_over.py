"""Game over, written from the rules: the standard ruleset ends a game when at most one snake is
left (official GameOverStandard), a single-snake game included; the solo ruleset when its snake
is gone (official GameOverSolo, which the CLI uses for a single snake: ``WithSolo(urls < 2)``)."""

from __future__ import annotations

import pytest
from boardkit import board, snake

from snaketrain.rules.game import play_game
from snaketrain.rules.reference import is_game_over
from snaketrain.rules.types import HEAD_COLLISION, OUT_OF_HEALTH, Board, Settings
from snaketrain.snake.random_safe import random_safe

DEAD = OUT_OF_HEALTH


def snakes_with(alive: list[bool]) -> Board:
    return board(
        [snake(f"s{i}", [(i, 0), (i, 1)], cause="" if ok else DEAD) for i, ok in enumerate(alive)]
    )


@pytest.mark.parametrize(
    ("alive", "over"),
    [
        ([True], False),  # solo, alive
        ([False], True),  # solo, gone
        ([True, True], False),
        ([True, False], True),  # one left: over
        ([False, True], True),
        ([False, False], True),  # none left: over (a draw)
        ([True, True, False], False),
        ([True, False, False], True),
        ([True, True, True, True], False),
        ([False, True, False, True], False),
        ([False, False, False, False], True),
    ],
)
def test_is_game_over(alive: list[bool], over: bool) -> None:
    assert is_game_over(snakes_with(alive), solo=len(alive) == 1) is over


@pytest.mark.parametrize(
    ("alive", "over"), [([True], True), ([False], True), ([True, True], False), ([], True)]
)
def test_the_standard_ruleset_ends_a_single_snake_game_at_once(
    alive: list[bool], over: bool
) -> None:
    assert is_game_over(snakes_with(alive)) is over


@pytest.mark.parametrize(
    ("alive", "over"), [([True], False), ([True, False], False), ([False, False], True)]
)
def test_the_solo_ruleset_goes_on_while_a_snake_is_alive(alive: list[bool], over: bool) -> None:
    assert is_game_over(snakes_with(alive), solo=True) is over


def test_a_single_snake_standard_game_is_over_at_turn_zero() -> None:
    record = play_game([random_safe], size=7, seed=2, solo=False)
    assert [b.turn for b in record.boards] == [0]
    assert record.final.alive_snakes and record.moves == []
    assert record.winner is None and not record.is_draw


def test_a_two_snake_game_ends_when_one_snake_is_left() -> None:
    record = play_game([random_safe, random_safe], size=7, seed=5)
    final = record.final
    assert len(final.alive_snakes) <= 1
    assert all(len(b.alive_snakes) == 2 for b in record.boards[:-1])
    assert final.turn == len(record.boards) - 1
    if record.winner is None:
        assert record.is_draw and final.alive_snakes == []
    else:
        assert [s.id for s in final.alive_snakes] == [record.winner]


def test_a_solo_game_goes_on_until_its_snake_is_gone() -> None:
    record = play_game([random_safe], size=7, seed=2)
    assert record.final.alive_snakes == []
    assert all(b.alive_snakes for b in record.boards[:-1])
    assert record.winner is None and not record.is_draw


def test_a_head_on_tie_is_a_draw() -> None:
    start = board([snake("a", [(2, 3), (1, 3), (0, 3)]), snake("b", [(4, 3), (5, 3), (6, 3)])])
    record = play_game(
        [lambda b, s, seed: "right", lambda b, s, seed: "left"],
        start=start,
        settings=Settings(minimum_food=0, food_spawn_chance=0),
    )
    assert record.final.turn == 1
    assert [s.eliminated_cause for s in record.final.snakes] == [HEAD_COLLISION] * 2
    assert record.winner is None and record.is_draw


def test_the_turn_limit_ends_a_game_as_a_draw() -> None:
    record = play_game([random_safe, random_safe], size=11, seed=3, max_turns=4)
    assert record.final.turn == 4
    assert len(record.final.alive_snakes) == 2
    assert record.turn_limit_reached
    assert record.winner is None and record.is_draw
