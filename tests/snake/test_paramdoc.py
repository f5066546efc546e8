"""The parameter table: generated from the space, the same in the README and the docs, and
``scripts/param_table.py`` prints it, rewrites the docs and checks config files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from snaketrain.snake.config import default_config
from snaketrain.snake.configfile import dump_config
from snaketrain.snake.paramdoc import (
    markdown,
    markdown_table,
    parameters_page,
    with_readme_section,
)
from snaketrain.snake.params import CONVENTIONS, SPACE

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "param_table.py"


def script(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": ""}  # the script finds the package of its own checkout
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_table_has_one_row_per_key_with_its_kind_range_default_and_meaning() -> None:
    table = markdown_table().splitlines()
    assert len(table) == 2 + len(SPACE)
    assert table[2].startswith("| `weights.space` | float | [0.0, 100.0] | `20.0` | bonus")
    assert "| `search.max_nodes` | int | [16, 65536], log scale | `1024` |" in markdown_table()
    assert "| `hybrid.enabled` | bool | `true`, `false` | `true` |" in markdown_table()
    assert "| `search.reply_model` | choice | `worst`, `average` | `worst` |" in markdown_table()
    assert markdown() == f"Conventions:\n\n{CONVENTIONS}\n{markdown_table()}"


def test_docs_page_and_readme_section_are_the_generated_ones() -> None:
    assert (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8") == parameters_page()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_readme_section(readme) == readme
    assert markdown() in readme


def test_with_readme_section_replaces_only_that_section() -> None:
    readme = "# T\n\n### Parameters\n\nold table\n\n## Next\n\nkept\n"
    new = with_readme_section(readme)
    assert new.startswith("# T\n\n### Parameters\n\nGenerated from `snaketrain/snake/params.py`")
    assert new.endswith(f"{markdown()}\n## Next\n\nkept\n")
    assert "old table" not in new
    assert with_readme_section(new) == new
    with pytest.raises(ValueError, match="no line '### Parameters'"):
        with_readme_section("# no such section\n")


def test_the_script_prints_the_section_by_default_and_with_markdown() -> None:
    for args in ([], ["--markdown"]):
        done = script(*args)
        assert done.returncode == 0, done.stderr
        assert done.stdout == markdown()


def test_the_script_prints_the_defaults() -> None:
    done = script("--defaults")
    assert done.returncode == 0 and done.stdout == dump_config(default_config())


def test_cli_check_reports_problems(tmp_path: Path) -> None:
    good = tmp_path / "config.yaml"
    good.write_text(dump_config(default_config()))
    done = script("--check", str(good))
    assert done.returncode == 0
    assert "ok (" in done.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(dump_config(default_config()).replace("depth: 1", "depth: 1.0"))
    done = script("--check", str(good), str(bad))
    assert done.returncode == 1
    assert "search.depth = 1.0: expected an integer" in done.stderr
    assert done.stdout.count("ok (") == 1


def test_the_script_rewrites_stale_docs_and_leaves_fresh_ones(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "parameters.md").write_text("stale\n")
    (tmp_path / "README.md").write_text("# R\n\n### Parameters\n\nstale\n\n## After\n")
    done = script("--write", "--root", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("rewrote ") == 2
    assert (tmp_path / "docs" / "parameters.md").read_text() == parameters_page()
    assert markdown() in (tmp_path / "README.md").read_text()
    again = script("--write", "--root", str(tmp_path))
    assert again.stdout == "docs already up to date\n"
    (tmp_path / "README.md").write_text("# no parameters section\n")
    failed = script("--write", "--root", str(tmp_path))
    assert failed.returncode == 1
    assert failed.stderr.splitlines() == [
        "param_table: cannot write the docs: the README has no line '### Parameters'"
    ]
