"""How the app gets a person's attention: a toast, the terminal bell and, when switched on, a
desktop notification through the terminal (OSC 9 / OSC 777, which travel over ssh).

Arrivals alert (see `TriageApp.upserted`); so does each open offer once, when it crosses under
five minutes left to claim.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel

from tui import format as fmt
from tui.notify import desktop_sequence

if TYPE_CHECKING:
    from shared.protocol import ReferralView

WARN_SECONDS = 5 * 60


class AlertsMixin:
    """Mixed into TriageApp. Needs `hub_now()`, `loaded`, `inbox`, and the App's notify/bell."""

    desktop_notifications: bool = False  # the config switches it on for real use
    ring_bell: bool = True

    def _init_alerts(self, *, desktop: bool, bell: bool) -> None:
        self.desktop_notifications = desktop
        self.ring_bell = bell
        self.warned: set[tuple[str, datetime]] = set()  # (referral id, offered at): once per offer
        self.seen_left: dict[tuple[str, datetime], float] = {}  # seconds left at the last tick

    def alert(self, message: str, title: str, severity: SeverityLevel = "information") -> None:
        self.notify(message, title=title, severity=severity)  # type: ignore[attr-defined]
        if self.ring_bell:
            self.bell()  # type: ignore[attr-defined]
        if self.desktop_notifications:
            self.desktop_notify(title, message)

    def desktop_notify(self, title: str, body: str) -> None:
        """Write the escape sequences through the driver, as `App.bell` and
        `App.copy_to_clipboard` do: Textual 8 has no public API for raw terminal output."""
        driver = getattr(self, "_driver", None)
        if driver is not None and not self.is_headless:  # type: ignore[attr-defined]
            driver.write(desktop_sequence(title, body))

    def check_deadlines(self) -> None:
        """Each second: alert once for every open offer seen crossing under five minutes left
        (one already under it when it first shows up is red in the table, not announced again)."""
        if not self.loaded:  # type: ignore[attr-defined]
            return
        now = self.hub_now()  # type: ignore[attr-defined]
        seen, self.seen_left = self.seen_left, {}
        for view in list(self.inbox.referrals.values()):  # type: ignore[attr-defined]
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
