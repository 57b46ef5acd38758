"""How the app gets a person's attention: a toast, the terminal bell and, when switched on, a
desktop notification through the terminal (OSC 9 / OSC 777, which travel over ssh).

Arrivals alert (the app's `upserted`), never the person's own sends; so do another party's acts
that ask something of the person (`tui.concerns`: interest, a pick, a signature, contact
revealed) and their messages; so does each open offer once, when it crosses under five minutes
left to claim (`check_deadlines`, each second). The person's own acts never alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from textual.app import App
from textual.notifications import SeverityLevel

from shared.protocol import ReferralView
from tui import format as fmt
from tui import terminal_output
from tui.notify import desktop_sequence

WARN_SECONDS = 5 * 60


class Alerts:
    """One app's alerts, with the person's choices: the bell, desktop notifications."""

    def __init__(self, app: App[Any], *, desktop: bool = False, bell: bool = True) -> None:
        self.app = app
        self.desktop = desktop  # the config switches it on for real use
        self.bell = bell
        self.warned: set[tuple[str, datetime]] = set()  # (referral id, offered at): once per offer
        self.seen_left: dict[tuple[str, datetime], float] = {}  # seconds left at the last tick

    def alert(self, message: str, title: str, severity: SeverityLevel = "information") -> None:
        self.app.notify(message, title=title, severity=severity)
        if self.bell:
            self.app.bell()
        if self.desktop:
            terminal_output.write(self.app, desktop_sequence(title, message))

    def check_deadlines(self, referrals: Iterable[ReferralView], now: datetime) -> None:
        """Alert once for every open offer seen crossing under five minutes left (one already
        under it when it first shows up is red in the table, not announced again)."""
        seen, self.seen_left = self.seen_left, {}
        for view in referrals:
            offer = view.offer
            if offer is None or offer.state != "open":
                continue
            key = (view.id, offer.offered_at)
            left = self.seen_left[key] = fmt.seconds_left(offer.deadline, now)
            before = seen.get(key)
            crossed = before is not None and before > WARN_SECONDS >= left > 0
            if crossed and key not in self.warned:
                self.warned.add(key)
                self.alert(closing_text(view, now), title=f"Offer {view.id} closing", severity="warning")


def closing_text(view: ReferralView, now: datetime) -> str:
    left = fmt.time_left(fmt.deadline_of(view), now)
    return " · ".join(p for p in (f"{left} left to claim", fmt.intent(view), fmt.area(view)) if p)
