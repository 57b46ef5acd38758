"""The rows behind the inbox table, whatever the inbox's size (no Textual here).

A small inbox arrives whole (the first `inbox` page holds every referral): views and the filter
are then applied here, at once, offline too. A huge one never does: the table holds one window
of the current view (rows `offset` to `offset + len(window)` of the hub's order) plus the hub's
counts, and asks the hub for another window when the user scrolls near its edge, changes view or
filter, or an event changes what the window should hold.
"""

from __future__ import annotations

from datetime import datetime

from shared.inbox_query import VIEWS, InboxFilter, ViewName
from shared.protocol import InboxResult, ReferralView
from tui import format as fmt
from tui.filters import visible

WINDOW = 200  # rows asked for at once when paging
MARGIN = 40  # rows between the viewport and the window's edge before the next window is asked


def _order(view: ReferralView) -> tuple[tuple[int, float], float, tuple[int, ...]]:
    """The hub's order: deadlines first (soonest), then newest first, then id (descending)."""
    return fmt.sort_key(view), -view.created_at.timestamp(), tuple(-ord(c) for c in view.id)


class InboxRows:
    """Which referral is on row `i` of the current view, and how many rows each view has."""

    def __init__(self) -> None:
        self.me = ""
        self.view_name: ViewName = "all"
        self.query = InboxFilter()
        self.whole = True  # every referral the person may see is here
        self.known: dict[str, ReferralView] = {}  # whole: all of them; paged: the window's
        self.rows: list[ReferralView] = []  # the current view's rows held here, in order
        self.offset = 0  # the place of rows[0] in the view
        self.total = 0  # rows in the current view
        self.counts: dict[str, int] = dict.fromkeys(VIEWS, 0)

    # ------------------------------------------------------------ reading

    def at(self, index: int) -> ReferralView | None:
        """The referral on row `index`, or None when that row is not held (yet)."""
        local = index - self.offset
        return self.rows[local] if 0 <= local < len(self.rows) else None

    def index_of(self, referral_id: str) -> int | None:
        for local, view in enumerate(self.rows):
            if view.id == referral_id:
                return self.offset + local
        return None

    def next_offer(self, now: datetime, start: int = 0, skip: str = "") -> int | None:
        """The row of the first open offer at or after row `start` (rows are in deadline order,
        soonest first), else the last one above it; None when no open offer is held. `skip`:
        a referral not to count (the one just passed on)."""
        offers = [self.offset + local for local, view in enumerate(self.rows)
                  if view.offer is not None and view.offer.state == "open"
                  and view.offer.deadline > now and view.id != skip]
        return next((row for row in offers if row >= start), offers[-1] if offers else None)

    def covers(self, first: int, last: int) -> bool:
        """Rows `first` to `last` are held, with a margin (or the view's edge) on both sides."""
        if self.whole:
            return True
        end = self.offset + len(self.rows)
        low_ok = self.offset == 0 or first - MARGIN >= self.offset
        high_ok = end >= self.total or last + MARGIN <= end
        return low_ok and high_ok

    def window_for(self, first: int, last: int) -> tuple[int, int]:
        """The offset and limit to ask the hub for so rows `first` to `last` sit in the middle."""
        middle = (first + last) // 2
        return max(0, middle - WINDOW // 2), WINDOW

    # ------------------------------------------------------------ loading

    def load(self, result: InboxResult, view_name: ViewName, text: str) -> None:
        """A page from the hub for `view_name` and filter `text`."""
        query = InboxFilter.parse(text)
        if result.offset == 0 and view_name == "all" and query.empty and (
            len(result.referrals) >= result.total
        ):
            self.whole = True
            self.known = {v.id: v for v in result.referrals}
            self._relist()
            return
        self.whole = False
        self.view_name, self.query = view_name, query
        self.rows = list(result.referrals)
        self.known = {v.id: v for v in self.rows}
        self.offset, self.total = result.offset, result.total
        self.counts = {name: result.counts.get(name, 0) for name in VIEWS}

    def set_filter(self, view_name: ViewName, query: InboxFilter) -> bool:
        """Change the view or filter; False when the hub must be asked for the new rows."""
        self.view_name, self.query = view_name, query
        if self.whole:
            self._relist()
        return self.whole

    def set_me(self, person_id: str) -> None:
        self.me = person_id
        if self.whole:
            self._relist()

    def _relist(self) -> None:
        shown = {name: [v for v in self.known.values() if visible(v, name, self.me, self.query)]
                 for name in VIEWS}
        self.counts = {name: len(rows) for name, rows in shown.items()}
        self.rows = sorted(shown[self.view_name], key=_order)
        self.offset, self.total = 0, len(self.rows)

    # ------------------------------------------------------------ live events

    def upsert(self, view: ReferralView) -> bool:
        """Apply a changed or new referral. False when the window may now be wrong and the hub
        must be asked again (a paged inbox, and the row is new, moved, or left the view)."""
        if self.whole:
            self.known[view.id] = view
            self._relist()
            return True
        old = self.known.get(view.id)
        if old is None:
            return False
        self.known[view.id] = view
        index = self.rows.index(old)
        self.rows[index] = view
        stays = visible(view, self.view_name, self.me, self.query)
        return stays and _order(old)[:2] == _order(view)[:2] and old.status == view.status

    def remove(self, referral_id: str) -> tuple[ReferralView | None, bool]:
        """Drop a referral; returns it (when held) and False when the hub must be asked again."""
        view = self.known.pop(referral_id, None)
        if self.whole:
            if view is not None:
                self._relist()
            return view, True
        if view is not None:
            self.rows.remove(view)
            self.total = max(0, self.total - 1)
        return view, False
