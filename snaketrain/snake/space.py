"""The parameter space of the tunable snake, in one import: every public name of

- ``params``: the declarations (``Param``, ``SPACE``, ``PARAMS``, ``SECTIONS``, ``CONVENTIONS``),
- ``paramspace``: a space as one value (``Space``; ``BUILTIN``, the built-in snake's),
- ``config``: a validated ``Config`` and what derives from one (``parse_config``,
  ``config_hash``, ``to_vector`` / ``from_vector``, ``diff``, ``format_value``),
- ``configfile``: ``config.yaml`` on disk (``parse_yaml``, ``load_config``, ``dump_config``),
- ``paramdoc``: the README / docs table (``markdown``, ``markdown_table``).

No logic lives here. The table: ``python scripts/param_table.py``.
"""

from __future__ import annotations

from .config import (
    Config,
    ConfigError,
    config_hash,
    default_config,
    diff,
    format_value,
    from_vector,
    parse_config,
    to_vector,
)
from .configfile import (
    DEFAULT_CONFIG_FILE,
    HEADER,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    OWN_HEADER,
    dump_config,
    load_config,
    parse_yaml,
)
from .paramdoc import markdown, markdown_table
from .params import (
    CONVENTIONS,
    FLOAT_DECIMALS,
    PARAMS,
    SECTIONS,
    SPACE,
    Kind,
    Param,
    Value,
)
from .paramspace import BUILTIN, Space

__all__ = [
    "BUILTIN",
    "CONVENTIONS",
    "DEFAULT_CONFIG_FILE",
    "FLOAT_DECIMALS",
    "HEADER",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "OWN_HEADER",
    "PARAMS",
    "SECTIONS",
    "SPACE",
    "Config",
    "ConfigError",
    "Kind",
    "Param",
    "Space",
    "Value",
    "config_hash",
    "default_config",
    "diff",
    "dump_config",
    "format_value",
    "from_vector",
    "load_config",
    "markdown",
    "markdown_table",
    "parse_config",
    "parse_yaml",
    "to_vector",
]
