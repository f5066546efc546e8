"""An external snake, described once: ``snake.yaml`` (and the parameter space it is tuned in).

```yaml
repo: ../my-snake             # the snake's git work tree (relative to this file)
config: config.yaml           # the file the snake reads, in repo (default config.yaml)
build: go build -o snake .    # optional; run in repo before a candidate starts
start: ./snake --port {port} --config {config}   # also $SNAKE_PORT and $SNAKE_CONFIG
instances: 2                  # processes per candidate (default 1)
move_timeout_ms: 500          # per /move request (default 500, the official timeout)
ready_timeout_s: 30           # how long GET / may take to answer after start (default 30)
space: builtin                # the built-in space, or a space file (relative to this file)
```

A space file maps each ``section.name`` key to ``{type: float|int|bool|choice, low, high,
default, choices, log}``; each entry is checked as the built-in space's ``Param`` is. Every
mistake is one ``SnakeSpecError`` line naming the file, the key and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from snaketrain.snake.params import SPACE, Param
from snaketrain.snake.paramspace import BUILTIN, Space

KEYS = (
    "repo",
    "config",
    "build",
    "start",
    "instances",
    "move_timeout_ms",
    "ready_timeout_s",
    "space",
    "name",
)
SPACE_KEYS = ("type", "low", "high", "default", "choices", "log", "meaning")


class SnakeSpecError(ValueError):
    """A snake description or space file that cannot be used; the message says why."""


@dataclass(frozen=True)
class SnakeSpec:
    repo: Path
    start: str
    config: str = "config.yaml"
    build: str | None = None
    instances: int = 1
    move_timeout_ms: int = 500
    ready_timeout_s: float = 30.0
    space: str = "builtin"  # "builtin" or the space file's path
    name: str = "external"

    @property
    def config_path(self) -> Path:
        return self.repo / self.config

    def params(self) -> tuple[Param, ...]:
        """The space tuned: the built-in one or the space file's."""
        return tuple(SPACE) if self.space == "builtin" else load_space(self.space)

    def config_space(self) -> Space:
        """The space tuned as one value: ``BUILTIN``, or the space file's (its path the
        source that messages name)."""
        return BUILTIN if self.space == "builtin" else Space(load_space(self.space), self.space)

    def command(self, port: int, config: Path) -> str:
        return self.start.replace("{port}", str(port)).replace("{config}", str(config))


def space_of(snake_file: str | Path | None) -> Space:
    """The space an iteration's config is read in: the built-in one without an external
    snake, else its snake file's (``SnakeSpecError`` if that file is broken)."""
    return BUILTIN if snake_file is None else load_snake(snake_file).config_space()


def _load(path: Path, what: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SnakeSpecError(f"{what} {path}: cannot read: {err.strerror}") from None
    except yaml.YAMLError as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise SnakeSpecError(f"{what} {path}: not valid YAML: {first}") from None


def _int(d: Mapping[str, Any], key: str, lo: int, hi: int, where: str) -> int | None:
    if key not in d:
        return None
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise SnakeSpecError(f"{where}: {key} must be an integer in {lo}..{hi}, got {v!r}")
    return v


def load_snake(path: str | Path, **overrides: Any) -> SnakeSpec:
    """The snake of ``path``; ``overrides`` (CLI flags, None: not given) win over the file."""
    path = Path(path)
    raw = _load(path, "snake file")
    if not isinstance(raw, dict):
        raise SnakeSpecError(f"snake file {path}: expected a mapping of {', '.join(KEYS)}")
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise SnakeSpecError(
            f"snake file {path}: unknown key {unknown[0]!r}; allowed: " + ", ".join(KEYS)
        )
    d = {**raw, **{k: v for k, v in overrides.items() if v is not None}}
    where = f"snake file {path}"
    for key in ("repo", "start"):
        if not isinstance(d.get(key), str) or not d[key].strip():
            raise SnakeSpecError(f"{where}: {key} is required (a non-empty string)")
    for key in ("config", "build", "space", "name"):
        if key in d and d[key] is not None and not isinstance(d[key], str):
            raise SnakeSpecError(f"{where}: {key} must be a string, got {d[key]!r}")
    repo = (path.parent / d["repo"]).resolve()
    if not repo.is_dir():
        raise SnakeSpecError(f"{where}: repo {repo} is not a directory")
    timeout = d.get("ready_timeout_s", 30.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        raise SnakeSpecError(
            f"{where}: ready_timeout_s must be a number in (0, 600], got {timeout!r}"
        )
    space = d.get("space") or "builtin"
    if space != "builtin":
        space = str((path.parent / space).resolve())
        load_space(space)  # errors now, not at the first candidate
    spec = SnakeSpec(
        repo=repo,
        start=d["start"],
        config=d.get("config") or "config.yaml",
        build=d.get("build") or None,
        instances=_int(d, "instances", 1, 64, where) or 1,
        move_timeout_ms=_int(d, "move_timeout_ms", 1, 60_000, where) or 500,
        ready_timeout_s=float(timeout),
        space=space,
        name=d.get("name") or repo.name,
    )
    if not spec.config_path.is_file():
        raise SnakeSpecError(f"{where}: config file {spec.config_path} does not exist")
    return spec


def load_space(path: str | Path) -> tuple[Param, ...]:
    """The params of a space file (see the module docstring)."""
    path = Path(path)
    raw = _load(path, "space file")
    if not isinstance(raw, dict) or not raw:
        raise SnakeSpecError(f"space file {path}: expected a mapping of section.name keys")
    out = []
    for key, entry in raw.items():
        where = f"space file {path}: {key}"
        parts = str(key).split(".")
        if len(parts) != 2:
            raise SnakeSpecError(f"{where}: keys are section.name (e.g. weights.food)")
        if not isinstance(entry, dict):
            raise SnakeSpecError(f"{where}: expected a mapping of {', '.join(SPACE_KEYS)}")
        unknown = sorted(set(entry) - set(SPACE_KEYS))
        if unknown:
            raise SnakeSpecError(
                f"{where}: unknown field {unknown[0]!r}; allowed: " + ", ".join(SPACE_KEYS)
            )
        if "default" not in entry:
            raise SnakeSpecError(f"{where}: default is required")
        kind = entry.get("type")
        if kind not in ("float", "int", "bool", "choice"):
            raise SnakeSpecError(f"{where}: type must be float, int, bool or choice, got {kind!r}")
        try:
            out.append(
                Param(
                    section=parts[0],
                    name=parts[1],
                    kind=kind,
                    default=entry["default"],
                    meaning=str(entry.get("meaning", key)),
                    low=entry.get("low", 0.0),
                    high=entry.get("high", 0.0),
                    choices=tuple(entry.get("choices", ())),
                    log=bool(entry.get("log", False)),
                )
            )
        except (ValueError, TypeError) as err:
            message = str(err).split(": ", 1)[-1]
            raise SnakeSpecError(f"{where}: {message}") from None
    return tuple(out)
