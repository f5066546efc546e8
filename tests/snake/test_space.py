"""The façade: ``snaketrain.snake.space`` re-exports the public names of the space modules."""

from __future__ import annotations

from snaketrain.snake import config, configfile, paramdoc, params, space


def test_every_public_name_is_the_one_of_its_module() -> None:
    modules = (params, config, configfile, paramdoc)
    for name in space.__all__:
        owners = [m for m in modules if name in getattr(m, "__all__", vars(m))]
        assert owners, name
        assert all(getattr(space, name) is getattr(m, name) for m in owners), name


def test_the_facade_has_the_names_other_code_imports() -> None:
    assert {
        "SPACE", "PARAMS", "SECTIONS", "Param", "Value", "Config", "ConfigError",
        "parse_config", "parse_yaml", "load_config", "dump_config", "default_config",
        "config_hash", "diff", "to_vector", "from_vector", "format_value", "markdown",
        "markdown_table", "DEFAULT_CONFIG_FILE", "HEADER", "CONVENTIONS",
    } <= set(space.__all__)  # fmt: skip


def test_the_facade_holds_no_logic() -> None:
    own = [
        name
        for name, value in vars(space).items()
        if callable(value) and getattr(value, "__module__", "") == space.__name__
    ]
    assert own == []
