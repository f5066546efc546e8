"""The parameter space in words: the markdown of the README section and ``docs/parameters.md``.

Both are generated from ``SPACE`` (``python scripts/param_table.py --write`` rewrites them;
a test keeps them equal to what this module generates).
"""

from __future__ import annotations

from .config import format_value
from .params import CONVENTIONS, SPACE

__all__ = ["README_HEADING", "markdown", "markdown_table", "parameters_page", "with_readme_section"]

GENERATED = (
    "Generated from `snaketrain/snake/params.py` by `python scripts/param_table.py --write`;\n"
    "do not edit by hand."
)

README_HEADING = "### Parameters"
"""The README heading whose section ``with_readme_section`` regenerates (up to the next
``## `` heading)."""


def markdown_table() -> str:
    """The README table: key, type, range or choices, default, meaning."""
    rows = ["| key | type | range / choices | default | meaning |", "|---|---|---|---|---|"]
    for p in SPACE:
        if p.kind == "choice":
            allowed = ", ".join(f"`{c}`" for c in p.choices)
        elif p.kind == "bool":
            allowed = "`true`, `false`"
        else:
            allowed = p.spec().split(" ", 1)[1]
        meaning = p.meaning.replace("|", "\\|")
        default = format_value(p.default)
        rows.append(f"| `{p.key}` | {p.kind} | {allowed} | `{default}` | {meaning} |")
    return "\n".join(rows) + "\n"


def markdown() -> str:
    """The words the meanings use, then the table: the README's parameter section."""
    return f"Conventions:\n\n{CONVENTIONS}\n{markdown_table()}"


def parameters_page() -> str:
    """The whole of ``docs/parameters.md``."""
    return f"# Parameters of the tunable snake\n\n{GENERATED}\n\n{markdown()}"


def with_readme_section(readme: str) -> str:
    """``readme`` with the body of its ``### Parameters`` section replaced by ``markdown()``
    (and the note saying where it comes from); ValueError if it has no such section."""
    start = readme.find(f"\n{README_HEADING}\n")
    if start < 0:
        raise ValueError(f"the README has no line {README_HEADING!r}")
    start += len(README_HEADING) + 2
    end = readme.find("\n## ", start)
    end = len(readme) if end < 0 else end + 1
    return f"{readme[:start]}\n{GENERATED}\n\n{markdown()}\n{readme[end:]}"
