"""Per advisor: what it proposed and what that gained (the ``advisors`` artifact and log
line)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from snaketrain.learn.history import SKIPPED, Attempt


def advisor_rows(attempts: Sequence[Attempt]) -> list[dict[str, Any]]:
    """Per advisor: candidates tried, accepted, skipped as repeats, and the Elo gained (the
    accepted candidates' Elo against their incumbents, summed), in order of first use."""
    rows: dict[str, dict[str, Any]] = {}
    for a in attempts:
        r = rows.setdefault(
            a.advisor, {"advisor": a.advisor, "tried": 0, "accepted": 0, "skipped": 0, "elo": 0.0}
        )
        if a.verdict == SKIPPED:
            r["skipped"] += 1
            continue
        r["tried"] += 1
        if a.accepted:
            r["accepted"] += 1
            r["elo"] += a.elo if math.isfinite(a.elo) else 0.0
    return [r | {"elo": round(r["elo"], 1)} for r in rows.values()]


def advisor_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """``spsa 2/10 accepted, +31 Elo; nn 1/6 accepted, +12 Elo, 1 repeat skipped``."""
    parts = []
    for r in rows:
        text = f"{r['advisor']} {r['accepted']}/{r['tried']} accepted, {r['elo']:+.0f} Elo"
        if r["skipped"]:
            text += f", {r['skipped']} repeat{'s' if r['skipped'] > 1 else ''} skipped"
        parts.append(text)
    return "; ".join(parts)
