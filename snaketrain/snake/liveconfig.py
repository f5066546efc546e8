"""The config file a served snake plays, watched: reloaded when it changes, kept when a new
one does not load.

``LiveConfig(path)`` loads the file (``ConfigError`` if the first load fails) and builds its
policy; ``current`` checks the file at most once per ``reload_interval`` seconds and swaps in
a changed config whole (``Loaded``: config, policy, hash). A broken file is logged once and the
running config is kept; ``reload`` loads now and raises the ``ConfigError``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from .config import Config, ConfigError, config_hash
from .configfile import load_config
from .heuristic import HeuristicPolicy
from .policy import BatchedPolicy

log = logging.getLogger(__name__)

RELOAD_INTERVAL_S = 1.0
"""How often, at most, a request checks whether the config file changed."""

PolicyFactory = Callable[[Config], BatchedPolicy]


def make_policy(config: Config) -> BatchedPolicy:
    """The tuned snake for ``config``: the same policy object the training games use."""
    return HeuristicPolicy(config)


@cache
def package_version() -> str:
    try:
        return metadata.version("snaketrain")
    except metadata.PackageNotFoundError:
        return "0+unknown"


# --- the live config ----------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """A validated config and the policy built from it; swapped whole on reload."""

    config: Config
    policy: BatchedPolicy
    hash: str  # space.config_hash(config)

    @property
    def version(self) -> str:
        """What ``GET /`` reports: the package version and the config hash."""
        return f"{package_version()}+config.{self.hash[:12]}"


def _stamp(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class LiveConfig:
    """The config file being served and its policy; reloads the file when it changes.

    The first load raises ``ConfigError``; later ones keep the running config on any error."""

    def __init__(
        self,
        path: str | Path,
        make: PolicyFactory = make_policy,
        reload_interval: float = RELOAD_INTERVAL_S,
    ) -> None:
        self.path = Path(path)
        self._make = make
        self._interval = reload_interval
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self._stamp = self._read_stamp()
        self._loaded = self._load()

    @property
    def current(self) -> Loaded:
        """The config to play with now (after a rate-limited check for a changed file)."""
        if time.monotonic() - self._checked >= self._interval:
            self.poll()
        return self._loaded

    def _read_stamp(self) -> tuple[int, int, int] | None:
        try:
            return _stamp(self.path)
        except OSError:
            return None

    def _load(self) -> Loaded:
        config = load_config(self.path)
        return Loaded(config, self._make(config), config_hash(config))

    def poll(self) -> None:
        """Reload if the file changed since it was last read; log (once) and keep the running
        config if the new file does not load."""
        with self._lock:
            self._checked = time.monotonic()
            stamp = self._read_stamp()
            if stamp == self._stamp:
                return
            self._stamp = stamp  # a broken file is reported once, not on every check
            if stamp is None:
                log.error("config %s: cannot stat; keeping config %s", self.path, self.short)
                return
            self._swap()

    def reload(self) -> Loaded:
        """Load the file now, changed or not. If it does not load, the running config is
        kept and ``ConfigError`` says why."""
        with self._lock:
            self._checked = time.monotonic()
            self._stamp = self._read_stamp()
            err = self._swap()
            if err is None:
                return self._loaded
        if isinstance(err, ConfigError):
            raise err
        raise ConfigError(str(self.path), [("", f"{type(err).__name__}: {err}")]) from err

    @property
    def short(self) -> str:
        """The running config's hash, shortened for messages."""
        return self._loaded.hash[:12]

    def _swap(self) -> Exception | None:
        try:
            new = self._load()
        except Exception as err:  # a broken config or policy must never stop the server
            log.error("config reload failed; keeping config %s:\n%s", self.short, err)
            return err
        if new.hash != self._loaded.hash:
            log.info("config %s loaded: %s -> %s", self.path, self.short, new.hash[:12])
        self._loaded = new
        return None
