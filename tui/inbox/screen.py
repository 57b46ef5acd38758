"""The main place: connection line, inbox table, detail pane, footer; and the triage keys."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import msgspec
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input

from shared.protocol import (
    DetailResult,
    ErrorCode,
    HubError,
    InboxResult,
    ReferralResult,
    ReferralView,
)
from tui import format as fmt
from tui.inbox.commands import InboxCommands
from tui.inbox.connection_line import ConnectionLine
from tui.inbox.detail_pane import DetailPane
from tui.inbox.filter_input import FilterInput
from tui.inbox.paging import InboxPaging
from tui.inbox.table import InboxTable
from tui.inbox.view_bar import ViewBar
from tui.screens.reason_modal import ReasonModal
from tui.services import services

CURSOR_SETTLE_SECONDS = 0.25  # the detail pane asks the hub once the cursor rests this long


class InboxScreen(InboxCommands, InboxPaging, Screen[None]):
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
        self._seen = []  # events applied while a window of the inbox is on its way

    def compose(self) -> ComposeResult:
        triage = services(self)
        yield ConnectionLine(triage.session.url, id="connection-line")
        yield ViewBar(id="view-bar")
        yield FilterInput(id="filter")
        with Horizontal(id="main"):
            yield InboxTable(triage.session.hub_now, triage.tz, id="inbox")
            yield DetailPane(triage.session.hub_now, triage.tz, id="detail")
        yield Footer()

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
    def detail_open(self) -> bool:
        return self.has_class("-detail-open")

    def current(self) -> ReferralView | None:
        """The referral the keys act on: the open detail when it has focus, else the row."""
        if self.detail_open and self.detail.has_focus_within and self.detail.referral is not None:
            return self.table.referrals.get(self.detail.referral.id, self.detail.referral)
        return self.table.selected

    # ------------------------------------------------------------ called by the app

    def tick(self) -> None:
        self.table.tick()
        self.line.tick()
        if self.detail_open:
            self.detail.tick()

    def apply_snapshot(self, inbox: InboxResult) -> None:
        self.load_snapshot(inbox)
        self.refresh_bar()
        if self.detail_open and self.detail.referral_id in self.table.referrals:
            self.detail.show(self.table.referrals[self.detail.referral_id])

    def apply_upsert(self, view: ReferralView, seq: int = 0) -> bool:
        is_new = self.upsert_placed(view, seq)
        self.after_upsert(view)
        return is_new

    def after_upsert(self, view: ReferralView) -> None:
        self.refresh_bar()
        if self.detail_open and self.detail.referral_id == view.id:
            self.detail.show(view)
            self.refresh_audit(view.id)

    def apply_removed(self, referral_id: str, why: str, seq: int = 0) -> ReferralView | None:
        view = self.remove_placed(referral_id, seq, why)
        self.after_remove(referral_id, why)
        return view

    def after_remove(self, referral_id: str, why: str) -> None:
        self.refresh_bar()
        if self.detail_open and self.detail.referral_id == referral_id:
            self.detail.mark_gone(why)

    def set_me(self, person_id: str) -> None:
        if self.table.me != person_id:
            self.table.set_me(person_id)
            self.refresh_bar()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.apply_filter_text(event.value)

    @on(FilterInput.Done)
    def filter_done(self) -> None:
        box = self.query_one(FilterInput)
        box.display = bool(box.value)
        self.table.focus()

    # ------------------------------------------------------------ detail pane

    @on(InboxTable.OpenRequested)
    def open_detail(self, event: InboxTable.OpenRequested, settle: float = 0.0) -> None:
        view = self.table.referrals.get(event.referral_id)
        if view is None:
            return
        self.detail.show(view)
        self.add_class("-detail-open")
        if self.has_class("-narrow"):
            self.detail.focus()
        self.refresh_audit(view.id, settle)

    @on(InboxTable.Highlighted)
    def follow_cursor(self, event: InboxTable.Highlighted) -> None:
        """With the detail open, it follows the cursor; the hub is asked only once the cursor
        rests, so holding j does not send a request per row (the hub limits requests a minute)."""
        referral_id = event.referral_id
        if self.detail_open and referral_id and referral_id != self.detail.referral_id:
            self.open_detail(InboxTable.OpenRequested(referral_id), settle=CURSOR_SETTLE_SECONDS)

    @on(DetailPane.Closed)
    def action_close_detail(self) -> None:
        if not self.detail_open:
            return
        self.remove_class("-detail-open")
        self.table.focus()

    @work(group="detail", exclusive=True, exit_on_error=False)
    async def refresh_audit(self, referral_id: str, settle: float = 0.0) -> None:
        if settle:
            await asyncio.sleep(settle)  # a newer call (the cursor moved on) cancels this one
        try:
            result = msgspec.convert(
                await services(self).session.request("referral.get", id=referral_id), DetailResult
            )
        except HubError as exc:
            if exc.code != ErrorCode.OFFLINE:
                self.notify(exc.message, title=f"Could not load {referral_id}", severity="error")
            return
        if self.detail.referral_id == referral_id:
            self.detail.show(result.referral, result.audit)

    # ------------------------------------------------------------ triage keys

    def action_accept(self) -> None:
        view = self.current()
        if view is None:
            return
        op = fmt.accept_op(view)
        if op is None:
            self.notify(f"Nothing to accept on {view.id} ({view.status}).", severity="warning")
            return
        self.run_op(view.id, op, {})

    @work(group="triage", exit_on_error=False)
    async def action_reject(self) -> None:
        view = self.current()
        if view is None:
            return
        op = fmt.reject_op(view)
        if op is None:
            self.notify(f"Nothing to reject or pass on {view.id} ({view.status}).", severity="warning")
            return
        args: dict[str, Any] = {}
        if op in ("reject", "decline"):
            required = op in fmt.REASON_REQUIRED_OPS
            title = f"{op.capitalize()} {view.id}: {fmt.client_label(view)}"
            reason = await self.app.push_screen_wait(ReasonModal(title, required=required))
            if reason is None:
                return
            args["reason"] = reason
        self.run_op(view.id, op, args)

    @work(group="triage", exit_on_error=False)
    async def run_op(self, referral_id: str, op: str, args: dict[str, Any], done: str = "") -> None:
        self.acting.add(referral_id)
        try:
            raw = await services(self).session.request(op, id=referral_id, **args)
            view = msgspec.convert(raw, ReferralResult).referral
        except HubError as exc:
            if not (exc.code == ErrorCode.NOT_FOUND and referral_id not in self.table.referrals):
                self.notify(self.error_text(exc), title=f"{op} {referral_id} refused", severity="error")
                return
            # The change went through and took the referral out of our sight (a pass, a
            # rejection): the hub then cannot show it to us, and its removal already arrived.
            view = None
        finally:
            self.acting.discard(referral_id)
        if view is not None and view.id in self.table.referrals:  # a removal may already have arrived: do not re-add
            self.apply_upsert(view)
        revealed = ""
        if op == "claim" and view is not None and view.visibility == "full":
            revealed = " — contact revealed"
        elif op in ("sign", "pick") and view is not None and view.status == "awarded":
            revealed = " — both signed: awarded"
        if not done:
            done = f"{fmt.ACCEPT_DONE.get(op) or fmt.REJECT_DONE.get(op) or op} {referral_id}"
        self.notify(f"{done}{revealed}")

    def error_text(self, exc: HubError) -> str:
        winner, at = exc.details.get("winner"), exc.details.get("at")
        if exc.code == ErrorCode.CLAIM_LOST and winner:
            name = winner.get("name", "") if isinstance(winner, dict) else str(winner)
            when = ""
            if at:
                try:
                    when = " at " + fmt.clock_time(msgspec.convert(at, datetime), services(self).tz)
                except msgspec.ValidationError:
                    when = f" at {at}"
            return f"{name} claimed it{when}"
        return exc.message
