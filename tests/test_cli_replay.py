"""``snaketrain replay FILE``: one line saying whether every turn of an official CLI output file
follows the rules (exit 0) or which turn first does not (exit 1); a file it cannot read is one
line on stderr and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from snaketrain.cli import main

DATA = Path(__file__).parent / "rules" / "data"
GAME = DATA / "official_standard_11x11_4.jsonl"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_an_official_game_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["replay", str(GAME)], capsys)
    assert (code, err) == (0, "")
    assert out == f"{GAME} (standard 11x11, 4 snakes, map standard): all 54 turns agree\n"


def test_a_changed_turn_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    objs = [json.loads(line) for line in GAME.read_text().splitlines()]
    objs[1 + 30]["board"]["snakes"][1]["health"] += 1
    path = tmp_path / "changed.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in objs))
    code, out, err = run(["replay", str(path)], capsys)
    assert (code, err) == (1, "")
    assert out.count("\n") == 1 and ": turn 30 disagrees: " in out and "health" in out


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: str(d / "missing.jsonl"), "argument FILE: no such file: "),
        (lambda d: str(d), "argument FILE: not a file: "),
        (lambda d: _write(d, "empty.jsonl", b""), "is not a Battlesnake CLI --output file: "),
        (lambda d: _write(d, "bin.jsonl", b"\xff\xfe\x00" * 9), "is not a text file (JSON lines)"),
        (
            lambda d: _write(d, "other.jsonl", b'{"a": 1}\n{"b": 2}\n{"c": 3}\n'),
            "is not a Battlesnake CLI --output file: line 1: game.ruleset: missing",
        ),
        (
            lambda d: _write(
                d, "wrapped.jsonl", GAME.read_bytes().replace(b'"standard"', b'"wrapped"', 1)
            ),
            "ruleset 'wrapped' is not replayed; supported: standard, solo",
        ),
    ],
)
def test_a_file_it_cannot_replay_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make, message: str
) -> None:
    code, out, err = run(["replay", make(tmp_path)], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("snaketrain replay: error: ")
    assert message in err


def test_an_unreadable_file_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def locked(path: object) -> None:  # as reading a file without permission fails
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("snaketrain.cli.replay.read_replay", locked)
    code, out, err = run(["replay", str(GAME)], capsys)
    assert (code, out) == (2, "")
    assert err == f"snaketrain replay: error: cannot read {GAME}: Permission denied\n"
