"""A validated config of the tunable snake, and what derives from one.

``parse_config`` (and ``Config(...)``) check a mapping against a parameter space (``Space``:
the built-in ``BUILTIN`` unless one is given) and name every problem; a ``Config`` then travels
as an immutable value that carries its space: hashed (``config_hash``), compared (``diff``),
turned into the normalised vector optimizers work in and back (``to_vector`` /
``from_vector``). ``format_value`` writes one value as ``config.yaml`` does.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import reprlib
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np

from .params import Value
from .paramspace import BUILTIN, Space

__all__ = [
    "BUILTIN",
    "Config",
    "ConfigError",
    "Space",
    "Value",
    "config_hash",
    "default_config",
    "diff",
    "format_value",
    "from_vector",
    "parse_config",
    "to_vector",
]

SHOWN_CHARS = 60
"""Longest text of a user's value or key an error message repeats (then ``...`` and the size)."""

MAX_LINES = 20
"""Most problems a ConfigError's message lists (then a line with how many more)."""


class ConfigError(ValueError):
    """A config that breaks the space. ``problems`` holds ``(key, text)``; the message has
    one line per problem: ``config.yaml: weights.space = "abc": expected a float in [...]``
    (the first ``MAX_LINES``, then a line saying how many more)."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = [f"{source}: {text}" for _, text in self.problems[:MAX_LINES]]
        if len(self.problems) > MAX_LINES:
            lines.append(f"{source}: ... and {len(self.problems) - MAX_LINES} more problems")
        super().__init__("\n".join(lines))


def format_value(value: object) -> str:
    """A config value as ``config.yaml`` writes it: ``true``, ``12.5``, ``0.00001``, ``worst``."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float):
        return np.format_float_positional(value, unique=True, trim="0")
    return str(value)


class _ShortRepr(reprlib.Repr):
    """A bounded repr in bounded time, also of huge, deep or shared structures."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxdict = 2, 4, 4, 4
        self.maxset = self.maxfrozenset = self.maxdeque = self.maxarray = 4
        self.maxstring = self.maxother = self.maxlong = SHOWN_CHARS

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 4 * SHOWN_CHARS:  # repr() refuses ints over 4300 digits
            return f"an integer of about {int(x.bit_length() * math.log10(2)) + 1:,} digits"
        return super().repr_int(x, level)


_short_repr = _ShortRepr()


def _clip(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text``, or its first ``limit`` characters, ``...`` and its length when longer."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def _show(value: object) -> str:
    """A user's value as an error message repeats it: YAML words, JSON strings, clipped."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        if len(value) <= SHOWN_CHARS:
            return json.dumps(value)
        return f'{json.dumps(value[:SHOWN_CHARS])[:-1]}..." ({len(value):,} characters)'
    text = _short_repr.repr(value)  # already short; the cut below bounds a nested one
    return text if len(text) <= 2 * SHOWN_CHARS else text[: 2 * SHOWN_CHARS] + "..."


def _name(key: object) -> str:
    """A key as a message names it (clipped: a key can be as long as the file)."""
    return _clip(str(key)) if isinstance(key, str) else _show(key)


def _suggest(name: object, allowed: Sequence[str]) -> str:
    text = str(name) if isinstance(name, str | int | float) else ""
    if not text or len(text) > SHOWN_CHARS:  # difflib is slow on long texts
        return ""
    close = difflib.get_close_matches(text, allowed, n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _check_flat(
    flat: Mapping[str, object], space: Space, skip_sections: frozenset[str] = frozenset()
) -> tuple[dict[str, Value], list[tuple[str, str]]]:
    """Canonical values in the space's order and every problem; missing keys of
    ``skip_sections`` (already reported as a whole) are not reported again."""
    keys = space.keys
    problems: list[tuple[str, str]] = [
        (
            str(key),
            f"{_name(key)}: unknown key; {_suggest(key, keys)}allowed keys: {', '.join(keys)}",
        )
        for key in flat
        if key not in space
    ]
    out: dict[str, Value] = {}
    for p in space:
        if p.key not in flat:
            if p.section not in skip_sections:
                problems.append(
                    (
                        p.key,
                        f"{p.key}: missing; expected {p.allowed()} "
                        f"(default {format_value(p.default)})",
                    )
                )
            continue
        given = flat[p.key]
        value = p.check(given)
        if value is not None:
            out[p.key] = value
            continue
        hint = ""
        if p.kind == "int" and isinstance(given, float) and given.is_integer():
            hint = f" (write {int(given)} without a decimal point)"
        problems.append((p.key, f"{p.key} = {_show(given)}: expected {p.allowed()}{hint}"))
    return out, problems


class Config(Mapping[str, Value]):
    """An immutable, validated config: a mapping ``"section.name" -> value`` in the order of
    its ``space`` (default the built-in one).

    ``Config(flat_mapping, space=...)`` validates (ConfigError on any problem); so does
    ``replace``, which keeps the space. Equal configs have equal values and equal spaces."""

    __slots__ = ("_space", "_values")
    _values: Mapping[str, Value]
    _space: Space

    def __init__(
        self, values: Mapping[str, object], *, source: str = "<config>", space: Space = BUILTIN
    ) -> None:
        checked, problems = _check_flat(values, space)
        if problems:
            raise ConfigError(source, problems)
        object.__setattr__(self, "_values", MappingProxyType(checked))
        object.__setattr__(self, "_space", space)

    @property
    def space(self) -> Space:
        """The parameter space this config was checked against."""
        return self._space

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Config is immutable; use replace()")

    def __getitem__(self, key: str) -> Value:
        try:
            return self._values[key]
        except KeyError:
            hint = _suggest(key, self._space.keys)
            raise KeyError(f"{_name(key)!r} is not a key; {hint}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __hash__(self) -> int:
        items = tuple(self._values.items())
        return hash(items) if self._space.builtin else hash((items, self._space))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Config):
            return self._values == other._values and self._space == other._space
        return super().__eq__(other)  # a plain mapping: by its items

    def __repr__(self) -> str:
        if self._space.builtin:
            return f"Config({dict(self._values)!r})"
        return f"Config({dict(self._values)!r}, space={self._space!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """The built-in space's configs pickle as they always have (stable cache keys)."""
        if self._space.builtin:
            return (Config, (dict(self._values),))
        return (_in_space, (dict(self._values), self._space))

    def to_dict(self) -> dict[str, Value]:
        return dict(self._values)

    def as_nested(self) -> dict[str, dict[str, Value]]:
        """``{section: {name: value}}``, the layout of ``config.yaml``."""
        nested: dict[str, dict[str, Value]] = {s: {} for s in self._space.sections}
        for p in self._space:
            nested[p.section][p.name] = self._values[p.key]
        return nested

    def replace(self, changes: Mapping[str, object] | None = None, /, **kw: object) -> Config:
        """A new config with some keys changed, e.g. ``replace(**{"weights.space": 1.0})``."""
        return Config({**self._values, **(changes or {}), **kw}, space=self._space)


def _in_space(values: dict[str, Value], space: Space) -> Config:
    """Unpickling a config of a space other than the built-in one."""
    return Config(values, space=space)


def _section_problems(
    section: object, body: object, space: Space
) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """The ``section.name -> value`` pairs of one section and the problems found in it."""
    names = list(space.names(section))
    if not names:
        sections = space.sections
        text = (
            f"{_name(section)}: unknown section; "
            f"{_suggest(section, sections)}allowed sections: {', '.join(sections)}"
        )
        return {}, [(str(section), text)]
    if not isinstance(body, Mapping):
        text = f"{section} = {_show(body)}: expected a mapping of the keys {', '.join(names)}"
        return {}, [(str(section), text)]
    flat: dict[str, object] = {}
    problems: list[tuple[str, str]] = []
    for name, value in body.items():
        if name in names:
            flat[f"{section}.{name}"] = value
        else:
            problems.append(
                (
                    f"{section}.{name}",
                    f"{section}.{_name(name)}: unknown key; "
                    f"{_suggest(name, names)}allowed keys in {section}: {', '.join(names)}",
                )
            )
    return flat, problems


def parse_config(mapping: object, source: str = "<config>", space: Space = BUILTIN) -> Config:
    """A Config of ``space`` from ``{section: {name: value}}``; ConfigError listing every
    problem."""
    sections = ", ".join(space.sections)
    if mapping is None:
        raise ConfigError(source, [("", f"empty config; expected the sections {sections}")])
    if not isinstance(mapping, Mapping):
        raise ConfigError(
            source, [("", f"expected a mapping of the sections {sections}, got {_show(mapping)}")]
        )
    problems: list[tuple[str, str]] = []
    flat: dict[str, object] = {}
    for section, body in mapping.items():
        found, wrong = _section_problems(section, body, space)
        flat |= found
        problems += wrong
    missing = [s for s in space.sections if s not in mapping]
    problems += [
        (s, f"{s}: missing section; expected the keys {', '.join(space.names(s))}") for s in missing
    ]
    broken = {s for s, body in mapping.items() if not isinstance(body, Mapping)}
    values, more = _check_flat(flat, space, skip_sections=frozenset(missing) | broken)
    problems += more
    if problems:
        raise ConfigError(source, problems)
    return Config(values, source=source, space=space)


@cache
def default_config(space: Space = BUILTIN) -> Config:
    """Every key of ``space`` at its declared default."""
    return Config({p.key: p.default for p in space}, space=space)


def to_vector(config: Config) -> np.ndarray:
    """``[n]`` float64 in [0, 1], one entry per param of ``config.space``, in its order."""
    return np.array([p.to_unit(config[p.key]) for p in config.space], dtype=np.float64)


def from_vector(vec: Sequence[float] | np.ndarray, space: Space = BUILTIN) -> Config:
    """The valid config of ``space`` nearest to ``vec: [n]`` (clipped to [0, 1]); floats keep
    FLOAT_DECIMALS decimals, ints round, bools and choices snap. Only NaN/shape are errors."""
    x = np.asarray(vec, dtype=np.float64)
    if x.shape != (len(space),):
        raise ValueError(f"expected a vector of shape ({len(space)},), got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"vector has non-finite entries at {np.flatnonzero(~np.isfinite(x))}")
    values = {p.key: p.from_unit(float(v)) for p, v in zip(space, x, strict=True)}
    return Config(values, space=space)


def config_hash(config: Config) -> str:
    """sha256 hex of the canonical JSON (sorted keys): equal configs, equal hashes. A config
    of a space other than the built-in one hashes its space's declarations with its values."""
    data: Any = config.to_dict()
    if not config.space.builtin:
        data = {"space": config.space.fingerprint(), "values": data}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def diff(a: Config, b: Config) -> list[tuple[str, Value, Value]]:
    """``(key, old, new)`` for every key whose value differs, in the space's order;
    ValueError for configs of two different spaces."""
    if a.space != b.space:
        raise ValueError(f"cannot compare configs of {a.space.describe()} and {b.space.describe()}")
    return [(p.key, a[p.key], b[p.key]) for p in a.space if a[p.key] != b[p.key]]
