"""The live inbox: one DataTable row per referral, keyed by referral id, updated in place."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from shared.protocol import ReferralView
from tui import format as fmt
from tui.filters import InboxFilter, ViewName, visible

KIND_LABELS = {"appointment": "appt", "agent": "agent", "partner": "partner", "active": "active"}

# (column key, label, max width of its text)
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("left", "Left", 8),
    ("kind", "Kind", 7),
    ("status", "Status", 12),
    ("client", "Client", 18),
    ("area", "Area", 20),
    ("price", "Price", 13),
    ("intent", "Lead / intent", 18),
    ("from", "From", 16),
)


LEFT_WIDTH = 7


class KeyedText(Text):
    """A cell that remembers its referral, so `DataTable.sort` can order rows by our key."""

    referral_id: str = ""


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class InboxTable(DataTable[Text]):
    """Referrals visible to the person; deadlines first (soonest first), then newest first."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="inbox.open"),
        Binding("j", "cursor_down", "Down", show=False, id="inbox.down"),
        Binding("k", "cursor_up", "Up", show=False, id="inbox.up"),
    ]

    class OpenRequested(Message):
        """The user asked to open the selected referral."""

        def __init__(self, referral_id: str) -> None:
            super().__init__()
            self.referral_id = referral_id

    def __init__(self, clock: Callable[[], datetime], tz: tzinfo | None = None, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.clock = clock  # returns the hub's time (local clock corrected by the hub offset)
        self.tz = tz
        self.referrals: dict[str, ReferralView] = {}  # every referral known, shown or not
        self.shown: set[str] = set()  # the ids that have a row (they pass the view and filter)
        self.unread: dict[str, int] = {}  # referral id -> unread messages
        self.me = ""  # the viewer's person id (for inbound/outbound)
        self.view_name: ViewName = "all"
        self.query_filter = InboxFilter()
        # Columns exist from the start, so a snapshot that lands before mount still fits.
        for key, label, _ in COLUMNS:
            if key == "left":
                self.add_column(Text(label, justify="right"), key=key, width=LEFT_WIDTH)
            else:
                self.add_column(label, key=key)

    # ------------------------------------------------------------ queries

    @property
    def selected_id(self) -> str | None:
        if not self.shown or self.cursor_row < 0:
            return None
        try:
            row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return row_key.value

    @property
    def selected(self) -> ReferralView | None:
        referral_id = self.selected_id
        return self.referrals.get(referral_id) if referral_id else None

    # ------------------------------------------------------------ cells

    def _left_cell(self, view: ReferralView, now: datetime) -> KeyedText:
        deadline = fmt.deadline_of(view)
        theme = self.app.current_theme
        level = fmt.urgency(deadline, now)
        style = Style()
        if level == "warning" and theme.warning:
            style = Style(color=theme.warning, bold=True)
        elif level in ("critical", "expired") and theme.error:
            style = Style(color=theme.error, bold=True)
        cell = KeyedText(fmt.time_left(deadline, now), style=style, no_wrap=True, justify="right")
        cell.referral_id = view.id
        return cell

    def _cells(self, view: ReferralView, now: datetime) -> dict[str, Text]:
        values = {
            "kind": KIND_LABELS.get(view.kind, str(view.kind)),
            "status": str(view.status).replace("_", " "),
            "client": fmt.client_label(view),
            "area": fmt.area(view),
            "price": fmt.price_range(view),
            "intent": fmt.partner_contact(view) if view.kind == "partner" else fmt.intent(view),
            "from": fmt.sender_label(view),
        }
        widths = {key: width for key, _, width in COLUMNS}
        cells: dict[str, Text] = {"left": self._left_cell(view, now)}
        for key, value in values.items():
            cells[key] = Text(_clip(value, widths[key]), no_wrap=True)
        if not view.client_name and not view.company and not view.contact_person:
            cells["client"] = Text("hidden", style="dim italic", no_wrap=True)
        if view.duplicate_of:
            cells["client"] = Text.assemble(("⚠ ", "bold"), cells["client"], no_wrap=True)
        if self.unread.get(view.id):
            cells["client"] = Text.assemble(cells["client"], (f" ✉ {self.unread[view.id]}", "bold"),
                                            no_wrap=True)
        return cells

    def _add(self, view: ReferralView, now: datetime) -> None:
        cells = self._cells(view, now)
        self.add_row(*(cells[key] for key, _, _ in COLUMNS), key=view.id)
        self.shown.add(view.id)

    def _hide(self, referral_id: str) -> None:
        if referral_id in self.shown:
            self.shown.discard(referral_id)
            try:
                self.remove_row(referral_id)
            except RowDoesNotExist:
                pass

    def passes(self, view: ReferralView) -> bool:
        return visible(view, self.view_name, self.me, self.query_filter)

    # ------------------------------------------------------------ updates by key

    def replace_all(self, views: Iterable[ReferralView]) -> None:
        """A fresh snapshot: the only time the table is cleared."""
        selected = self.selected_id
        now = self.clock()
        with self.app.batch_update():
            self.clear()
            self.referrals, self.shown = {}, set()
            for view in views:
                self.referrals[view.id] = view
                if self.passes(view):
                    self._add(view, now)
            self._resort(selected)

    def set_filter(self, view_name: ViewName | None = None, query: InboxFilter | None = None) -> None:
        """Change the view or the text filter: add and remove rows by key, never rebuild."""
        if view_name is not None:
            self.view_name = view_name
        if query is not None:
            self.query_filter = query
        selected, now, added = self.selected_id, self.clock(), False
        with self.app.batch_update():
            for view in self.referrals.values():
                wanted = self.passes(view)
                if wanted and view.id not in self.shown:
                    self._add(view, now)
                    added = True
                elif not wanted and view.id in self.shown:
                    self._hide(view.id)
            if added:
                self._resort(selected)

    def set_unread(self, referral_id: str, count: int) -> None:
        self.unread[referral_id] = max(0, count)
        view = self.referrals.get(referral_id)
        if view is not None and referral_id in self.shown:
            self.update_cell(referral_id, "client", self._cells(view, self.clock())["client"],
                             update_width=True)

    def upsert(self, view: ReferralView) -> bool:
        """Insert or update one row by key. Returns True when the referral is new here."""
        old = self.referrals.get(view.id)
        self.referrals[view.id] = view
        selected = self.selected_id
        now = self.clock()
        with self.app.batch_update():
            if not self.passes(view):
                self._hide(view.id)
            elif view.id not in self.shown:
                self._add(view, now)
                self._resort(selected)
            else:
                for key, value in self._cells(view, now).items():
                    self.update_cell(view.id, key, value, update_width=True)
                if old is None or fmt.sort_key(old) != fmt.sort_key(view):
                    self._resort(selected)
        return old is None

    def remove(self, referral_id: str) -> ReferralView | None:
        view = self.referrals.pop(referral_id, None)
        self._hide(referral_id)
        return view

    def tick(self) -> None:
        """Redraw only the countdown cells (called once a second by the app's timer)."""
        now = self.clock()
        with self.app.batch_update():
            for view in self.referrals.values():
                if view.offer is not None and view.id in self.shown:
                    self.update_cell(view.id, "left", self._left_cell(view, now))

    def _resort(self, selected: str | None) -> None:
        def key(cell: Text) -> tuple[int, float]:
            view = self.referrals.get(getattr(cell, "referral_id", ""))
            return fmt.sort_key(view) if view is not None else (2, 0.0)

        self.sort("left", key=key)
        if selected is not None and selected in self.shown:
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    # ------------------------------------------------------------ actions

    def action_open(self) -> None:
        referral_id = self.selected_id
        if referral_id is not None:
            self.post_message(self.OpenRequested(referral_id))
