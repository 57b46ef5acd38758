"""The main place, composed of its widgets: the connection line, the view bar, the filter line,
the inbox table, the detail pane, the footer. The widgets post what the person did (open, move,
scroll, close, filter); the screen handles those messages, feeds the table from the hub (with an
`InboxPager` for a huge inbox) and carries out the triage keys (`commands`).

The app calls the methods under "called by the app" with what the hub said.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, cast

import msgspec
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

from shared.protocol import ErrorCode, HubError, InboxResult, ReferralResult, ReferralView
from tui.filters import VIEWS, InboxFilter, ViewName
from tui.hub.messages import LinkState
from tui.inbox import commands
from tui.inbox.commands import Ask, Op, Open, Outcome, Warn
from tui.inbox.connection_line import ConnectionLine
from tui.inbox.detail_pane import DetailPane
from tui.inbox.filter_input import FilterInput
from tui.inbox.paging import REFETCH_DELAY, InboxPager, Seen, looks_new
from tui.inbox.table import InboxTable
from tui.inbox.view_bar import ViewBar
from tui.services import services
from tui.widgets.keys_footer import KeysFooter

CURSOR_SETTLE_SECONDS = 0.25  # the detail pane asks the hub once the cursor rests this long


class InboxScreen(Screen[None]):
    AUTO_FOCUS = "InboxTable"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS = [
        Binding("a", "accept", "Accept", id="triage.accept"),
        Binding("r", "reject", "Reject/pass", id="triage.reject"),
        Binding("s", "status", "Status", id="triage.status"),
        Binding("m", "thread", "Messages", id="triage.thread"),
        Binding("n", "new_referral", "New referral", id="triage.new"),
        Binding("p", "pick", "Pick receiver", show=False, id="triage.pick"),
        Binding("x", "sign", "Sign", show=False, id="triage.sign"),
        Binding("A", "archive", "Archive", show=False, id="triage.archive"),
        Binding("slash", "filter", "Filter", id="inbox.filter"),
        Binding("g", "agents", "Agents", id="app.agents"),
        Binding("1", "view('all')", "All", show=False, id="view.all"),
        Binding("2", "view('inbound')", "Inbound", show=False, id="view.inbound"),
        Binding("3", "view('outbound')", "Outbound", show=False, id="view.outbound"),
        Binding("4", "view('archived')", "Archived", show=False, id="view.archived"),
        Binding("escape", "close_detail", "Close", show=False, id="triage.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.acting: set[str] = set()  # referrals with one of our own ops in flight
        self.pager = InboxPager()
        self._refetch_timer: Timer | None = None
        self._tick_at: datetime | None = None  # the hub's time at the last countdown tick

    def compose(self) -> ComposeResult:
        triage = services(self)
        yield ConnectionLine(triage.session.url, id="connection-line")
        yield ViewBar(id="view-bar")
        yield FilterInput(id="filter")
        with Horizontal(id="main"):
            yield InboxTable(self.countdown_now, triage.tz, id="inbox")
            yield DetailPane(self.countdown_now, triage.tz, id="detail")
        yield KeysFooter()

    @property
    def table(self) -> InboxTable:
        return self.query_one(InboxTable)

    @property
    def bar(self) -> ViewBar:
        return self.query_one(ViewBar)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def line(self) -> ConnectionLine:
        return self.query_one(ConnectionLine)

    @property
    def filter_text(self) -> str:
        return self.query_one(FilterInput).value

    @property
    def detail_open(self) -> bool:
        return self.has_class("-detail-open")

    @property
    def referrals(self) -> dict[str, ReferralView]:
        """Every referral held: all of them for a small inbox, the window's for a huge one."""
        return self.table.referrals

    def current(self) -> ReferralView | None:
        """The referral the keys act on: the open detail when it has focus, else the row."""
        if self.detail_open and self.detail.has_focus_within and self.detail.referral is not None:
            return self.table.referrals.get(self.detail.referral.id, self.detail.referral)
        return self.table.selected

    # ------------------------------------------------------------ called by the app

    def countdown_now(self) -> datetime:
        """The time every countdown on the screen is drawn at: the last tick's, so the table
        and the detail never differ by the second that passes between drawing them."""
        return self._tick_at or services(self).session.hub_now()

    def tick(self) -> None:
        self._tick_at = services(self).session.hub_now()
        self.table.tick()
        self.line.tick()
        if self.detail_open:
            self.detail.tick()

    def show_link(self, state: LinkState, detail: str = "", retry_at: float | None = None,
                  hub: str = "") -> None:
        self.line.set_link(state, detail, retry_at, hub)

    def snapshot_args(self) -> dict[str, Any]:
        """What a (re)connection asks the hub for: the whole inbox if small, else the window."""
        return self.pager.snapshot_args(self.table.data, self.filter_text)

    def apply_snapshot(self, inbox: InboxResult) -> None:
        view_name, text = self.pager.snapshot_loaded()
        self.table.load_unread(inbox.unread, replace=True)
        self.table.load(inbox, view_name, text)
        self.refresh_bar()
        if self.detail_open and self.detail.referral_id in self.table.referrals:
            self.detail.show(self.table.referrals[self.detail.referral_id])

    def apply_upsert(self, view: ReferralView, seq: int = 0) -> bool:
        """Apply a changed or new referral; True when it is new to this person (as far as the
        table can tell: a paged inbox asks the hub for its window again)."""
        held = view.id in self.table.referrals
        is_new, placed = self.table.upsert(view)
        self.pager.note(Seen(seq, upserted=view))
        if not placed:
            self.refetch_soon()
            is_new = not held and looks_new(view)
        self._after_upsert(view)
        return is_new

    def apply_removed(self, referral_id: str, why: str, seq: int = 0) -> bool:
        """Take a referral out; True when the person should be told: it was held here and did
        not leave through one of our own ops in flight (whose own toast says it all)."""
        view, placed = self.table.remove(referral_id)
        self.pager.note(Seen(seq, removed=referral_id, why=why))
        if not placed:
            self.refetch_soon()
        self._after_remove(referral_id, why)
        return view is not None and referral_id not in self.acting

    def set_me(self, person_id: str) -> None:
        if self.table.me != person_id:
            self.table.set_me(person_id)
            self.refresh_bar()

    def add_unread(self, referral_id: str) -> None:
        self.table.add_unread(referral_id)

    def mark_read(self, referral_id: str) -> None:
        self.table.set_unread(referral_id, 0)

    def _after_upsert(self, view: ReferralView) -> None:
        self.refresh_bar()
        if self.detail_open and self.detail.referral_id == view.id:
            self.detail.show(view)
            self.detail.fetch(view.id)

    def _after_remove(self, referral_id: str, why: str) -> None:
        self.refresh_bar()
        if self.detail_open and self.detail.referral_id == referral_id:
            self.detail.mark_gone(why)

    # ------------------------------------------------------------ windows of a huge inbox

    @on(InboxTable.WindowWanted)
    def window_wanted(self, message: InboxTable.WindowWanted) -> None:
        self.fetch_window(message.offset, message.limit)

    def refetch_soon(self) -> None:
        if self._refetch_timer is None:
            self._refetch_timer = self.set_timer(REFETCH_DELAY, self._refetch)

    def _refetch(self) -> None:
        self._refetch_timer = None
        if not self.table.data.whole:
            self.fetch_window(*self.pager.same_window(self.table.data))

    @work(group="inbox-window", exclusive=True, exit_on_error=False)
    async def fetch_window(self, offset: int, limit: int) -> None:
        view_name, text = self.table.view_name, self.filter_text
        with self.pager.window_in_flight():
            try:
                raw = await services(self).session.request(
                    "inbox", view=view_name, filter=text, offset=offset, limit=limit)
            except HubError as exc:
                if exc.code != ErrorCode.OFFLINE:
                    self.notify(exc.message, title="Could not load the inbox", severity="error")
                return
        result = msgspec.convert(raw, InboxResult)
        if (view_name, text) != (self.table.view_name, self.filter_text):
            return  # the view or filter changed meanwhile: its own window is on its way
        self.table.load_unread(result.unread, replace=False)
        self.table.load(result, view_name, text)
        for event in self.pager.newer_than(result.seq):  # arrived while the window was on its way
            if event.upserted is not None:
                self.table.upsert(event.upserted)
                self._after_upsert(event.upserted)
            else:
                self.table.remove(event.removed)
                self._after_remove(event.removed, event.why)
        self.refresh_bar()

    # ------------------------------------------------------------ /, 1-4: filter and views

    def action_filter(self) -> None:
        box = self.query_one(FilterInput)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        if not self.table.set_filter(query=InboxFilter.parse(event.value)):
            self.fetch_window(*self.pager.first_window())
        self.refresh_bar()

    @on(FilterInput.Done)
    def filter_done(self) -> None:
        box = self.query_one(FilterInput)
        box.display = bool(box.value)
        self.table.focus()

    def action_view(self, name: str) -> None:
        if name in VIEWS:
            if not self.table.set_filter(view_name=cast(ViewName, name)):
                self.fetch_window(*self.pager.first_window())
            self.refresh_bar()

    @on(ViewBar.Chosen)
    def view_clicked(self, message: ViewBar.Chosen) -> None:
        self.action_view(message.view_name)

    def refresh_bar(self) -> None:
        data = self.table.data
        self.bar.set_state(data.view_name, self.filter_text, data.total, data.counts)
        self.line.count = len(data.known) if data.whole else data.counts.get("all", 0)

    # ------------------------------------------------------------ enter, escape: the detail pane

    def action_open(self) -> None:
        self.table.action_open()

    @on(InboxTable.OpenRequested)
    def open_detail(self, event: InboxTable.OpenRequested) -> None:
        self._show_detail(event.referral_id)

    @on(InboxTable.Highlighted)
    def follow_cursor(self, event: InboxTable.Highlighted) -> None:
        """With the detail open, it follows the cursor; the hub is asked once the cursor rests."""
        if self.detail_open and event.referral_id and event.referral_id != self.detail.referral_id:
            self._show_detail(event.referral_id, settle=CURSOR_SETTLE_SECONDS)

    def _show_detail(self, referral_id: str, settle: float = 0.0) -> None:
        view = self.table.referrals.get(referral_id)
        if view is None:
            return
        self.detail.show(view)
        self.add_class("-detail-open")
        if self.has_class("-narrow"):
            self.detail.focus()
        self.detail.fetch(view.id, settle)

    @on(DetailPane.Closed)
    def action_close_detail(self) -> None:
        if not self.detail_open:
            return
        self.remove_class("-detail-open")
        self.table.focus()

    # ------------------------------------------------------------ the triage keys

    def action_accept(self) -> None:
        if (view := self.current()) is not None:
            self.carry_out(commands.accept(view))

    @work(group="triage", exit_on_error=False)
    async def action_reject(self) -> None:
        await self._ask_then_carry_out(commands.reject)

    @work(group="triage", exit_on_error=False)
    async def action_status(self) -> None:
        await self._ask_then_carry_out(commands.status)

    def action_thread(self) -> None:
        if (view := self.current()) is not None:
            self.carry_out(commands.thread(view))

    def action_new_referral(self) -> None:
        self.carry_out(commands.new_referral())

    @work(group="triage", exit_on_error=False)
    async def action_agents(self) -> None:
        self.carry_out(await commands.agents(self.current(), self.app.push_screen_wait))

    @work(group="triage", exit_on_error=False)
    async def action_pick(self) -> None:
        await self._ask_then_carry_out(commands.pick)

    @work(group="triage", exit_on_error=False)
    async def action_sign(self) -> None:
        await self._ask_then_carry_out(commands.sign)

    def action_archive(self) -> None:
        if (view := self.current()) is not None:
            self.carry_out(commands.archive(view))

    async def _ask_then_carry_out(self, command: Callable[[ReferralView, Ask], Awaitable[Outcome]]) -> None:
        """A key whose command asks its questions first, about the referral the keys act on."""
        if (view := self.current()) is not None:
            self.carry_out(await command(view, self.app.push_screen_wait))

    def carry_out(self, outcome: Outcome) -> None:
        if isinstance(outcome, Op):
            self.run_op(outcome)
        elif isinstance(outcome, Warn):
            self.notify(outcome.text, severity="warning")
        elif isinstance(outcome, Open):
            self.app.push_screen(outcome.screen)

    @work(group="triage", exit_on_error=False)
    async def run_op(self, op: Op) -> None:
        triage = services(self)
        self.acting.add(op.referral_id)
        try:
            raw = await triage.session.request(op.name, id=op.referral_id, **op.args)
            view: ReferralView | None = msgspec.convert(raw, ReferralResult).referral
        except HubError as exc:
            if not (exc.code == ErrorCode.NOT_FOUND and op.referral_id not in self.table.referrals):
                self.notify(commands.refusal_text(exc, triage.tz), title=f"{op.name} {op.referral_id} refused",
                            severity="error")
                return
            # The change went through and took the referral out of our sight (a pass, a
            # rejection): the hub then cannot show it to us, and its removal already arrived.
            view = None
        finally:
            self.acting.discard(op.referral_id)
        if view is not None and view.id in self.table.referrals:  # a removal may already have
            self.apply_upsert(view)  # arrived: do not add it back
        self.notify(commands.done_text(op, view))
