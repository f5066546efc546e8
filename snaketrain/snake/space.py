"""The parameter space of the tunable snake: every key of ``config.yaml``, validated.

``SPACE`` declares each tunable value once (section, name, kind, bounds, default, meaning).
Everything else derives from it: loading and validating a config, writing it back, the flat
normalised vector that optimizers and the NN work in, and the README table.

The meanings use the words defined in ``CONVENTIONS`` (the policy implements exactly
what they say).

Run ``python -m snaketrain.snake.space --markdown`` for the table of all parameters.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import math
import numbers
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import yaml

Kind = Literal["float", "int", "bool", "choice"]
Value = float | int | bool | str

FLOAT_DECIMALS = 4
"""``from_vector`` rounds floats to this many decimals, so tuned configs stay readable."""

DEFAULT_CONFIG_FILE = Path(__file__).with_name("default_config.yaml")
"""The defaults as shipped inside the package (identical to ``dump_config(default_config())``)."""

CONVENTIONS = """\
- A move's score is the sum of its bonuses minus its penalties (every weight is >= 0); the
  best-scoring move that does not die at once is played.
- *After the move*: our snake has advanced into the target cell (the *new head*), its tail
  freed unless it eats; enemies stay where they stand.
- *Reachable area*: the cells reachable from a head by 4-neighbour steps through cells that no
  snake body occupies after the move, the head itself not counted.
- *Length*: number of body segments. *Board cells*: width x height (121 on 11x11).
  *Distance* and *steps*: Manhattan unless BFS steps are named. *Enemy*: any other live snake.
- *Penalties* are weights.head_collision, weights.wall_penalty and traps.{moderate, severe,
  critical, food_trap}; every other weight is a bonus.
"""

_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Param:
    """One tunable value: ``key`` is ``"section.name"``; ``low``/``high`` bound int and float."""

    section: str
    name: str
    kind: Kind
    default: Value
    meaning: str
    low: float = 0.0  # int and float only
    high: float = 0.0
    choices: tuple[str, ...] = ()
    log: bool = False  # normalise on a log scale (wide positive ranges)

    def __post_init__(self) -> None:
        where = f"Param {self.section}.{self.name}"
        if not (_NAME.fullmatch(self.section) and _NAME.fullmatch(self.name)):
            raise ValueError(f"{where}: section and name must match {_NAME.pattern}")
        if not self.meaning or "\n" in self.meaning:
            raise ValueError(f"{where}: meaning must be one non-empty line")
        if self.kind in ("float", "int"):
            if not self.low < self.high:
                raise ValueError(f"{where}: needs low < high")
            if self.log and self.low <= 0:
                raise ValueError(f"{where}: a log scale needs low > 0")
        elif self.kind == "choice":
            if not self.choices or len(set(self.choices)) != len(self.choices):
                raise ValueError(f"{where}: needs distinct choices")
            bad = [c for c in self.choices if not _NAME.fullmatch(c) or c in ("true", "false")]
            if bad:
                raise ValueError(f"{where}: choices must be plain names, got {bad}")
        elif self.kind != "bool":
            raise ValueError(f"{where}: unknown kind {self.kind!r}")
        if self.check(self.default) is None:
            raise ValueError(f"{where}: default {self.default!r} is not {self.allowed()}")

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"

    def allowed(self) -> str:
        """What this parameter accepts, in words: ``a float in [0.0, 50.0]``."""
        if self.kind == "float":
            return f"a float in [{float(self.low)!r}, {float(self.high)!r}]"
        if self.kind == "int":
            return f"an integer in [{int(self.low)}, {int(self.high)}]"
        if self.kind == "bool":
            return "true or false"
        return "one of: " + ", ".join(self.choices)

    def check(self, value: object) -> Value | None:
        """The value in canonical form (ints given for floats become floats), or None."""
        if self.kind == "bool":
            return bool(value) if isinstance(value, bool | np.bool_) else None
        if self.kind == "choice":
            return value if isinstance(value, str) and value in self.choices else None
        if isinstance(value, bool | np.bool_):
            return None
        v: float
        if self.kind == "int":
            if not isinstance(value, numbers.Integral):
                return None
            v = int(value)
        elif isinstance(value, numbers.Real):
            try:
                v = float(value) + 0.0  # + 0.0 turns -0.0 into 0.0 (stable hashes)
            except OverflowError:
                return None
        else:
            return None
        return v if self.low <= v <= self.high else None  # NaN fails both comparisons

    def to_unit(self, value: Value) -> float:
        """``value`` (valid) mapped to [0, 1]."""
        if self.kind == "bool":
            return 1.0 if value else 0.0
        if self.kind == "choice":
            n = len(self.choices)
            return self.choices.index(str(value)) / (n - 1) if n > 1 else 0.0
        lo, hi, v = float(self.low), float(self.high), float(value)
        if self.log:
            return math.log(v / lo) / math.log(hi / lo)
        return (v - lo) / (hi - lo)

    def from_unit(self, x: float) -> Value:
        """The valid value nearest to position ``x`` (clipped to [0, 1]) of the range."""
        x = min(max(float(x), 0.0), 1.0)
        if self.kind == "bool":
            return x >= 0.5
        if self.kind == "choice":
            return self.choices[math.floor(x * (len(self.choices) - 1) + 0.5)]
        lo, hi = float(self.low), float(self.high)
        v = lo * (hi / lo) ** x if self.log else lo + x * (hi - lo)
        if self.kind == "int":
            return min(max(math.floor(v + 0.5), math.ceil(lo)), math.floor(hi))
        return min(max(round(v, FLOAT_DECIMALS), lo), hi) + 0.0


def _f(key: str, low: float, high: float, default: float, meaning: str, log: bool = False) -> Param:
    section, name = key.split(".")
    return Param(section, name, "float", float(default), meaning, float(low), float(high), log=log)


def _i(key: str, low: int, high: int, default: int, meaning: str, log: bool = False) -> Param:
    section, name = key.split(".")
    return Param(section, name, "int", default, meaning, low, high, log=log)


def _b(key: str, default: bool, meaning: str) -> Param:
    section, name = key.split(".")
    return Param(section, name, "bool", default, meaning)


def _c(key: str, choices: tuple[str, ...], default: str, meaning: str) -> Param:
    section, name = key.split(".")
    return Param(section, name, "choice", default, meaning, choices=choices)


# fmt: off
def _pursuit(k: int, high: float, default: float) -> Param:
    return _f(f"pursuit.distance_{k}", 0, high, default,
              f"bonus for each strictly shorter enemy whose head is exactly {k} "
              f"step{'s' * (k > 1)} (Manhattan) from our new head")


SPACE: tuple[Param, ...] = (
    _f("weights.space", 0, 100, 20,
       "bonus x our reachable area after the move / board cells"),
    _f("weights.food", 0, 100, 12,
       "bonus x urgency / (1 + d), d = BFS steps from the new head to the nearest reachable "
       "food (0 if the move eats), urgency from food_urgency; no reachable food: 0"),
    _f("weights.head_collision", 0, 500, 100,
       "penalty when the new head is adjacent to the head of an enemy at least as long as us "
       "(it can move into the same cell: head-to-head loss or tie)"),
    _f("weights.center_control", 0, 20, 2,
       "bonus x (1 - distance from the new head to the board centre / the largest such "
       "distance on the board)"),
    _f("weights.wall_penalty", 0, 20, 1.5,
       "penalty when the new head is on the board's outer ring (x or y is 0 or the last index)"),
    _f("weights.cutoff", 0, 100, 10,
       "bonus x (reachable area of the enemy whose head is nearest our new head, before the "
       "move minus after it) / board cells; may be negative"),
    _f("weights.straight_movement", 0, 10, 0.5,
       "bonus when the move keeps the direction from our neck to our head (none while stacked)"),
    _f("weights.territory", 0, 100, 15,
       "bonus x cells strictly closer (BFS steps through free cells) to our new head than to "
       "every enemy head / board cells"),

    _f("traps.moderate", 0, 200, 20,
       "penalty when our reachable area after the move is below 2 x own length (unless a more "
       "severe trap applies)"),
    _f("traps.severe", 0, 500, 60,
       "penalty, replacing traps.moderate, when our reachable area after the move is below "
       "own length"),
    _f("traps.critical", 0, 1000, 250,
       "penalty, replacing traps.severe, when our reachable area after the move is below half "
       "own length"),
    _f("traps.food_trap", 0, 200, 30,
       "penalty, added to any other trap penalty, when the move eats and our reachable area "
       "after it is below traps.food_trap_threshold x own length after eating"),
    _f("traps.food_trap_threshold", 0.5, 5, 1.5,
       "area / length ratio below which eating counts as a food trap (see traps.food_trap)"),

    _pursuit(1, 100, 15),
    _pursuit(2, 50, 6),
    _pursuit(3, 50, 3),
    _pursuit(4, 50, 1.5),
    _pursuit(5, 50, 0.5),

    _f("food_urgency.normal", 0, 5, 1,
       "urgency multiplier of weights.food while our health is above food_urgency.low_health"),
    _f("food_urgency.low", 0, 10, 2.5,
       "urgency multiplier when health <= food_urgency.low_health and no critical urgency "
       "applies"),
    _f("food_urgency.critical", 0, 20, 6,
       "urgency multiplier when health <= food_urgency.critical_health (takes precedence "
       "over low)"),
    _i("food_urgency.low_health", 0, 100, 50,
       "health (before the move) at or below which food_urgency.low applies instead of normal"),
    _i("food_urgency.critical_health", 0, 100, 20,
       "health (before the move) at or below which food_urgency.critical applies (checked "
       "before low_health)"),

    _f("trapping.weight", 0, 200, 40,
       "bonus for each enemy whose reachable area after our move is below "
       "trapping.trapped_ratio x its length"),
    _f("trapping.space_cutoff_threshold", 0.5, 5, 1.5,
       "trapping.weight counts only when our reachable area after the move is at least this "
       "x own length"),
    _f("trapping.trapped_ratio", 0.25, 3, 1,
       "an enemy counts as trapped when its reachable area is below this x its length"),

    _i("late_game.turn_threshold", 0, 1000, 150,
       "from this turn on (turn >= value) every penalty is multiplied by "
       "late_game.caution_multiplier"),
    _f("late_game.caution_multiplier", 0.5, 4, 1.25,
       "factor on weights.head_collision, weights.wall_penalty and all traps.* penalties in "
       "the late game"),

    _b("hybrid.enabled", True,
       "on a critical turn search hybrid.lookahead_depth turns instead of search.depth; "
       "false: never"),
    _i("hybrid.critical_health", 0, 100, 20,
       "a turn is critical when our health is at or below this"),
    _i("hybrid.critical_nearby_enemies", 1, 7, 2,
       "a turn is critical when at least this many enemy heads are within 3 steps (Manhattan) "
       "of our head"),
    _f("hybrid.critical_space_ratio", 0.5, 5, 1.5,
       "a turn is critical when our reachable area from the current head is below this x own "
       "length"),
    _i("hybrid.lookahead_depth", 1, 4, 2,
       "search depth (simulated turns) on a critical turn, in place of search.depth"),

    _i("search.depth", 0, 3, 1,
       "simulated turns on a normal turn: 0 = heuristic on each move with enemies unmoved; "
       "k = k turns of our move + enemy replies, heuristic at the leaves"),
    _i("search.max_nodes", 16, 65536, 1024,
       "most leaf boards per decision: search the deepest depth <= the configured one whose "
       "full tree fits (depth 0 always)", log=True),
    _c("search.reply_model", ("worst", "average"), "worst",
       "how enemy replies combine in search: worst = minimum over their move combinations, "
       "average = their mean"),
)
# fmt: on
"""Every tunable value, in the order of ``config.yaml`` and of the normalised vector."""

PARAMS: Mapping[str, Param] = MappingProxyType({p.key: p for p in SPACE})
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p.section for p in SPACE))
if len(PARAMS) != len(SPACE):
    raise ValueError("SPACE declares a key twice")


class ConfigError(ValueError):
    """A config that breaks the space. ``problems`` holds ``(key, text)``; the message has
    one line per problem: ``config.yaml: weights.space = "abc": expected a float in [...]``."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{source}: {text}" for _, text in self.problems))


def _show(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(name: object, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(name), allowed, n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _check_flat(
    flat: Mapping[str, object], skip_sections: frozenset[str] = frozenset()
) -> tuple[dict[str, Value], list[tuple[str, str]]]:
    """Canonical values in SPACE order and every problem; missing keys of ``skip_sections``
    (already reported as a whole) are not reported again."""
    problems: list[tuple[str, str]] = [
        (
            str(key),
            f"{key}: unknown key; {_suggest(key, list(PARAMS))}allowed keys: {', '.join(PARAMS)}",
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
                        f"{p.key}: missing; expected {p.allowed()} (default {_format(p.default)})",
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
            raise KeyError(f"{key!r} is not a key; {_suggest(key, list(PARAMS))}") from None

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


# YAML as YAML 1.2 reads it: booleans only true/false, no sexagesimal or octal surprises,
# "1e-5" is a float, a key given twice is an error.
class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx) for tag, rx in resolvers if tag.rsplit(":", 1)[-1] not in ("bool", "int", "float")
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
_Loader.add_constructor(
    "tag:yaml.org,2002:int", lambda loader, node: int(loader.construct_scalar(node), 10)
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str | int | float) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} given twice", key_node.start_mark
            )
        if isinstance(key, str | int | float):
            seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def parse_yaml(text: str, source: str = "<yaml>") -> Config:
    """A Config from YAML text in the section layout; ConfigError naming the line if malformed."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (_Loader is a SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(source, [("", f"{where}malformed YAML: {problem}")]) from None
    return parse_config(data, source=source)


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
        names = [p.name for p in SPACE if p.section == section]
        if not names:
            problems.append(
                (
                    str(section),
                    f"{section}: unknown section; "
                    f"{_suggest(section, SECTIONS)}allowed sections: {sections}",
                )
            )
        elif not isinstance(body, Mapping):
            problems.append(
                (
                    str(section),
                    f"{section} = {_show(body)}: expected a mapping of the keys {', '.join(names)}",
                )
            )
        else:
            for name, value in body.items():
                if name in names:
                    flat[f"{section}.{name}"] = value
                else:
                    problems.append(
                        (
                            f"{section}.{name}",
                            f"{section}.{name}: unknown key; "
                            f"{_suggest(name, names)}allowed keys in {section}: "
                            f"{', '.join(names)}",
                        )
                    )
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


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; ConfigError (naming the file) on any problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(str(path), [("", f"cannot read: {e}")]) from e
    return parse_yaml(text, source=str(path))


def _format(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return np.format_float_positional(value, unique=True, trim="0")
    return str(value)


HEADER = """\
# Weights of the tunable snake: the values snaketrain tunes.
# Every key is required. Kinds, bounds and meanings: docs/parameters.md,
# or `python -m snaketrain.snake.space --markdown`.
"""


def dump_config(config: Config) -> str:
    """YAML in the section layout, keys in SPACE order, each with its allowed range."""
    lines = [HEADER.rstrip("\n")]
    for section, body in config.as_nested().items():
        lines += ["", f"{section}:"]
        for name, value in body.items():
            p = PARAMS[f"{section}.{name}"]
            lines.append(f"  {name}: {_format(value)}".ljust(38) + f"  # {_range(p)}")
    return "\n".join(lines) + "\n"


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


def _range(p: Param) -> str:
    if p.kind in ("float", "int"):
        return f"{p.kind} {p.allowed().split(' in ')[1]}" + (", log scale" if p.log else "")
    return f"{p.kind}: {', '.join(p.choices)}" if p.kind == "choice" else "bool"


def markdown_table() -> str:
    """The README table: key, type, range or choices, default, meaning."""
    rows = ["| key | type | range / choices | default | meaning |", "|---|---|---|---|---|"]
    for p in SPACE:
        if p.kind == "choice":
            allowed = ", ".join(f"`{c}`" for c in p.choices)
        elif p.kind == "bool":
            allowed = "`true`, `false`"
        else:
            allowed = _range(p).split(" ", 1)[1]
        meaning = p.meaning.replace("|", "\\|")
        rows.append(f"| `{p.key}` | {p.kind} | {allowed} | `{_format(p.default)}` | {meaning} |")
    return "\n".join(rows) + "\n"


def markdown() -> str:
    """The words the meanings use, then the table: the README's parameter section."""
    return f"Conventions:\n\n{CONVENTIONS}\n{markdown_table()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m snaketrain.snake.space", description="The snake's parameter space."
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--markdown", action="store_true", help="print conventions + README table")
    group.add_argument("--defaults", action="store_true", help="print the default config.yaml")
    group.add_argument("--check", nargs="+", metavar="FILE", help="validate config files")
    args = parser.parse_args(argv)
    if args.markdown:
        sys.stdout.write(markdown())
    elif args.defaults:
        sys.stdout.write(dump_config(default_config()))
    else:
        failed = 0
        for path in args.check:
            try:
                config = load_config(path)
            except ConfigError as e:
                failed += 1
                print(e, file=sys.stderr)
            else:
                print(
                    f"{path}: ok ({len(config)} keys, {len(diff(default_config(), config))} "
                    f"differ from the defaults, sha256 {config_hash(config)[:12]})"
                )
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
