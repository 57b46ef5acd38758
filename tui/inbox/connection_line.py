"""One line saying how the app is connected, to which hub (host:port: one of several when the
config lists several), and how many referrals it shows.

It fits its width: on a narrow terminal it drops its words first ("connected to", "as"), then
shortens the hub's host name from its end (the port stays), so the hub is always named.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from rich.cells import cell_len
from textual.reactive import reactive
from textual.widgets import Static

from tui.hub.messages import LinkState
from tui.hub.trouble import Trouble, brief, explain
from tui.hub.urls import hub_name

Form = Callable[[str], str]  # the line, given the hub's name


RECONNECT_KEY = "ctrl+l"  # the app's `app.reconnect` binding


def squeeze(name: str, excess: int) -> str:
    """'hub-east.example.com:8765' made `excess` cells shorter (or as short as it goes: one
    character of the host), cut at the host's end with an ellipsis; the port stays whole."""
    host, sep, port = name.rpartition(":")
    if not sep or not port.isdigit():
        host, sep, port = name, "", ""
    if excess <= 0:
        return name
    keep = max(1, len(host) - excess - 1)
    return name if keep >= len(host) else f"{host[:keep]}…{sep}{port}"


def fit(width: int | None, hub: str, forms: list[Form]) -> str:
    """The first form that fits `width` (None: any); else the last, with the hub squeezed."""
    for form in forms:
        text = form(hub)
        if width is None or cell_len(text) <= width:
            return text
    return forms[-1](squeeze(hub, cell_len(text) - width))


class ConnectionLine(Static):
    """"connected to hub.example:8765 as Dana Cole · 3 referrals", "offline · the hub went away;
    reconnecting in 4 s · ctrl+r now · ..."; at 80 columns with a long host, "hub-east-1.referr…:8765 · Dana Cole · 3 referrals"."""

    state: reactive[LinkState] = reactive("connecting")
    count: reactive[int] = reactive(0)

    def __init__(self, url: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hub = hub_name(url)  # host:port of the hub in use (or being tried)
        self.person = ""
        self.detail = ""
        self.retry_at: float | None = None
        self.trouble: Trouble = ""
        self.following = False  # `f`: the cursor follows the head of the queue
        self._shown = False

    def set_link(self, state: LinkState, detail: str = "", retry_at: float | None = None,
                 hub: str = "", trouble: str = "") -> None:
        self.detail = detail
        self.retry_at = retry_at
        self.trouble = trouble  # type: ignore[assignment]
        if hub:
            self.hub = hub_name(hub)
        if state == "connected" and detail:
            self.person = detail
        self.state = state
        self.refresh_line()

    def watch_state(self, old: LinkState, new: LinkState) -> None:
        self.remove_class(f"-{old}")
        self.add_class(f"-{new}")

    def watch_count(self) -> None:
        self.refresh_line()

    def on_resize(self) -> None:
        if self._shown:
            self.refresh_line()

    def tick(self) -> None:
        if self.retry_at is not None:
            self.refresh_line()

    def describe(self, width: int | None = None) -> str:
        """The line, fitted to `width` (default: the widget's own, once it has one)."""
        if width is None and self.is_mounted:
            width = self.content_size.width or None
        wait = ""
        if self.retry_at is not None:
            wait = f"{max(0, math.ceil(self.retry_at - time.monotonic()))} s"
        noun = "referral" if self.count == 1 else "referrals"
        count = f"{self.count:,} {noun}"
        person = self.person
        match self.state:
            case "connected":
                return fit(width, self.hub, [
                    lambda hub: f"connected to {hub} as {person} · {count}",
                    lambda hub: f"{hub} · {person} · {count}",
                ])
            case "connecting":
                return fit(width, self.hub, [lambda hub: f"connecting to {hub}… · {count}"])
            case "reconnecting":
                trouble, key = self.trouble or "gone", RECONNECT_KEY
                again = "reconnecting" if trouble == "gone" else "retrying"
                return fit(width, self.hub, [
                    lambda hub: f"offline · {explain(trouble, hub)}; {again} in {wait} · {key} now · {count}",
                    lambda hub: f"offline · {brief(trouble, hub)}; {again} in {wait} · {key} now · {count}",
                    lambda hub: f"{brief(trouble, hub)}; {again} in {wait} · {key} now",
                    lambda hub: f"{brief(trouble, hub)} · {wait} · {key}",
                ])
            case "refused":
                return fit(width, self.hub, [
                    lambda hub: f"{explain('token', hub)} · {count}",
                    lambda hub: f"{brief('token', hub)} (`triage agent token`) · {count}",
                    lambda hub: brief("token", hub),
                ])

    def refresh_line(self) -> None:
        self._shown = True
        text = self.describe()
        self.update(f"{text} · following (f)" if self.following else text)
