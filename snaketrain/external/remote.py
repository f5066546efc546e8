"""HTTP snakes snaketrain does not start: opponents given by URL (``--opponents http://...``).

Such a snake is already running (the user's own server, another machine's); snaketrain never
starts or stops it. ``check_url`` asks its ``GET /`` (Battlesnake API v1 info) once, before
any game, and turns every way of not answering into one ``UnreachableSnake`` line.
"""

from __future__ import annotations

import httpx

SCHEMES = ("http://", "https://")
CHECK_TIMEOUT_S = 5.0


class UnreachableSnake(ValueError):
    """A URL opponent that does not answer ``GET /`` with the Battlesnake info."""


def is_url(text: str) -> bool:
    """Whether an opponent is given by URL (``http://`` or ``https://``)."""
    return text.startswith(SCHEMES)


def check_url(url: str, timeout_s: float = CHECK_TIMEOUT_S) -> str:
    """``url`` without its trailing ``/`` once its ``GET /`` answered 200 with a JSON object;
    else ``UnreachableSnake`` naming the URL and what went wrong."""
    base = url.rstrip("/")
    where = f"opponent {base}"
    hint = "snaketrain does not start snakes given by URL: start it first"
    try:
        host = httpx.URL(base).host
    except httpx.InvalidURL as err:
        raise UnreachableSnake(f"{where}: not a valid URL ({err})") from None
    if not host:
        raise UnreachableSnake(f"{where}: not a valid URL (no host), e.g. http://127.0.0.1:8001")
    try:
        with httpx.Client(trust_env=False, timeout=timeout_s) as client:
            response = client.get(base + "/")
    except httpx.TimeoutException:
        raise UnreachableSnake(f"{where}: GET / gave no answer within {timeout_s:g} s") from None
    except httpx.HTTPError as err:
        reason = (str(err).splitlines() or [type(err).__name__])[0]
        raise UnreachableSnake(f"{where}: GET / failed ({reason}); {hint}") from None
    if response.status_code != 200:
        raise UnreachableSnake(
            f"{where}: GET / answered {response.status_code}, not 200 with the snake's info"
        )
    try:
        info = response.json()
    except ValueError:
        info = None
    if not isinstance(info, dict):
        raise UnreachableSnake(f"{where}: GET / answered 200 but not a JSON object (the info)")
    return base
