"""What went wrong with the link to the hub, in plain words, and what to do about it.

The connection sorts each failure into a `Trouble` (never reached, TLS mismatch, the hub went
away, the hub refused the connection or the token); the connection line says it in words with
the retry countdown, and the app's `ctrl+l` reconnects at once. The raw error stays in the log.
"""

from __future__ import annotations

import ssl
from typing import Literal

from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus

from shared.protocol import HubError

Trouble = Literal["", "unreachable", "no-tls", "tls", "gone", "http", "token"]

HUB_SETTING = "hub in config.toml, --hub, TRIAGE_HUB"
# the CLI's own words for a refused token (triage/hubclient.py)
TOKEN_ADVICE = "it is unknown or revoked; ask for a new one (`triage agent token PERSON_ID` on the hub host)"


def classify(exc: BaseException | None, url: str, ever_connected: bool) -> Trouble:
    """The kind of trouble an ended or failed attempt at `url` was (None: closed cleanly)."""
    secure = url.startswith("wss://")
    if isinstance(exc, ConnectionClosed):
        close = exc.rcvd
        if close is not None and close.code == 1008 and "token" in close.reason:
            return "token"  # "token revoked": the hub closed a live connection
        return "gone"
    if isinstance(exc, InvalidStatus):
        return "token" if exc.response.status_code == 401 else "http"
    if isinstance(exc, HubError):
        return "http"  # it answered, with an error: its words say why
    if isinstance(exc, ssl.SSLError) or (secure and isinstance(exc, ConnectionResetError)
                                         and not ever_connected):
        return "no-tls"  # a TLS hello sent to a plain websocket hub: it hangs up
    if not secure and isinstance(exc, InvalidMessage) and not ever_connected:
        return "tls"  # a plain request sent to a TLS port: no HTTP answer comes back
    if ever_connected:
        return "gone"
    return "unreachable"


def explain(trouble: Trouble, hub: str, detail: str = "") -> str:
    """The words for `trouble` with the hub at `hub` (host:port), without the countdown."""
    match trouble:
        case "unreachable":
            return f"cannot reach the hub at {hub} — check the hub address ({HUB_SETTING})"
        case "no-tls":
            return f"the hub at {hub} does not speak TLS; use ws:// ({HUB_SETTING})"
        case "tls":
            return f"the hub at {hub} speaks TLS; use wss:// ({HUB_SETTING})"
        case "gone":
            return "the hub went away"
        case "http":
            return f"the hub at {hub} refused the connection ({detail})" if detail else (
                f"the hub at {hub} refused the connection")
        case "token":
            return f"the hub at {hub} refused the token: {TOKEN_ADVICE}, then restart triage"
    return detail or "offline"


def status_detail(exc: BaseException) -> str:
    """The HTTP status of a refused handshake ("HTTP 503"), or the hub's own words, else ""."""
    if isinstance(exc, InvalidStatus):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, HubError):
        return exc.message
    return ""


def brief(trouble: Trouble, hub: str) -> str:
    """`explain`'s words made short, for a narrow connection line."""
    match trouble:
        case "unreachable":
            return f"cannot reach {hub} — check the hub address"
        case "no-tls":
            return f"{hub} does not speak TLS: use ws://"
        case "tls":
            return f"{hub} speaks TLS: use wss://"
        case "token":
            return f"token refused by {hub}: unknown or revoked, ask for a new one"
        case "http":
            return f"{hub} refused the connection"
    return "the hub went away"
