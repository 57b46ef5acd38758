"""The live inbox: one line per referral, drawn only for the rows on screen (Textual's Line API).

A 100,000-row inbox costs what the screen shows: `virtual_size` is the view's row count, the
rows come from `InboxRows` (everything for a small inbox, a window of the hub's pages for a huge
one), and each second only the visible countdowns are redrawn.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from shared.protocol import InboxResult, ReferralView
from tui import format as fmt
from tui.filters import InboxFilter, ViewName
from tui.inbox.cells import HEADER, PENDING, empty_hint, fit_columns, line_width, row_cells, row_text
from tui.inbox.rows import InboxRows
from tui.services import services

LINE_CACHE = 1000  # drawn rows kept (a screenful is ~40, each in a few looks)


class InboxTable(ScrollView, can_focus=True):
    """Referrals visible to the person; deadlines first (soonest first), then newest first."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "inbox-table--header", "inbox-table--cursor", "inbox-table--even-row",
    }
    DEFAULT_CSS = """
    InboxTable {
        overflow-x: hidden;  /* the columns fit the width: the ones that do not are left out */
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .inbox-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        &:dark > .inbox-table--even-row { background: $surface-darken-1 40%; }
        & > .inbox-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .inbox-table--even-row { background: $surface-lighten-1 50%; }
        & > .inbox-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="inbox.open"),
        Binding("j,down", "cursor_down", "Down", show=False, id="inbox.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="inbox.up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="inbox.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="inbox.page_up"),
        Binding("home,ctrl+home", "first", "First", show=False, id="inbox.first"),
        Binding("end,ctrl+end", "last", "Last", show=False, id="inbox.last"),
    ]

    @dataclass
    class OpenRequested(Message):
        """The user asked to open the selected referral."""

        referral_id: str

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another referral."""

        referral_id: str

    @dataclass
    class WindowWanted(Message):
        """Rows `offset` to `offset + limit` of the current view are needed from the hub."""

        offset: int
        limit: int

    def __init__(self, clock: Callable[[], datetime], tz: tzinfo | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.clock = clock  # returns the hub's time (local clock corrected by the hub offset)
        self.tz = tz
        self.data = InboxRows()
        self.unread: dict[str, int] = {}  # referral id -> unread messages
        self.cursor_row = 0
        self._highlighted: str | None = None
        self.loaded = False  # until the hub's first page, an empty table is only loading
        self._asked: tuple[int, int] | None = None  # the window asked for and not yet loaded
        self._lines: dict[tuple, tuple[ReferralView | None, Strip]] = {}
        self._base: Style | None = None

    # ------------------------------------------------------------ what is shown

    @property
    def referrals(self) -> dict[str, ReferralView]:
        """Every referral held: all of them for a small inbox, the window's for a huge one."""
        return self.data.known

    @property
    def shown(self) -> set[str]:
        return {view.id for view in self.data.rows}

    @property
    def row_count(self) -> int:
        return self.data.total

    @property
    def me(self) -> str:
        return self.data.me

    @property
    def view_name(self) -> ViewName:
        return self.data.view_name

    @property
    def selected(self) -> ReferralView | None:
        return self.data.at(self.cursor_row) if self.data.total else None

    @property
    def selected_id(self) -> str | None:
        view = self.selected
        return view.id if view is not None else None

    def get_row_index(self, referral_id: str) -> int:
        index = self.data.index_of(referral_id)
        if index is None:
            raise KeyError(referral_id)
        return index

    def get_cell(self, referral_id: str, column: str) -> Text:
        return self._cells(self.referrals[referral_id], self.clock())[column]

    def _cells(self, view: ReferralView, now: datetime) -> dict[str, Text]:
        return row_cells(view, now, self.app.current_theme, self.unread.get(view.id, 0))

    # ------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        if y == 0:
            header = self.get_component_rich_style("inbox-table--header")
            return self._cached(("header",), header, None, None, self._header_segments)
        base = self._base_style()
        row = int(self.scroll_y) + y - 1
        if not self.data.total and y >= 2:  # an empty inbox says what to do
            width = self.scrollable_content_region.width
            hint = empty_hint(self.loaded, not self.data.query.empty, self.data.view_name, services(self).key)
            lines = textwrap.wrap(hint, max(10, width - 2))
            if y - 2 < len(lines):
                text = Text(" " + lines[y - 2], style="italic")
                return Strip(list(text.render(self.app.console)), width).apply_style(base).crop_extend(
                    0, width, base)
        if row >= self.data.total:
            return Strip.blank(self.size.width, base)
        over = None  # the cursor's colours win over the cells' own, as in a DataTable
        if row == self.cursor_row:
            over = self.get_component_rich_style("inbox-table--cursor")
            base = base + over
        elif row % 2:
            base = base + self.get_component_rich_style("inbox-table--even-row")
        view = self.data.at(row)
        if view is None:  # its page is on its way
            return self._cached(("…",), base, over, None, self._pending_segments)
        now = self.clock()
        key = (view.id, self.unread.get(view.id, 0),  # what the row's text depends on
               fmt.time_left(fmt.deadline_of(view), now) if view.offer is not None else "",
               self.app.theme)  # the countdown's colours
        return self._cached(key, base, over, view, lambda: self._segments(self._cells(view, now)))

    def _cached(self, key: tuple, base: Style, over: Style | None, view: ReferralView | None,
                segments: Callable[[], list[Segment]]) -> Strip:
        """A row's strip: its text is built once, and each look of it (plain, striped, under
        the cursor, scrolled sideways) once, while the row does not change."""
        full = (key, base, over, int(self.scroll_x), self.scrollable_content_region.width)
        cached = self._lines.get(full)
        if cached is None or (cached[0] is not view and cached[0] != view):  # a new window's
            # copy of an unchanged row keeps its strip
            if len(self._lines) >= LINE_CACHE:
                self._lines.clear()
            cached = self._lines[full] = (view, self._strip_of(segments(), base, over))
        return cached[1]

    def _header_segments(self) -> list[Segment]:
        return self._segments(HEADER)

    def _pending_segments(self) -> list[Segment]:
        return self._segments(PENDING)

    def _base_style(self) -> Style:
        """The widget's own style (walking every ancestor each line is what a redraw cost)."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None

    def _segments(self, cells: dict[str, Text]) -> list[Segment]:
        return list(row_text(cells, self.columns).render(self.app.console))

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns shown: those that fit whole in the width the table has now (the
        scrollbar and an open detail pane taken off)."""
        return fit_columns(self.scrollable_content_region.width)

    def _strip_of(self, segments: list[Segment], base: Style, over: Style | None) -> Strip:
        segments = list(Segment.apply_style(segments, base, over))
        return Strip(segments).crop_extend(0, self.scrollable_content_region.width, base)

    def _resize(self) -> None:
        self.virtual_size = Size(line_width(self.columns), self.data.total + 1)
        self.cursor_row = max(0, min(self.cursor_row, self.data.total - 1))
        self.refresh()

    def on_resize(self) -> None:
        self._want_window()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._want_window()

    @property
    def _visible_rows(self) -> tuple[int, int]:
        first = int(self.scroll_y)
        return first, first + max(0, self.size.height - 2)

    def _want_window(self) -> None:
        """Ask for the rows around the viewport when the window does not cover them."""
        first, last = self._visible_rows
        last = min(last, self.data.total - 1)
        if last < first or self.data.covers(first, last):
            return
        wanted = self.data.window_for(first, last)
        if self._asked != wanted:
            self._asked = wanted
            self.post_message(self.WindowWanted(*wanted))

    # ------------------------------------------------------------ updates

    def load(self, result: InboxResult, view_name: ViewName, text: str) -> None:
        """A page from the hub (the first one, a window, or a new view or filter's)."""
        selected = self.selected_id
        self._asked = None
        self.loaded = True
        self.data.load(result, view_name, text)
        self._after_change(selected)

    def set_filter(self, view_name: ViewName | None = None, query: InboxFilter | None = None) -> bool:
        """Change the view or the text filter; False when the hub must send the new rows."""
        done = self.data.set_filter(view_name or self.data.view_name,
                                    self.data.query if query is None else query)
        if done:
            self._after_change(self.selected_id)
        else:
            self.cursor_row = 0
            self.scroll_to(y=0, animate=False, immediate=True)
        return done

    def set_me(self, person_id: str) -> None:
        self.data.set_me(person_id)
        self._after_change(self.selected_id)

    def set_unread(self, referral_id: str, count: int) -> None:
        self.unread[referral_id] = max(0, count)
        self._refresh_row(referral_id)

    def add_unread(self, referral_id: str) -> None:
        """One more message on the referral's thread that the person has not read."""
        self.set_unread(referral_id, self.unread.get(referral_id, 0) + 1)

    def load_unread(self, counts: Mapping[str, int], *, replace: bool) -> None:
        """The hub's unread counts with a page: all of them (a snapshot) or the page's."""
        if replace:
            self.unread = dict(counts)
        else:
            self.unread.update(counts)

    def upsert(self, view: ReferralView) -> tuple[bool, bool]:
        """Insert or update one row by key: (new here, placed without asking the hub)."""
        is_new = view.id not in self.data.known
        selected = self.selected_id
        placed = self.data.upsert(view)
        self._after_change(selected)
        return is_new, placed

    def remove(self, referral_id: str) -> tuple[ReferralView | None, bool]:
        selected = self.selected_id
        view, placed = self.data.remove(referral_id)
        self._after_change(selected if selected != referral_id else None)
        return view, placed

    def tick(self) -> None:
        """Redraw only the visible countdowns (called once a second by the app's timer)."""
        first, last = self._visible_rows
        for row in range(first, min(last, self.data.total - 1) + 1):
            view = self.data.at(row)
            if view is not None and view.offer is not None:
                self.refresh_lines(row + 1)

    def _refresh_row(self, referral_id: str) -> None:
        index = self.data.index_of(referral_id)
        if index is not None:
            self.refresh_lines(index + 1)

    def _after_change(self, selected: str | None) -> None:
        """Keep the cursor on the same referral when it is still held, and redraw."""
        if selected is not None:
            index = self.data.index_of(selected)
            if index is not None:
                self.cursor_row = index
        self._resize()
        self._scroll_to_cursor()
        self._highlight()
        self._want_window()

    # ------------------------------------------------------------ cursor

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        if not self.data.total:
            return
        old, top = self.cursor_row, int(self.scroll_y)
        self.cursor_row = max(0, min(row, self.data.total - 1))
        self._scroll_to_cursor()
        if int(self.scroll_y) == top:  # only the two rows whose colours changed
            self.refresh_lines(old + 1)
            self.refresh_lines(self.cursor_row + 1)
        else:
            self.refresh()
        self._highlight()
        self._want_window()

    def _scroll_to_cursor(self) -> None:
        height = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False, immediate=True)

    def _highlight(self) -> None:
        referral_id = self.selected_id
        if referral_id is not None and referral_id != self._highlighted:
            self._highlighted = referral_id
            self.post_message(self.Highlighted(referral_id))

    def on_click(self, event: events.Click) -> None:
        if event.y > 0:  # not the header
            self.move_cursor(row=int(self.scroll_y) + event.y - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + max(1, self.size.height - 2))

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - max(1, self.size.height - 2))

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=self.data.total - 1)

    def action_open(self) -> None:
        referral_id = self.selected_id
        if referral_id is not None:
            self.post_message(self.OpenRequested(referral_id))
