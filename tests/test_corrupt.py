"""An unreadable state file is kept for a look under the first free ``.corrupt`` name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from snaketrain.corrupt import save_corrupt_copy


def test_copies_are_numbered_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    names = [save_corrupt_copy(path, data) for data in (b"a", b"\x00b", b"")]
    assert [p.name for p in names] == ["state.json.corrupt", "state.json.corrupt.1",
                                       "state.json.corrupt.2"]  # fmt: skip
    assert [p.read_bytes() for p in names] == [b"a", b"\x00b", b""]
    assert not path.exists()  # the original is the caller's


def test_a_failed_copy_leaves_no_half_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(OSError, match="No space left"):
        save_corrupt_copy(tmp_path / "state.json", b"abc")
    assert list(tmp_path.iterdir()) == []
