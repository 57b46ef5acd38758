"""The hubs' URLs: a list of them from the config's forms, each checked, and the short name the
connection line shows (host:port). No Textual, no websockets: the launch path imports this before
it knows whether the app will start.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_HUB_URL = "ws://127.0.0.1:8765"
DEFAULT_PORTS = {"ws": 80, "wss": 443}


class BadHubURL(ValueError):
    """A hub URL the app cannot use; the message names it."""


def split_hubs(value: str | Iterable[str]) -> list[str]:
    """Hub URLs from a list, or a comma-separated string ('ws://a:8765,ws://b:8765'): stripped,
    blanks skipped, each once, in order."""
    parts = [value] if isinstance(value, str) else list(value)
    items = [item for part in parts for item in part.split(",")]
    return list(dict.fromkeys(url.strip() for url in items if url.strip()))


def check_hubs(urls: list[str]) -> list[str]:
    """`urls` when there is one at least and each is a websocket URL with a host (and a port
    that is a number); otherwise `BadHubURL` naming the first bad one."""
    if not urls:
        raise BadHubURL(f"no hub URL given (like {DEFAULT_HUB_URL})")
    for url in urls:
        try:
            parts = urlsplit(url)
            good = parts.scheme in DEFAULT_PORTS and bool(parts.hostname) and parts.port != 0
        except ValueError:  # a port that is not a number, or out of range
            good = False
        if not good:
            raise BadHubURL(f"the hub must be a websocket URL like {DEFAULT_HUB_URL}, got {url!r}")
    return urls


def hub_name(url: str) -> str:
    """'ws://hub.example:8765/path' -> 'hub.example:8765' (the scheme's port when none is given)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return url
    if not host:
        return url
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{host}:{port}" if port else host
