"""The README's parameter table is the one the declared space generates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_parameter_table_is_generated_from_the_space() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "param_table.py"), "--markdown"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    table = [line for line in out.splitlines() if line.startswith("|")]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(table) > 30
    assert "\n".join(table) in readme


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./run.sh" in readme and "./test.sh" in readme
    assert "bash test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
