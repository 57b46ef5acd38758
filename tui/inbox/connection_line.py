"""One line saying how the app is connected to the hub, and how many referrals it shows."""

from __future__ import annotations

import math
import time

from textual.reactive import reactive
from textual.widgets import Static

from tui.hub.messages import LinkState


def short(detail: str) -> str:
    """A socket error, in a few words."""
    if "Connect call failed" in detail or "Errno 111" in detail:
        return "connection refused"
    return detail if len(detail) <= 60 else detail[:59] + "…"


class ConnectionLine(Static):
    """"connected to ws://... as Dana Cole · 3 referrals", "offline · reconnecting in 4 s · ..."."""

    state: reactive[LinkState] = reactive("connecting")
    count: reactive[int] = reactive(0)

    def __init__(self, url: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.person = ""
        self.detail = ""
        self.retry_at: float | None = None

    def set_link(self, state: LinkState, detail: str = "", retry_at: float | None = None) -> None:
        self.detail = detail
        self.retry_at = retry_at
        if state == "connected" and detail:
            self.person = detail
        self.state = state
        self.refresh_line()

    def watch_state(self, old: LinkState, new: LinkState) -> None:
        self.remove_class(f"-{old}")
        self.add_class(f"-{new}")

    def watch_count(self) -> None:
        self.refresh_line()

    def tick(self) -> None:
        if self.retry_at is not None:
            self.refresh_line()

    def describe(self) -> str:
        wait = ""
        if self.retry_at is not None:
            wait = f"{max(0, math.ceil(self.retry_at - time.monotonic()))} s"
        noun = "referral" if self.count == 1 else "referrals"
        count = f"{self.count:,} {noun}"
        match self.state:
            case "connected":
                return f"connected to {self.url} as {self.person} · {count}"
            case "connecting":
                return f"connecting to {self.url}… · {count}"
            case "reconnecting":
                return f"offline · reconnecting in {wait} · {count} · {short(self.detail)}"
            case "refused":
                return f"token refused by {self.url} · retrying in {wait} · {count}"

    def refresh_line(self) -> None:
        self.update(self.describe())
