"""The outbound form: create an agent referral, keep it as a draft or send it. The referral the
hub created goes to the app as `OutboundForm.Saved` (the inbox shows it at once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Select, TextArea

from shared.domain import DEFAULT_FEE_PERCENT
from shared.protocol import AgentCard, HubError, ReferralResult, ReferralView
from tui.screens.agent_search_screen import AgentSearchScreen
from tui.screens.fee_modal import parse_fee
from tui.services import services
from tui.widgets.agent_search import AgentSearch
from tui.widgets.keys_footer import KeysFooter

# (field, label, placeholder)
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("first_name", "First name", "client's first name"),
    ("last_name", "Last name", ""),
    ("email", "E-mail", ""),
    ("phone", "Phone", ""),
    ("street", "Street", ""),
    ("city", "City", ""),
    ("zip", "Zip", "target area zip code"),
    ("price_min", "Price min", "e.g. 450000 or 450k"),
    ("price_max", "Price max", "e.g. 600000 or 600k"),
    ("timeframe", "Timeframe", "e.g. 3 months"),
)
INTENTS = [("buy", "buy"), ("sell", "sell")]
MODES = [("private: chosen receivers", "private"), ("network: my network group", "network"),
         ("open: every agent in the area", "open")]


def parse_price(text: str) -> int | None:
    """"450000", "450k", "1.2m", "$450,000" -> dollars; "" -> None; raises ValueError."""
    text = text.strip().lower().replace("$", "").replace(",", "")
    if not text:
        return None
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    number = text[:-1] if scale > 1 else text
    return int(round(float(number) * scale))


class OutboundForm(Screen[str | None]):
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", priority=True, id="form.send"),
        Binding("f2", "draft", "Save draft", priority=True, id="form.draft"),
        Binding("ctrl+g", "agents", "Agent search", priority=True, id="form.agents"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    @dataclass
    class Saved(Message):
        """The hub created the referral (sent, or kept as a draft)."""

        referral: ReferralView

    def __init__(self, receivers: list[AgentCard] | None = None) -> None:
        super().__init__()
        self.receivers = list(receivers or [])  # chosen before the form opened (the `g` screen)

    def compose(self) -> ComposeResult:
        yield Label("New agent referral", id="form-title")
        yield Label("", id="form-error")
        with VerticalScroll(id="form-body"):
            for field, label, placeholder in FIELDS:
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    yield Input(placeholder=placeholder, id=f"f-{field}", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Intent", classes="form-label")
                yield Select(INTENTS, value="buy", allow_blank=False, id="f-intent", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Fee %", classes="form-label")
                yield Input(f"{DEFAULT_FEE_PERCENT:g}", id="f-fee_percent", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Mode", classes="form-label")
                yield Select(MODES, value="private", allow_blank=False, id="f-mode", compact=True)
            yield Label("Notes", classes="form-section")
            yield TextArea(id="f-notes", classes="form-notes", compact=True)
            yield Label("Receivers (private mode): search, then space toggles", classes="form-section")
            yield AgentSearch(id="form-agents")
            with Horizontal(id="form-buttons"):
                yield Button("Save draft", id="form-draft")
                yield Button("Send", variant="primary", id="form-send")
        yield KeysFooter()

    def on_mount(self) -> None:
        if self.receivers:
            self.query_one(AgentSearch).add_chosen(self.receivers)
            names = ", ".join(card.name for card in self.receivers)
            self.query_one("#agent-status", Label).update(f"chosen: {names}")
        self.query_one("#f-first_name", Input).focus()

    def value(self, field: str) -> str:
        return self.query_one(f"#f-{field}", Input).value.strip()

    def collect(self, send: bool) -> dict[str, Any]:
        """The ReferralInput fields from the form; raises ValueError with a message for people."""
        data: dict[str, Any] = {"kind": "agent", "send": send}
        for field, label, _ in FIELDS:
            text = self.value(field)
            if field.startswith("price_"):
                try:
                    data[field] = parse_price(text)
                except ValueError:
                    raise ValueError(f"{label}: a dollar amount, e.g. 450000 or 450k") from None
            elif text:
                data[field] = text
        fee = parse_fee(self.value("fee_percent"))
        if fee is None:
            raise ValueError("Fee %: a percent between 0 and 100, e.g. 25")
        data["fee_percent"] = fee
        data["intent"] = str(self.query_one("#f-intent", Select).value)
        data["mode"] = str(self.query_one("#f-mode", Select).value)
        notes = self.query_one("#f-notes", TextArea).text.strip()
        if notes:
            data["notes"] = notes
        if data["mode"] == "private":
            data["receivers"] = list(self.query_one(AgentSearch).chosen)
        return data

    def show_error(self, text: str) -> None:
        self.query_one("#form-error", Label).update(text)
        self.query_one("#form-error", Label).set_class(bool(text), "-shown")

    @on(Button.Pressed, "#form-send")
    def action_send(self) -> None:
        self.submit(True)

    @on(Button.Pressed, "#form-draft")
    def action_draft(self) -> None:
        self.submit(False)

    @work(group="outbound", exclusive=True, exit_on_error=False)
    async def submit(self, send: bool) -> None:
        try:
            data = self.collect(send)
        except ValueError as exc:
            self.show_error(str(exc))
            return
        if send and data["mode"] == "private" and not data.get("receivers"):
            self.show_error("Private mode: search agents below and toggle at least one receiver.")
            return
        self.show_error("sending…" if send else "saving…")
        try:
            raw = await services(self).session.request("submit", referral=data)
            view = msgspec.convert(raw, ReferralResult).referral
        except HubError as exc:
            self.show_error(exc.message)  # the form keeps everything typed
            return
        self.show_error("")
        self.app.post_message(self.Saved(view))  # to the app: this screen is leaving
        self.notify(f"{'Sent' if send else 'Saved draft'} {view.id}", title="Outbound referral")
        self.dismiss(view.id)

    def action_agents(self) -> None:
        """The full agent search; the agents toggled there become receivers here."""

        def chosen(cards: list | None) -> None:
            if cards:
                self.query_one(AgentSearch).add_chosen(cards)

        self.app.push_screen(AgentSearchScreen(), chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
