"""A validated config of the tunable snake, and what derives from one.

``parse_config`` (and ``Config(...)``) check a mapping against the declared ``SPACE`` and name
every problem; a ``Config`` then travels as an immutable value: hashed (``config_hash``),
compared (``diff``), turned into the normalised vector optimizers work in and back
(``to_vector`` / ``from_vector``). ``format_value`` writes one value as ``config.yaml`` does.
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

import numpy as np

from .params import PARAMS, SECTIONS, SPACE, Value

__all__ = [
    "Config",
    "ConfigError",
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
    flat: Mapping[str, object], skip_sections: frozenset[str] = frozenset()
) -> tuple[dict[str, Value], list[tuple[str, str]]]:
    """Canonical values in SPACE order and every problem; missing keys of ``skip_sections``
    (already reported as a whole) are not reported again."""
    problems: list[tuple[str, str]] = [
        (
            str(key),
            f"{_name(key)}: unknown key; {_suggest(key, list(PARAMS))}"
            f"allowed keys: {', '.join(PARAMS)}",
        )
        for key in flat
        if key not in PARAMS
    ]
    out: dict[str, Value] = {}
    for p in SPACE:
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
    """An immutable, validated config: a mapping ``"section.name" -> value`` in SPACE order.

    ``Config(flat_mapping)`` validates (ConfigError on any problem); so does ``replace``."""

    __slots__ = ("_values",)
    _values: Mapping[str, Value]

    def __init__(self, values: Mapping[str, object], *, source: str = "<config>") -> None:
        checked, problems = _check_flat(values)
        if problems:
            raise ConfigError(source, problems)
        object.__setattr__(self, "_values", MappingProxyType(checked))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Config is immutable; use replace()")

    def __getitem__(self, key: str) -> Value:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(f"{_name(key)!r} is not a key; {_suggest(key, list(PARAMS))}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def __repr__(self) -> str:
        return f"Config({dict(self._values)!r})"

    def __reduce__(self) -> tuple[type[Config], tuple[dict[str, Value]]]:
        return (Config, (dict(self._values),))

    def to_dict(self) -> dict[str, Value]:
        return dict(self._values)

    def as_nested(self) -> dict[str, dict[str, Value]]:
        """``{section: {name: value}}``, the layout of ``config.yaml``."""
        nested: dict[str, dict[str, Value]] = {s: {} for s in SECTIONS}
        for p in SPACE:
            nested[p.section][p.name] = self._values[p.key]
        return nested

    def replace(self, changes: Mapping[str, object] | None = None, /, **kw: object) -> Config:
        """A new config with some keys changed, e.g. ``replace(**{"weights.space": 1.0})``."""
        return Config({**self._values, **(changes or {}), **kw})


def _section_problems(
    section: object, body: object
) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """The ``section.name -> value`` pairs of one section and the problems found in it."""
    names = [p.name for p in SPACE if p.section == section]
    if not names:
        text = (
            f"{_name(section)}: unknown section; "
            f"{_suggest(section, SECTIONS)}allowed sections: {', '.join(SECTIONS)}"
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


def parse_config(mapping: object, source: str = "<config>") -> Config:
    """A Config from ``{section: {name: value}}``; ConfigError listing every problem."""
    sections = ", ".join(SECTIONS)
    if mapping is None:
        raise ConfigError(source, [("", f"empty config; expected the sections {sections}")])
    if not isinstance(mapping, Mapping):
        raise ConfigError(
            source, [("", f"expected a mapping of the sections {sections}, got {_show(mapping)}")]
        )
    problems: list[tuple[str, str]] = []
    flat: dict[str, object] = {}
    for section, body in mapping.items():
        found, wrong = _section_problems(section, body)
        flat |= found
        problems += wrong
    missing = [s for s in SECTIONS if s not in mapping]
    problems += [
        (
            s,
            f"{s}: missing section; expected the keys "
            f"{', '.join(p.name for p in SPACE if p.section == s)}",
        )
        for s in missing
    ]
    broken = {s for s, body in mapping.items() if not isinstance(body, Mapping)}
    values, more = _check_flat(flat, skip_sections=frozenset(missing) | broken)
    problems += more
    if problems:
        raise ConfigError(source, problems)
    return Config(values, source=source)


@cache
def default_config() -> Config:
    """Every key at its declared default."""
    return Config({p.key: p.default for p in SPACE})


def to_vector(config: Config) -> np.ndarray:
    """``[n]`` float64 in [0, 1], one entry per SPACE param, in SPACE order."""
    return np.array([p.to_unit(config[p.key]) for p in SPACE], dtype=np.float64)


def from_vector(vec: Sequence[float] | np.ndarray) -> Config:
    """The valid config nearest to ``vec: [n]`` (clipped to [0, 1]); floats keep
    FLOAT_DECIMALS decimals, ints round, bools and choices snap. Only NaN/shape are errors."""
    x = np.asarray(vec, dtype=np.float64)
    if x.shape != (len(SPACE),):
        raise ValueError(f"expected a vector of shape ({len(SPACE)},), got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"vector has non-finite entries at {np.flatnonzero(~np.isfinite(x))}")
    return Config({p.key: p.from_unit(float(v)) for p, v in zip(SPACE, x, strict=True)})


def config_hash(config: Config) -> str:
    """sha256 hex of the canonical JSON (sorted keys): equal configs, equal hashes."""
    text = json.dumps(config.to_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def diff(a: Config, b: Config) -> list[tuple[str, Value, Value]]:
    """``(key, old, new)`` for every key whose value differs, in SPACE order."""
    return [(p.key, a[p.key], b[p.key]) for p in SPACE if a[p.key] != b[p.key]]
