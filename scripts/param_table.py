"""The snake's parameter table, generated from the declared space, and config file checks.

    python scripts/param_table.py              print the conventions + table (README section)
    python scripts/param_table.py --write      rewrite docs/parameters.md and that README section
    python scripts/param_table.py --defaults   print the default config.yaml
    python scripts/param_table.py --check FILE...   validate config files (exit 1 if any is bad)

``--root DIR`` names the checkout ``--write`` rewrites (default: the one holding this script).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the package of this checkout, also when another is installed
    sys.path.insert(0, str(ROOT))

from snaketrain.snake.config import ConfigError, config_hash, default_config, diff  # noqa: E402
from snaketrain.snake.configfile import dump_config, load_config  # noqa: E402
from snaketrain.snake.paramdoc import markdown, parameters_page, with_readme_section  # noqa: E402


def write_docs(root: Path) -> list[Path]:
    """Rewrite ``docs/parameters.md`` and the README's parameter section under ``root``;
    returns the files whose text changed."""
    changed = []
    readme = root / "README.md"
    for path, text in (
        (root / "docs" / "parameters.md", parameters_page()),
        (readme, with_readme_section(readme.read_text(encoding="utf-8"))),
    ):
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def check(paths: Sequence[str]) -> int:
    """One line per file: ``ok (...)`` on stdout, or its problems on stderr; 1 if any is bad."""
    failed = 0
    for path in paths:
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python scripts/param_table.py", description="The snake's parameter space."
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--markdown", action="store_true", help="print conventions + table (the default)"
    )
    group.add_argument(
        "--write", action="store_true", help="rewrite docs/parameters.md and the README section"
    )
    group.add_argument("--defaults", action="store_true", help="print the default config.yaml")
    group.add_argument("--check", nargs="+", metavar="FILE", help="validate config files")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout --write rewrites")
    args = parser.parse_args(argv)
    if args.check:
        return check(args.check)
    if args.defaults:
        sys.stdout.write(dump_config(default_config()))
    elif args.write:
        try:
            changed = write_docs(args.root)
        except (OSError, ValueError) as e:
            print(f"param_table: cannot write the docs: {e}", file=sys.stderr)
            return 1
        print("\n".join(f"rewrote {p}" for p in changed) or "docs already up to date")
    else:
        sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
