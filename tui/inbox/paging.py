"""Feeding the inbox table from the hub: the snapshot, the windows of a huge inbox, and live
events that the window cannot place by itself. A mixin of InboxScreen.

A small inbox arrives whole and events are applied in place. A huge one is paged: the table asks
for a window when the user scrolls, changes view or filter; an event that may add, move or
remove rows asks for the same window again (at most every `REFETCH_DELAY` seconds). Events that
arrive while a window is on its way are applied again on top of it when they are newer than it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
from textual import work

from shared.protocol import ErrorCode, HubError, InboxResult, ReferralView
from tui.inbox.filter_input import FilterInput
from tui.inbox.rows import WINDOW
from tui.inbox.table import InboxTable
from tui.services import services

if TYPE_CHECKING:
    from textual.timer import Timer


SNAPSHOT_LIMIT = 200  # an inbox this small arrives whole; a bigger one is paged
REFETCH_DELAY = 0.2


@dataclass
class _Seen:
    """An event applied while a window was on its way."""

    seq: int
    upserted: ReferralView | None = None
    removed: str = ""
    why: str = ""


class InboxPaging:
    """Needs from the screen: app, table, line, refresh_bar(), notify(), query_one(), set_timer()."""

    table: InboxTable
    _fetching: int = 0
    _seen: list[_Seen]
    _refetch_timer: Timer | None = None
    _snapshot_for: tuple[str, str] = ("all", "")

    if TYPE_CHECKING:
        def refresh_bar(self) -> None: ...
        def after_upsert(self, view: ReferralView) -> None: ...
        def after_remove(self, referral_id: str, why: str) -> None: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def query_one(self, selector: Any) -> Any: ...
        def set_timer(self, delay: float, callback: Any) -> Timer: ...

    @property
    def filter_text(self) -> str:
        return self.query_one(FilterInput).value

    def snapshot_args(self) -> dict[str, Any]:
        """What a (re)connection asks for: the whole inbox if it is small, else the window shown."""
        data = self.table.data
        if data.whole:
            self._snapshot_for = ("all", "")
            return {"limit": SNAPSHOT_LIMIT}
        self._snapshot_for = (data.view_name, self.filter_text)
        return {"view": data.view_name, "filter": self.filter_text, "offset": data.offset,
                "limit": max(WINDOW, len(data.rows))}

    def load_snapshot(self, result: InboxResult) -> None:
        view_name, text = self._snapshot_for
        self.table.unread = dict(result.unread)
        self.table.load(result, view_name, text)  # type: ignore[arg-type]
        self._seen = []

    # ------------------------------------------------------------ events

    def note_event(self, seen: _Seen) -> None:
        if self._fetching:
            self._seen.append(seen)

    def upsert_placed(self, view: ReferralView, seq: int) -> bool:
        """Apply an upsert; True when it is new to this person (as far as the table can tell)."""
        held = view.id in self.table.referrals
        is_new, placed = self.table.upsert(view)
        self.note_event(_Seen(seq, upserted=view))
        if not placed:
            self.refetch_soon()
            is_new = not held and _looks_new(view)
        return is_new

    def remove_placed(self, referral_id: str, seq: int, why: str) -> ReferralView | None:
        view, placed = self.table.remove(referral_id)
        self.note_event(_Seen(seq, removed=referral_id, why=why))
        if not placed:
            self.refetch_soon()
        return view

    def refetch_soon(self) -> None:
        if self._refetch_timer is None:
            self._refetch_timer = self.set_timer(REFETCH_DELAY, self._refetch)

    def _refetch(self) -> None:
        self._refetch_timer = None
        data = self.table.data
        if not data.whole:
            self.fetch_window(data.offset, max(WINDOW, len(data.rows)))

    # ------------------------------------------------------------ windows

    def on_inbox_table_window_wanted(self, message: InboxTable.WindowWanted) -> None:
        """(A mixin's `@on` is not seen by Textual: the handler goes by its name.)"""
        self.fetch_window(message.offset, message.limit)

    def ask_first_window(self) -> None:
        self.fetch_window(0, WINDOW)

    @work(group="inbox-window", exclusive=True, exit_on_error=False)
    async def fetch_window(self, offset: int, limit: int) -> None:
        view_name, text = self.table.view_name, self.filter_text
        args = {"view": view_name, "filter": text, "offset": offset, "limit": limit}
        self._fetching += 1
        try:
            result = msgspec.convert(await services(self).session.request("inbox", **args), InboxResult)
        except HubError as exc:
            if exc.code != ErrorCode.OFFLINE:
                self.notify(exc.message, title="Could not load the inbox", severity="error")
            return
        finally:
            self._fetching -= 1
        if (view_name, text) != (self.table.view_name, self.filter_text):
            return  # the view or filter changed meanwhile: its own window is on its way
        seen, self._seen = self._seen, []
        self.table.unread.update(result.unread)
        self.table.load(result, view_name, text)
        for event in seen:
            if event.seq <= result.seq:
                continue  # already in the window
            if event.upserted is not None:
                self.table.upsert(event.upserted)
                self.after_upsert(event.upserted)
            else:
                self.table.remove(event.removed)
                self.after_remove(event.removed, event.why)
        self.refresh_bar()


def _looks_new(view: ReferralView) -> bool:
    """An arrival rather than a change: created, or offered to this person, just now."""
    offered = view.offer.offered_at if view.offer is not None else None
    return view.created_at >= view.updated_at or (offered is not None and offered >= view.updated_at)
