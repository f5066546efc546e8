"""The declared parameter space of the tunable snake: every key of ``config.yaml``, once.

``SPACE`` declares each tunable value (section, name, kind, bounds, default, meaning); a
``Param`` checks a value and maps it to and from [0, 1]. Everything else derives from it:
validation and vectors (``config``), the file (``configfile``), the tables (``paramdoc``).

The meanings use the words defined in ``CONVENTIONS`` (the policy implements exactly what
they say).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np

__all__ = ["CONVENTIONS", "FLOAT_DECIMALS", "PARAMS", "SECTIONS", "SPACE", "Kind", "Param", "Value"]

Kind = Literal["float", "int", "bool", "choice"]
Value = float | int | bool | str

FLOAT_DECIMALS = 4
"""``from_vector`` rounds floats to this many decimals, so tuned configs stay readable."""

CONVENTIONS = """\
- A move's score is the sum of its bonuses minus its penalties (every weight is >= 0); the
  best-scoring move is played among the moves that survive every enemy reply this turn
  (none: among those that may survive a head-to-head; none: any).
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

    def spec(self) -> str:
        """Kind and range as ``config.yaml`` comments write them: ``float [0.0, 50.0]``,
        ``int [16, 65536], log scale``, ``bool``, ``choice: worst, average``."""
        if self.kind in ("float", "int"):
            bounds = self.allowed().split(" in ")[1]
            return f"{self.kind} {bounds}" + (", log scale" if self.log else "")
        return f"choice: {', '.join(self.choices)}" if self.kind == "choice" else "bool"

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
