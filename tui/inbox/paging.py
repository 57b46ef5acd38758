"""Feeding the inbox table from the hub: what a (re)connection asks for, which window to ask for
next, and the live events that arrive while a window is on its way (no Textual here).

A small inbox arrives whole and events are applied in place. A huge one is paged: the table asks
for a window when the user scrolls, changes view or filter; an event that may add, move or
remove rows asks for the same window again (at most every `REFETCH_DELAY` seconds). Events that
arrive while a window is on its way are applied again on top of it when they are newer than it.
The inbox screen owns one `InboxPager` and does the asking.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from shared.protocol import ReferralView
from tui.filters import ViewName
from tui.inbox import rows as inbox_rows

SNAPSHOT_LIMIT = 200  # an inbox this small arrives whole; a bigger one is paged
REFETCH_DELAY = 0.2


@dataclass(frozen=True)
class Seen:
    """An event applied while a window was on its way: an upsert, or a removal and its reason."""

    seq: int
    upserted: ReferralView | None = None
    removed: str = ""
    why: str = ""


class InboxPager:
    """The paging state of one inbox: the snapshot's view, windows in flight, events meanwhile."""

    def __init__(self) -> None:
        self.snapshot_for: tuple[ViewName, str] = ("all", "")  # the view and filter asked for
        self._in_flight = 0  # windows asked for and not yet answered
        self._seen: list[Seen] = []

    def snapshot_args(self, rows: inbox_rows.InboxRows, filter_text: str) -> dict[str, Any]:
        """What a (re)connection asks for: the whole inbox if it is small, else the window shown."""
        if rows.whole:
            self.snapshot_for = ("all", "")
            return {"limit": SNAPSHOT_LIMIT}
        self.snapshot_for = (rows.view_name, filter_text)
        return {"view": rows.view_name, "filter": filter_text, "offset": rows.offset,
                "limit": max(inbox_rows.WINDOW, len(rows.rows))}

    def snapshot_loaded(self) -> tuple[ViewName, str]:
        """A snapshot replaced everything: nothing seen before it matters. Returns its view."""
        self._seen = []
        return self.snapshot_for

    @staticmethod
    def first_window() -> tuple[int, int]:
        """The offset and limit of a new view's or filter's first rows."""
        return 0, inbox_rows.WINDOW

    @staticmethod
    def same_window(rows: inbox_rows.InboxRows) -> tuple[int, int]:
        """The window shown, asked for again after an event the table could not place."""
        return rows.offset, max(inbox_rows.WINDOW, len(rows.rows))

    @contextmanager
    def window_in_flight(self) -> Iterator[None]:
        """While a window is on its way, events applied meanwhile are kept (`noted`)."""
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1

    def note(self, seen: Seen) -> None:
        if self._in_flight:
            self._seen.append(seen)

    def newer_than(self, seq: int) -> list[Seen]:
        """The events noted while the window (as of `seq`) was on its way that it does not hold."""
        seen, self._seen = self._seen, []
        return [event for event in seen if event.seq > seq]


def looks_new(view: ReferralView) -> bool:
    """An arrival rather than a change: created, or offered to this person, just now."""
    offered = view.offer.offered_at if view.offer is not None else None
    return view.created_at >= view.updated_at or (offered is not None and offered >= view.updated_at)
