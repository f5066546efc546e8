"""A parameter space as one value: the ordered ``Param`` declarations a ``Config`` is checked
against, its keys, sections and lookup.

``BUILTIN`` is the built-in snake's space (``params.SPACE``); a user's own snake brings its
own, read from a space file (``snaketrain.external.spec.load_space``). A ``Space`` is
immutable, hashable and picklable; two spaces are equal when they declare the same params in
the same order (``source`` only names where one came from, for messages).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict
from types import MappingProxyType
from typing import Any

from .params import SPACE, Param

__all__ = ["BUILTIN", "Space"]


class Space:
    """Params in order (the order of a config file and of the normalised vector)."""

    __slots__ = ("_by_key", "_hash", "builtin", "keys", "params", "sections", "source")
    params: tuple[Param, ...]
    keys: tuple[str, ...]
    """Every ``section.name`` key, in order."""
    source: str
    sections: tuple[str, ...]
    builtin: bool
    _by_key: Mapping[str, Param]
    _hash: int

    def __init__(self, params: Iterable[Param], source: str = "builtin") -> None:
        declared = tuple(params)
        if not declared or not all(isinstance(p, Param) for p in declared):
            raise ValueError(f"space {source}: expected one or more Param declarations")
        by_key = {p.key: p for p in declared}
        if len(by_key) != len(declared):
            twice = sorted({p.key for p in declared if sum(q.key == p.key for q in declared) > 1})
            raise ValueError(f"space {source}: declares {twice[0]} twice")
        set_ = object.__setattr__
        set_(self, "params", declared)
        set_(self, "keys", tuple(by_key))
        set_(self, "source", source)
        set_(self, "sections", tuple(dict.fromkeys(p.section for p in declared)))
        set_(self, "builtin", declared == SPACE)
        set_(self, "_by_key", MappingProxyType(by_key))
        set_(self, "_hash", hash(declared))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Space is immutable")

    def __getitem__(self, key: str) -> Param:
        return self._by_key[key]

    def get(self, key: str) -> Param | None:
        return self._by_key.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    def names(self, section: object) -> tuple[str, ...]:
        """The names of ``section``'s keys, in order (empty for a section it does not have)."""
        return tuple(p.name for p in self.params if p.section == section)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Space):
            return NotImplemented
        return self is other or (self._hash == other._hash and self.params == other.params)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return "Space(builtin)" if self.builtin else f"Space({self.source!r}, {len(self)} keys)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Space, (self.params, self.source))

    def describe(self) -> str:
        """How messages name it: ``the built-in space`` or ``the space of <file>``."""
        return "the built-in space" if self.builtin else f"the space of {self.source}"

    def to_list(self) -> list[dict[str, Any]]:
        """JSON: one dict per param (``from_list`` inverts it)."""
        return [asdict(p) | {"choices": list(p.choices)} for p in self.params]

    @staticmethod
    def from_list(items: Iterable[Mapping[str, Any]], source: str = "<space>") -> Space:
        return Space(
            (Param(**(dict(d) | {"choices": tuple(d.get("choices", ()))})) for d in items),
            source,
        )

    def fingerprint(self) -> str:
        """sha256 hex of the declarations (equal spaces, equal fingerprints)."""
        text = json.dumps(self.to_list(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


BUILTIN = Space(SPACE)
"""The built-in snake's space: every key of ``config.yaml``."""
