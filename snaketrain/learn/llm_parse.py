"""The LLM's answer -> validated parameter changes. Model text is data: it is searched for
JSON and read with ``json``, never evaluated.

What is asked for: ``[{"key": "weights.space", "value": 24.0, "reason": "..."}]``. What small
models write: the list fenced in a markdown block, prose around it, a single object instead
of a list, objects one after another, trailing commas. :func:`find_items` finds the first
JSON list (or the run of JSON objects) in the text; trailing commas are the one repair.
:func:`validate` then checks every item against the parameter space and drops, with the
reason, any item that is not exactly a change the trainer may make:

- not an object, or no ``key`` / ``value``; a key that is not a parameter; a key given twice;
- a key that is not tuned: a bool or choice key, or a structural key (``STRUCTURAL_KEYS``:
  search shape and node budget stay fixed, as for SPSA);
- a value that is not a JSON number (a string, a bool, null, a list), or not finite (NaN,
  Infinity; ``json`` would read them, here they are refused);
- a value outside the key's bounds; a value equal to the best config's.

Int keys: a number within the bounds is rounded to the nearest integer (``7.6`` -> 8; the
note says so); float keys round to ``FLOAT_DECIMALS`` like every tuned value. At most
:data:`MAX_ITEMS` items are read; the text is cut at :data:`MAX_CHARS`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from snaketrain.snake.space import BUILTIN, FLOAT_DECIMALS, Config, Space, Value, format_value
from snaketrain.tuning.tunables import STRUCTURAL_KEYS

#: Characters of an answer that are searched (the rest is ignored).
MAX_CHARS = 20_000
#: Places in an answer where JSON is looked for (each ``[`` or ``{``, first to last).
MAX_STARTS = 200
#: Items of an answer that are read.
MAX_ITEMS = 8
#: Characters of a reason kept (one line).
REASON_CHARS = 120

_TRAILING_COMMA = re.compile(r",(\s*[\]}])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class _NotFinite:
    """What ``NaN`` / ``Infinity`` / ``-Infinity`` in the text decode to (refused later)."""

    def __init__(self, text: str) -> None:
        self.text = text


@dataclass(frozen=True)
class Suggestion:
    """One valid change: ``value`` is valid for ``key`` and differs from the best config's."""

    key: str
    value: Value
    reason: str


def _decode(text: str, start: int) -> tuple[Any, int] | None:
    """The JSON value starting at ``start`` and where it ends, or None (also for what json
    cannot read at all: nested too deep, an integer of thousands of digits)."""
    try:
        return json.JSONDecoder(parse_constant=_NotFinite).raw_decode(text, start)
    except (ValueError, RecursionError):
        return None


def find_items(text: str) -> list[Any] | None:
    """The items of the first JSON list in ``text``, or the JSON objects found one after
    another (a lone object is a list of one); None when the text holds neither. Trailing
    commas are removed first; at most :data:`MAX_STARTS` places are tried."""
    text = _TRAILING_COMMA.sub(r"\1", text[:MAX_CHARS])
    objects: list[Any] = []
    pos = 0
    for _ in range(MAX_STARTS):
        starts = [i for i in (text.find("[", pos), text.find("{", pos)) if i >= 0]
        if not starts:
            break
        start = min(starts)
        decoded = _decode(text, start)
        if decoded is None:
            pos = start + 1
            continue
        value, end = decoded
        if isinstance(value, list) and not objects:
            return value
        if isinstance(value, dict):
            objects.append(value)
        pos = max(end, start + 1)
    return objects or None


def _number(value: Any) -> float | int | str:
    """``value`` as a finite number, or the reason it is not one."""
    if isinstance(value, _NotFinite):
        return f"{value.text} is not a finite number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"value {_show(value)} is not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return f"value {value!r} is not a finite number"
    return value


def _show(value: Any) -> str:
    """A short description of a value from the answer (containers are not expanded)."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, _NotFinite):
        return value.text
    text = json.dumps(value) if isinstance(value, str | bool) or value is None else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _reason(value: Any) -> str:
    text = _CONTROL.sub(" ", value if isinstance(value, str) else "").strip()
    return text[:REASON_CHARS]


def tunable(key: str, space: Space = BUILTIN) -> bool:
    """Whether the LLM may move ``key`` of ``space``: a float or int key that is not
    structural (structural keys are the built-in space's)."""
    p = space.get(key)
    structural = space.builtin and key in STRUCTURAL_KEYS
    return p is not None and p.kind in ("float", "int") and not structural


def _check(item: Any, best: Config, seen: set[str]) -> Suggestion | str:
    """The item as a Suggestion, or why it is dropped."""
    if not isinstance(item, dict):
        return f"{_show(item)} is not an object"
    key = item.get("key")
    if not isinstance(key, str):
        return f"key {_show(key)} is not a parameter name"
    space = best.space
    if key not in space:
        return f"{_show(key)} is not a parameter"
    if not tunable(key, space):
        structural = space.builtin and key in STRUCTURAL_KEYS
        fixed = "structural (fixed)" if structural else f"a {space[key].kind} key"
        return f"{key} is {fixed}; only float and int keys are moved"
    if key in seen:
        return f"{key} given twice"
    if "value" not in item:
        return f"{key}: no value"
    number = _number(item["value"])
    if isinstance(number, str):
        return f"{key}: {number}"
    p = space[key]
    if not p.low <= number <= p.high:
        return f"{key}: {format_value(number)} is out of bounds; allowed {p.allowed()}"
    value: Value = (
        int(math.floor(number + 0.5)) if p.kind == "int" else round(float(number), FLOAT_DECIMALS)
    )
    checked = p.check(value)
    if checked is None:  # rounding cannot leave the bounds; kept as a guard
        return f"{key}: {format_value(number)} is not {p.allowed()}"
    if checked == best[key]:
        return f"{key}: {format_value(checked)} is the best config's value already"
    note = "" if checked == number else f" (rounded from {format_value(number)})"
    return Suggestion(key, checked, _reason(item.get("reason")) + note)


def validate(items: Sequence[Any], best: Config) -> tuple[list[Suggestion], list[str]]:
    """The valid suggestions among ``items`` and one reason per dropped item."""
    kept: list[Suggestion] = []
    dropped: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        if i >= MAX_ITEMS:
            dropped.append(f"{len(items) - MAX_ITEMS} item(s) beyond the first {MAX_ITEMS}")
            break
        got = _check(item, best, seen)
        if isinstance(got, str):
            dropped.append(got)
        else:
            seen.add(got.key)
            kept.append(got)
    return kept, dropped


def parse_answer(text: str, best: Config) -> tuple[list[Suggestion], list[str]]:
    """The valid suggestions in the model's ``text`` and the reasons for what was dropped
    (``"no JSON list of changes found"`` when there is nothing to read)."""
    items = find_items(text)
    if items is None:
        return [], ["no JSON list of changes found in the answer"]
    if not items:
        return [], ["the answer's list is empty"]
    return validate(items, best)


def apply(best: Config, suggestions: Sequence[Suggestion]) -> Config:
    """``best`` with the suggestions applied (each already valid, so the Config is too)."""
    return best.replace({s.key: s.value for s in suggestions})
