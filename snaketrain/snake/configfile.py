"""``config.yaml`` on disk: reading it safely, validating it, writing it back.

The file is YAML as YAML 1.2 reads it (booleans only true/false, no sexagesimal or octal
surprises, "1e-5" a float, a key given twice an error), and nothing a config has no use for:
no anchors or aliases, at most ``MAX_DEPTH`` levels of nesting, ``MAX_NODES`` keys and values
and ``MAX_BYTES`` of text. Those limits are checked while the YAML is composed, before any
object is built, so a hostile file (an alias bomb, ``[[[[...]]]]``) is refused at once with
a ``ConfigError`` naming the file, the line and the problem.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent

from .config import Config, ConfigError, _clip, _show, format_value, parse_config
from .paramspace import BUILTIN, Space

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "HEADER",
    "OWN_HEADER",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "dump_config",
    "load_config",
    "parse_yaml",
]

DEFAULT_CONFIG_FILE = Path(__file__).with_name("default_config.yaml")
"""The defaults as shipped inside the package (identical to ``dump_config(default_config())``)."""

MAX_BYTES = 1 << 20
"""Largest config file ``load_config`` reads, and longest text ``parse_yaml`` takes (1 MiB;
a config.yaml is about 3 KB)."""

MAX_DEPTH = 10
"""Deepest nesting of mappings and lists (a config is 2 deep: section, then key: value)."""

MAX_NODES = 1000
"""Most YAML nodes (keys, values, sections) in one file; a config has fewer than 100."""

HEADER = """\
# Weights of the tunable snake: the values snaketrain tunes.
# Every key is required. Kinds, bounds and meanings: docs/parameters.md,
# or `python scripts/param_table.py`.
"""


OWN_HEADER = """\
# The values snaketrain tunes, in the space declared by {source}.
# Every key is required.
"""


class _Refused(yaml.YAMLError):
    """Valid YAML that a config file may not contain; ``problem_mark`` says where."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _Loader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 scalars, no duplicate keys and the limits above."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or event.anchor is not None:
            what = "alias *" if isinstance(event, AliasEvent) else "anchor &"
            raise _Refused(
                f"YAML {what}{_clip(event.anchor)}: a config file may not use anchors or "
                "aliases (& and *)",
                event.start_mark,
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(
                f"more than {MAX_NODES} YAML keys and values: a config has fewer than 100",
                event.start_mark,
            )
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)
        if self._depth >= MAX_DEPTH:
            raise _Refused(
                f"nested deeper than {MAX_DEPTH} levels: a config is 2 deep (section: key: value)",
                event.start_mark,
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML's constructors, with their plain exceptions (``!!float abc``, ``!!bool x``)
        turned into an error naming the node."""
        try:
            return super().construct_object(node, deep=deep)
        except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError):
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            what = _show(node.value) if isinstance(node, yaml.ScalarNode) else node.id
            raise yaml.constructor.ConstructorError(
                None, None, f"{what} is not a valid {_clip(tag)}", node.start_mark
            ) from None


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag.rsplit(":", 1)[-1] not in ("bool", "int", "float", "merge", "value")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if re.fullmatch(r"[-+]?[0-9]{4300,}", text):  # more digits than Python converts
        raise _Refused(
            f"an integer of {len(text.lstrip('+-')):,} digits: longer than any key allows",
            node.start_mark,
        )
    return int(text, 10)  # ValueError (``!!int 0x10``): construct_object names the node


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> Any:
    if not isinstance(node, yaml.MappingNode):  # ``!!map [1]``
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)  # raises, naming it
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str | int | float) and key in seen:
            shown = _clip(key) if isinstance(key, str) else key
            raise yaml.constructor.ConstructorError(
                None, None, f"key {shown!r} given twice", key_node.start_mark
            )
        if isinstance(key, str | int | float):
            seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def parse_yaml(text: str, source: str = "<yaml>", space: Space = BUILTIN) -> Config:
    """A Config of ``space`` from YAML text (or JSON) in the section layout; ConfigError
    naming the line if malformed or beyond the limits of this module."""
    if len(text) > MAX_BYTES:
        size = f"text is {len(text):,} characters"
        raise ConfigError(source, [("", f"{size}; a config may be at most {MAX_BYTES:,} (1 MiB)")])
    loader = None
    try:
        loader = _Loader(text)  # the reader refuses control characters here
        data = loader.get_single_data()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(e, "problem", None)
        if problem:  # "while scanning a quoted scalar, found unexpected end of stream"
            problem = ", ".join(str(t) for t in (getattr(e, "context", None), problem) if t)
        problem = _clip(" ".join(str(problem or e).split()), 200)
        kind = "" if isinstance(e, _Refused) else "malformed YAML: "
        raise ConfigError(source, [("", f"{where}{kind}{problem}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return parse_config(data, source=source, space=space)


def load_config(path: str | Path, space: Space = BUILTIN) -> Config:
    """Read and validate a config file of ``space`` (YAML, or JSON: YAML reads it);
    ConfigError (naming the file) on any problem."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                size = max(os.fstat(f.fileno()).st_size, len(data))
                limit = f"a config file may be at most {MAX_BYTES:,} bytes (1 MiB)"
                raise ConfigError(str(path), [("", f"file is {size:,} bytes; {limit}")])
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(str(path), [("", f"cannot read: {_clip(str(e), 200)}")]) from e
    return parse_yaml(text, source=str(path), space=space)


def dump_config(config: Config) -> str:
    """YAML in the section layout, keys in the order of the config's space, each with its
    allowed range (the header names the space file of a space other than the built-in one)."""
    space = config.space
    header = HEADER if space.builtin else OWN_HEADER.format(source=space.source)
    lines = [header.rstrip("\n")]
    for section, body in config.as_nested().items():
        lines += ["", f"{section}:"]
        for name, value in body.items():
            p = space[f"{section}.{name}"]
            lines.append(f"  {name}: {format_value(value)}".ljust(38) + f"  # {p.spec()}")
    return "\n".join(lines) + "\n"
