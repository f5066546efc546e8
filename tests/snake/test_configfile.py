"""config.yaml on disk: YAML 1.2 scalars, errors naming the line, dump/load identity, the
shipped files, and hostile files (alias bombs, deep nesting, huge files, huge values) refused
at once with one line naming the file and the problem."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from snaketrain.snake.config import ConfigError, default_config, from_vector
from snaketrain.snake.configfile import (
    DEFAULT_CONFIG_FILE,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    dump_config,
    load_config,
    parse_yaml,
)
from snaketrain.snake.params import SPACE

ROOT = Path(__file__).resolve().parents[2]
HEADER_LINE = "# a config"


def write(tmp_path: Path, text: str | bytes, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def refusal(path: Path) -> str:
    """The one-line message ``load_config`` refuses ``path`` with."""
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message and len(message) < 400
    return message


# --- YAML as a config reads it --------------------------------------------------------------


def test_yes_and_no_are_strings_not_bools_in_yaml(tmp_path: Path) -> None:
    text = dump_config(default_config()).replace("enabled: true", "enabled: yes")
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert 'hybrid.enabled = "yes": expected true or false' in str(info.value)


def test_nan_and_infinity_are_out_of_bounds(tmp_path: Path) -> None:
    text = dump_config(default_config()).replace("  space: 20.0", "  space: .nan")
    with pytest.raises(ConfigError, match=r"weights.space = nan: expected a float"):
        load_config(write(tmp_path, text))
    text = dump_config(default_config()).replace("  food: 12.0", "  food: .inf")
    with pytest.raises(ConfigError, match=r"weights.food = inf: expected a float"):
        load_config(write(tmp_path, text))


def test_octal_and_sexagesimal_looking_numbers_read_as_decimal() -> None:
    text = dump_config(default_config())
    config = parse_yaml(text.replace("turn_threshold: 150", "turn_threshold: 0150"))
    assert config["late_game.turn_threshold"] == 150
    with pytest.raises(ConfigError, match=r'late_game.turn_threshold = "2:30": expected'):
        parse_yaml(text.replace("turn_threshold: 150", "turn_threshold: 2:30"))
    assert parse_yaml(text.replace("  space: 20.0", "  space: 2e1"))["weights.space"] == 20.0


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "weights:\n  space: 1.0\n  food: [1, 2\ntraps: {}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line 4")
    assert "malformed YAML" in message


def test_a_key_given_twice_is_an_error_naming_its_line(tmp_path: Path) -> None:
    text = dump_config(default_config()).replace("  food: 12.0", "  space: 3.0")
    lines = text.splitlines()
    line = next(i for i, row in enumerate(lines) if row.startswith("  space: 3.0")) + 1
    with pytest.raises(ConfigError, match=rf"line {line}, column 3: .*'space' given twice"):
        load_config(write(tmp_path, text))


def test_empty_file_non_mapping_and_unreadable_file_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config.yaml: empty config; expected the sections"):
        load_config(write(tmp_path, "# nothing\n"))
    with pytest.raises(ConfigError, match="expected a mapping of the sections .* got"):
        load_config(write(tmp_path, "- 1\n- 2\n"))
    with pytest.raises(ConfigError, match="missing.yaml: cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_not_utf8_a_directory_and_two_documents_are_one_line_each(tmp_path: Path) -> None:
    assert "cannot read: 'utf-8' codec" in refusal(write(tmp_path, b"weights: \xff\n"))
    assert "cannot read: " in refusal(tmp_path)
    two = dump_config(default_config()) + "---\n" + dump_config(default_config())
    assert "expected a single document in the stream, but found another document" in refusal(
        write(tmp_path, two)
    )


def test_tags_that_build_objects_are_refused(tmp_path: Path) -> None:
    text = dump_config(default_config()).replace(
        "  space: 20.0", "  space: !!python/object/apply:os.system ['echo hi']"
    )
    assert "could not determine a constructor" in refusal(write(tmp_path, text))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('!!float "abc"', 'line 3, column 10: malformed YAML: "abc" is not a valid !!float'),
        ("!!int 0x10", 'line 3, column 10: malformed YAML: "0x10" is not a valid !!int'),
        ("!!bool maybe", 'line 3, column 10: malformed YAML: "maybe" is not a valid !!bool'),
        ("!!timestamp x", 'line 3, column 10: malformed YAML: "x" is not a valid !!timestamp'),
        ("!!map [1]", "line 3, column 10: malformed YAML: expected a mapping node, but found"),
        ("!!binary abc", "line 3, column 10: malformed YAML: failed to decode base64 data"),
    ],
)
def test_an_explicit_tag_with_a_value_it_cannot_take_names_the_line(
    value: str, message: str
) -> None:
    text = f"{HEADER_LINE}\nweights:\n  space: {value}\n"
    with pytest.raises(ConfigError) as info:
        parse_yaml(text, source="config.yaml")
    assert str(info.value).startswith(f"config.yaml: {message}")
    assert "\n" not in str(info.value)


def test_merge_keys_and_equals_signs_are_plain_strings() -> None:
    text = dump_config(default_config())
    with pytest.raises(ConfigError, match=r"weights\.<<: unknown key; allowed keys in weights"):
        parse_yaml(text.replace("  food: 12.0", "  <<: {food: 12.0}"))
    with pytest.raises(ConfigError, match=r'weights.food = "=": expected a float'):
        parse_yaml(text.replace("  food: 12.0", "  food: ="))


# --- hostile files: refused before any object is built --------------------------------------


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs": each level holds ``width`` aliases of the one before it."""
    lines = [f"lol0: &lol0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels + 1):
        refs = ", ".join([f"*lol{i - 1}"] * width)
        lines.append(f"lol{i}: &lol{i} [{refs}]")
    return "\n".join(lines) + f"\nweights: {{space: *lol{levels}}}\n"


def test_an_alias_bomb_is_refused_at_its_first_anchor(tmp_path: Path) -> None:
    bomb = alias_bomb(levels=12, width=10)  # 10**13 strings if expanded
    assert len(bomb) < 1_200
    message = refusal(write(tmp_path, bomb))
    assert message.endswith(
        "line 1, column 7: YAML anchor &lol0: a config file may not use anchors or aliases "
        "(& and *)"
    )


def test_any_anchor_or_alias_is_refused(tmp_path: Path) -> None:
    text = dump_config(default_config())
    anchored = text.replace("  space: 20.0", "  space: &w 20.0")
    assert "YAML anchor &w: a config file may not use" in refusal(write(tmp_path, anchored))
    aliased = text.replace("  food: 12.0", "  food: *w")  # also without the anchor
    assert "YAML alias *w: a config file may not use" in refusal(write(tmp_path, aliased))
    merged = "base: &b {space: 1.0}\nweights:\n  <<: *b\n"
    assert ": line 1, column 7: YAML anchor &b" in refusal(write(tmp_path, merged))


@pytest.mark.parametrize(
    "text",
    [
        "weights: " + "[" * 600 + "]" * 600 + "\n",
        "weights: " + "{a: " * 600 + "1" + "}" * 600 + "\n",
        "[" * 100_000,
        "".join(f"{'  ' * i}k{i}:\n" for i in range(600)) + "  " * 600 + "v\n",
        "".join(f"{'  ' * i}- \n" for i in range(600)),
    ],
    ids=["flow-lists", "flow-maps", "unclosed", "block-maps", "block-lists"],
)
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path, text: str) -> None:
    message = refusal(write(tmp_path, text))
    assert f"nested deeper than {MAX_DEPTH} levels: a config is 2 deep" in message
    assert ": line " in message


def test_nesting_up_to_the_limit_is_read_and_then_judged_as_a_value(tmp_path: Path) -> None:
    inner = MAX_DEPTH - 2  # the top-level mapping and the weights section are 2 levels
    text = dump_config(default_config()).replace(
        "  space: 20.0", "  space: " + "[" * inner + "1" + "]" * inner
    )
    message = refusal(write(tmp_path, text))
    assert "weights.space = [[[...]]]: expected a float in [0.0, 100.0]" in message


def test_more_keys_and_values_than_any_config_has_are_refused(tmp_path: Path) -> None:
    many_keys = "".join(f"key_{i}: 1\n" for i in range(50_000))  # ~600 KB
    assert f"more than {MAX_NODES} YAML keys and values" in refusal(write(tmp_path, many_keys))
    long_list = "weights: {space: [" + "1, " * 300_000 + "1]}\n"
    assert f"more than {MAX_NODES} YAML keys and values" in refusal(write(tmp_path, long_list))


def test_a_file_over_the_size_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    text = dump_config(default_config())
    at_limit = text + "#" * (MAX_BYTES - len(text) - 1) + "\n"
    assert len(at_limit.encode()) == MAX_BYTES
    assert load_config(write(tmp_path, at_limit)) == default_config()
    message = refusal(write(tmp_path, at_limit + "\n"))
    assert message.endswith(
        f"file is {MAX_BYTES + 1:,} bytes; a config file may be at most {MAX_BYTES:,} bytes (1 MiB)"
    )


def test_a_huge_sparse_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as f:
        f.truncate(64 << 30)  # 64 GiB of holes: reading it whole would not end well
    assert "file is 68,719,476,736 bytes; a config file may be at most" in refusal(path)


def test_parse_yaml_refuses_text_over_the_limit() -> None:
    with pytest.raises(ConfigError) as info:
        parse_yaml("#" * (MAX_BYTES + 1), source="text.yaml")
    assert str(info.value) == (
        f"text.yaml: text is {MAX_BYTES + 1:,} characters; a config may be at most "
        f"{MAX_BYTES:,} (1 MiB)"
    )


def test_a_huge_value_or_key_is_clipped_in_the_message(tmp_path: Path) -> None:
    text = dump_config(default_config())
    big = "x" * 1_000_000
    message = refusal(write(tmp_path, text.replace("  space: 20.0", f"  space: '{big}'")))
    assert f'weights.space = "{"x" * 60}..." (1,000,000 characters): expected a float' in message
    # keys longer than 1024 characters must be explicit ("? key") in YAML
    message = refusal(
        write(tmp_path, text.replace("  space: 20.0", f"  space: 20.0\n  ? {big}\n  : 1"))
    )
    assert f"weights.{'x' * 60}... (1,000,000 characters): unknown key; allowed" in message
    big = "y" * 400_000
    message = refusal(write(tmp_path, text + f"? {big}\n: 2\n? {big}\n: 1\n"))
    assert f"'{'y' * 60}... (400,000 characters)' given twice" in message


def test_a_number_too_long_to_convert_is_refused(tmp_path: Path) -> None:
    text = dump_config(default_config()).replace("  depth: 1", "  depth: " + "9" * 5000)
    assert "an integer of 5,000 digits: longer than any key allows" in refusal(
        write(tmp_path, text)
    )
    text = dump_config(default_config()).replace("  space: 20.0", "  space: 1" + "0" * 5000)
    assert "an integer of 5,001 digits" in refusal(write(tmp_path, text))
    text = dump_config(default_config()).replace("  space: 20.0", "  space: 1" + "0" * 400 + ".5")
    assert "weights.space = inf: expected a float" in refusal(write(tmp_path, text))


def test_mangled_configs_give_a_config_or_a_config_error_never_another_error() -> None:
    """Fixed-seed fuzzing: characters YAML treats specially, dropped into a valid file."""
    text = dump_config(default_config())
    alphabet = list("[]{}:-?&*!|>'\"%@`#,\t\n\\ 0.eE+") + ["\x00", "\ufeff", "é", "<<", "="]
    alphabet += [f"!!{tag} " for tag in ("int", "float", "bool", "map", "seq", "set", "omap")]
    alphabet += ["!!timestamp ", "!!binary ", "!!str ", "!!null ", "!!pairs ", "--- ", "... "]
    rng = np.random.default_rng(2024)
    outcomes = {"config": 0, "error": 0}
    for _ in range(300):
        chars = list(text)
        for _ in range(int(rng.integers(1, 6))):
            at = int(rng.integers(0, len(chars) + 1))
            chars[at:at] = list(alphabet[int(rng.integers(0, len(alphabet)))])
        try:
            parse_yaml("".join(chars), source="fuzz.yaml")
        except ConfigError as e:
            assert str(e).startswith("fuzz.yaml: ")
            outcomes["error"] += 1
        else:
            outcomes["config"] += 1
    assert outcomes["error"] > 100 and outcomes["config"] > 0


# --- the CLI on a hostile file: exit 2 and one line -----------------------------------------


@pytest.mark.parametrize("command", ["train", "bench"])
@pytest.mark.parametrize("fault", ["alias-bomb", "deep"])
def test_the_cli_refuses_a_hostile_config_with_exit_2_and_one_line(
    tmp_path: Path, command: str, fault: str
) -> None:
    repo = tmp_path / "snake"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    text = alias_bomb() if fault == "alias-bomb" else "weights: " + "[" * 600 + "]" * 600
    (repo / "bad.yaml").write_text(text, encoding="utf-8")
    args = {
        "train": ["train", "--repo", str(repo), "--config", "bad.yaml"],
        "bench": ["bench", "--config", str(repo / "bad.yaml"), "--vs", "random-safe"],
    }[command]
    args += ["--results", str(tmp_path / "results")] if command == "train" else ["--games", "2"]
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "snaketrain", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"snaketrain {command}: error: ")
    assert "bad.yaml: line 1, column " in line
    assert ("YAML anchor &lol0" if fault == "alias-bomb" else "nested deeper than") in line
    assert not (tmp_path / "results").exists()


# --- dump and files -------------------------------------------------------------------------


def test_dump_then_load_is_identity(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    for config in [default_config()] + [from_vector(rng.random(len(SPACE))) for _ in range(20)]:
        text = dump_config(config)
        assert load_config(write(tmp_path, text)) == config
        assert dump_config(parse_yaml(text)) == text


def test_dump_is_readable_yaml_in_the_section_layout() -> None:
    text = dump_config(default_config().replace(**{"weights.space": 0.00001}))
    assert text.startswith("# ")
    assert "\nweights:\n  space: 0.00001 " in text
    assert "  enabled: true " in text and "  reply_model: worst " in text
    assert "  max_nodes: 1024 " in text and "# int [16, 65536], log scale" in text


def test_repo_config_and_packaged_default_equal_the_generated_dump() -> None:
    expected = dump_config(default_config())
    assert (ROOT / "config.yaml").read_text() == expected
    assert DEFAULT_CONFIG_FILE.read_text() == expected
    assert load_config(DEFAULT_CONFIG_FILE) == default_config()
