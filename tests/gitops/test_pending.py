"""The pending file: an unreadable one (garbage, a JSON list, wrong field types) never
crashes the trainer; it is moved aside to ``.corrupt`` (numbered, never overwritten) with one
warning naming both files, and training goes on as if nothing were pending."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from gitkit import git, improved, make_repo, publish

from snaketrain.gitops import (
    PendingCommits,
    PendingFileError,
    PendingState,
    has_pending,
    retry_pending,
)

BROKEN = {
    "garbage": b"{not json",
    "not UTF-8": b"\xff\xfe\x00{",
    "a JSON list": b'["config_text", "messages"]\n',
    "a JSON string": b'"pending"\n',
    "config_text a number": b'{"config_text": 5, "messages": ["t\\n"]}\n',
    "messages a string": b'{"config_text": "a: 1\\n", "messages": "title"}\n',
    "messages of numbers": b'{"config_text": "a: 1\\n", "messages": [1, 2]}\n',
    "push_branch a list": b'{"push_branch": ["main"]}\n',
    "written_sha256 a dict": b'{"written_sha256": {}}\n',
}


def test_an_unreadable_pending_file_is_moved_aside(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (tmp_path / "pending.json").write_text("{not json")
    outcome = publish(repo, improved())
    assert outcome.status == "committed"
    assert (tmp_path / "pending.json.corrupt").read_text() == "{not json"
    first = outcome.message.split("; ")[0]
    assert str(tmp_path / "pending.json") in first and "not a pending-commits file" in first
    assert outcome.message.split("; ")[1] == (
        f"moved to {tmp_path / 'pending.json.corrupt'}, going on without a pending commit"
    )
    assert "committed config.yaml as" in outcome.message
    assert not has_pending(tmp_path / "pending.json")


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_pending_file_is_set_aside_on_retry_and_training_goes_on(
    tmp_path: Path, name: str
) -> None:
    repo = make_repo(tmp_path)
    pending = tmp_path / "pending.json"
    pending.write_bytes(BROKEN[name])
    head = git(repo, "rev-parse", "HEAD")
    outcome = retry_pending(repo, repo / "config.yaml", pending_path=pending, push=True)
    assert outcome is not None and outcome.status == "skipped", name
    assert not outcome.pending_commit and not outcome.pending_push
    assert len(outcome.message.splitlines()) == 1
    assert str(pending) in outcome.message and f"moved to {pending}.corrupt" in outcome.message
    assert (tmp_path / "pending.json.corrupt").read_bytes() == BROKEN[name]
    assert not pending.exists() and git(repo, "rev-parse", "HEAD") == head
    assert retry_pending(repo, repo / "config.yaml", pending_path=pending) is None  # goes on
    assert publish(repo, improved()).status == "committed"


def test_earlier_corrupt_copies_are_kept(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    pending = tmp_path / "pending.json"
    for n, data in enumerate((b"one", b"[2]", b'{"messages": 3}')):
        pending.write_bytes(data)
        outcome = retry_pending(repo, repo / "config.yaml", pending_path=pending)
        suffix = ".corrupt" + (f".{n}" if n else "")
        assert outcome is not None and f"moved to {pending}{suffix}," in outcome.message
    copies = [tmp_path / f"pending.json{s}" for s in (".corrupt", ".corrupt.1", ".corrupt.2")]
    assert [c.read_bytes() for c in copies] == [b"one", b"[2]", b'{"messages": 3}']


def test_load_reports_a_broken_file_and_changes_nothing(tmp_path: Path) -> None:
    pending = tmp_path / "pending.json"
    pending.write_bytes(b'{"messages": "title"}')
    with pytest.raises(PendingFileError, match=r"pending\.json: .*'messages' is not a list"):
        PendingCommits(pending).load()
    assert pending.read_bytes() == b'{"messages": "title"}'
    assert not (tmp_path / "pending.json.corrupt").exists()


def test_has_pending_sets_a_broken_file_aside_with_a_logged_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pending = tmp_path / "pending.json"
    pending.write_bytes(b"[]")
    with caplog.at_level(logging.WARNING):
        assert not has_pending(pending)
    assert f"moved to {pending}.corrupt" in caplog.text
    assert (tmp_path / "pending.json.corrupt").read_bytes() == b"[]"


def test_the_state_round_trips_and_unknown_keys_are_ignored(tmp_path: Path) -> None:
    store = PendingCommits(tmp_path / "results" / "pending.json")
    assert store.load() == PendingState() and store.load().empty
    state = PendingState("a: 1\n", ["t1\n", "t2\n"], "main", "ab" * 32)
    store.save(state)
    assert store.load() == state and not state.empty
    store.path.write_text('{"push_branch": "main", "from_a_later_version": 1}')
    assert store.load_or_move_aside() == (PendingState(push_branch="main"), None)
