"""The detail pane: every field of one referral as the viewer may see it, plus its audit trail
(asked of the hub when the pane opens or follows the cursor)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

import msgspec
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from shared.protocol import AuditEntry, DetailResult, ErrorCode, HubError, ReferralView
from tui import format as fmt
from tui.services import services


class DetailPane(VerticalScroll, can_focus=True):
    """Shown beside the table on wide terminals, instead of it on narrow ones."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="detail.close"),
        Binding("j", "scroll_down", "Down", show=False, id="detail.down"),
        Binding("k", "scroll_up", "Up", show=False, id="detail.up"),
    ]

    @dataclass
    class Closed(Message):
        """The user closed the pane."""

    def __init__(self, clock: Callable[[], datetime], tz: tzinfo | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.tz = tz
        self.referral: ReferralView | None = None
        self.audit: list[AuditEntry] = []
        self.gone: str = ""  # why the referral left the inbox, when it did
        self._body: Group = Group()

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body")

    @property
    def referral_id(self) -> str | None:
        return self.referral.id if self.referral is not None else None

    def show(self, referral: ReferralView, audit: list[AuditEntry] | None = None) -> None:
        if self.referral is None or referral.id != self.referral.id:
            self.audit, self.gone = [], ""
        self.referral = referral
        if audit is not None:
            self.audit = audit
        self.border_title = f"{referral.id} · {referral.kind}"
        self.render_body()

    def mark_gone(self, why: str) -> None:
        self.gone = why
        self.render_body()

    def tick(self) -> None:
        if self.referral is not None and self.referral.offer is not None:
            self.render_body()

    def action_close(self) -> None:
        self.post_message(self.Closed())

    @work(group="detail", exclusive=True, exit_on_error=False)
    async def fetch(self, referral_id: str, settle: float = 0.0) -> None:
        """Ask the hub for the referral and its audit trail; with `settle`, only once the cursor
        has rested that long (a newer call cancels this one), so holding j does not send a
        request per row (the hub limits requests a minute)."""
        if settle:
            await asyncio.sleep(settle)
        try:
            raw = await services(self).session.request("referral.get", id=referral_id)
        except HubError as exc:
            if exc.code != ErrorCode.OFFLINE:
                self.notify(exc.message, title=f"Could not load {referral_id}", severity="error")
            return
        result = msgspec.convert(raw, DetailResult)
        if self.referral_id == referral_id:
            self.show(result.referral, result.audit)

    # ------------------------------------------------------------ rendering

    def render_body(self) -> None:
        view = self.referral
        if view is None:
            return
        parts: list[object] = []
        if self.gone:
            parts.append(Text(f"No longer in your inbox: {self.gone}", style="bold"))
        if view.duplicate_of:
            parts.append(Text(fmt.duplicate_text(view), style="bold"))
        parts += [self._section("Referral", self._referral_rows(view))]
        parts.append(self._section("Client", self._client_rows(view)))
        if view.offer is not None:
            parts.append(self._section("Offer", self._offer_rows(view)))
        if view.recipients:
            parts.append(self._section("Recipients", [
                (f"{n}.", fmt.recipient_label(r)) for n, r in enumerate(view.recipients, start=1)
            ]))
        if view.notes:
            parts += [Text("Notes", style="bold underline"), Text(view.notes), Text("")]
        parts.append(self._section("You may", self._action_rows(view)))
        parts.append(self._audit_table())
        self._body = Group(*parts)
        self.query_one("#detail-body", Static).update(self._body)

    def as_text(self, width: int = 100) -> str:
        """The pane's content as plain text (for tests and copying)."""
        out = io.StringIO()
        Console(file=out, width=width, color_system=None, legacy_windows=False).print(self._body)
        return out.getvalue()

    def _section(self, title: str, rows: list[tuple[str, str | Text]]) -> Table:
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.title = title
        grid.title_style = "bold underline"
        grid.title_justify = "left"
        grid.add_column(style="dim", no_wrap=True, min_width=10)
        grid.add_column(ratio=1)
        for label, value in rows:
            if value:
                grid.add_row(label, value if isinstance(value, Text) else Text(str(value)))
        grid.add_row("", "")
        return grid

    def _referral_rows(self, view: ReferralView) -> list[tuple[str, str | Text]]:
        receiver = view.receiver.name if view.receiver is not None else ""
        sender = view.sender.name if view.sender is not None else ""
        if view.sender is not None and view.sender.brokerage:
            sender += f" ({view.sender.brokerage})"
        return [
            ("id", view.id),
            ("kind", f"{view.kind}" + (f" · {view.mode}" if view.mode else "")),
            ("status", str(view.status).replace("_", " ")),
            ("from", sender),
            ("receiver", receiver),
            ("program", view.program),
            ("lead type", view.lead_type),
            ("intent", view.intent),
            ("timeframe", view.timeframe),
            ("price", fmt.price_range(view)),
            ("appointment", fmt.stamp(view.appointment_at, self.tz) if view.appointment_at else ""),
            ("fee", f"{view.fee_percent:g} %" if view.fee_percent is not None else ""),
            ("signed by", ", ".join(view.signed_by)),
            ("duplicate of", " · ".join(p for p in (view.duplicate_of, view.duplicate_reason) if p)),
            ("created", fmt.stamp(view.created_at, self.tz)),
            ("updated", fmt.stamp(view.updated_at, self.tz)),
        ]

    def _client_rows(self, view: ReferralView) -> list[tuple[str, str | Text]]:
        address = ", ".join(p for p in (view.street, view.city, f"{view.state} {view.zip}".strip()) if p)
        rows: list[tuple[str, str | Text]] = [
            ("name", view.client_name),
            ("company", view.company),
            ("contact", " · ".join(p for p in (view.contact_person, view.title) if p)),
            ("website", view.website),
            ("address", address),
            ("e-mail", view.email),
            ("phone", view.phone),
            ("contact mail", view.contact_email),
            ("contact tel", view.contact_phone),
        ]
        notice = fmt.contact_notice(view)
        if notice:
            rows.append(("contact", Text(f"{notice} ({view.visibility.replace('_', ' ')})", style="italic")))
        return rows

    def _offer_rows(self, view: ReferralView) -> list[tuple[str, str | Text]]:
        offer = view.offer
        assert offer is not None
        now = self.clock()
        return [
            ("phase", f"{offer.phase} · {offer.state}"),
            ("offered", fmt.stamp(offer.offered_at, self.tz)),
            ("deadline", fmt.stamp(offer.deadline, self.tz)),
            ("time left", Text(fmt.time_left(offer.deadline, now), style="bold")),
        ]

    def _action_rows(self, view: ReferralView) -> list[tuple[str, str | Text]]:
        """What the viewer may do, in the product's words with the key that does it."""
        key = services(self).key
        actions = []
        for op in view.actions:
            words, binding_id = fmt.action_words(op)
            bound = key(binding_id) if binding_id else ""
            actions.append(f"{words} ({bound})" if bound else words)
        moves = ", ".join(str(m).replace("_", " ") for m in view.moves)
        status_key = key("triage.status")
        return [
            ("actions", " · ".join(actions) or "none"),
            (f"status ({status_key})" if status_key else "status", f"to {moves}" if moves else "no moves now"),
        ]

    def _audit_table(self) -> Table:
        table = Table(title="Audit", title_justify="left", title_style="bold underline",
                      expand=True, show_edge=False, box=None, padding=(0, 1))
        for column in ("when", "who", "what", "why"):
            table.add_column(column, style="dim" if column == "when" else "", overflow="fold")
        for entry in self.audit:
            what = entry.action
            if entry.from_status or entry.to_status:
                what += f" {entry.from_status or '·'}→{entry.to_status or '·'}"
            table.add_row(fmt.stamp(entry.at, self.tz), entry.actor, what, entry.reason)
        if not self.audit:
            table.add_row("", "", "(loading or empty)", "")
        return table
