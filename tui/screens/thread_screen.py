"""One referral's message thread: the conversation, live, and a line to write on. Once it has
loaded, and when the person leaves it, it posts `ThreadScreen.Read` to the app (the inbox then
clears the referral's unread marker)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from shared.protocol import (
    MAX_MESSAGE_CHARS,
    HubError,
    MessageResult,
    MessageView,
    ReferralView,
    ThreadResult,
)
from tui import format as fmt
from tui.services import services
from tui.widgets.keys_footer import KeysFooter


class ThreadScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", "Back", id="thread.close")]

    @dataclass
    class Read(Message):
        """The person has read the referral's thread (it loaded, or they left it)."""

        referral_id: str

    def __init__(self, referral: ReferralView) -> None:
        super().__init__()
        self.referral = referral
        self.messages: dict[int, MessageView] = {}
        self.loaded = False

    @property
    def referral_id(self) -> str:
        return self.referral.id

    def compose(self) -> ComposeResult:
        view = self.referral
        yield Label(f"Thread {view.id} · {fmt.client_label(view)} · {fmt.area(view)}", id="thread-title")
        yield VerticalScroll(Static("loading…", id="thread-empty"), id="thread-log")
        yield Input(placeholder="write a message, enter sends", max_length=MAX_MESSAGE_CHARS,
                    id="thread-input")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#thread-input", Input).focus()
        self.load()

    @work(group="thread", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        try:
            raw = await services(self).session.request("thread.get", id=self.referral_id)
            result = msgspec.convert(raw, ThreadResult)
        except HubError as exc:
            self.query_one("#thread-empty", Static).update(f"could not load the thread: {exc.message}")
            self.notify(exc.message, title=f"Thread {self.referral_id}", severity="error")
            return
        self.loaded = True
        for message in result.messages:
            self.add_message(message)
        if not self.messages:
            self.query_one("#thread-empty", Static).update("no messages yet")
        self.app.post_message(self.Read(self.referral_id))

    def add_message(self, message: MessageView) -> None:
        """Append one message (from the thread, our send, or a live event); once per id."""
        if message.id in self.messages or message.referral_id != self.referral_id:
            return
        self.messages[message.id] = message
        for empty in self.query("#thread-empty"):
            empty.remove()
        mine = message.author.id == services(self).session.person_id
        head = Text.assemble((message.author.name, "bold"), "  ",
                             (fmt.stamp(message.at, services(self).tz), "dim"))
        item = Static(Text.assemble(head, "\n", message.body), classes="thread-message")
        item.set_class(mine, "-mine")
        log = self.query_one("#thread-log", VerticalScroll)
        log.mount(item)
        log.scroll_end(animate=False)

    @work(group="thread-read", exclusive=True, exit_on_error=False)
    async def mark_read(self) -> None:
        """A message arrived while the thread is open: tell the hub we read it."""
        try:
            await services(self).session.request("thread.get", id=self.referral_id)
        except HubError:
            pass

    @on(Input.Submitted, "#thread-input")
    def submitted(self, event: Input.Submitted) -> None:
        body = event.value.strip()
        if body:
            self.send(body)

    @work(group="thread-send", exit_on_error=False)
    async def send(self, body: str) -> None:
        box = self.query_one("#thread-input", Input)
        try:
            raw = await services(self).session.request("thread.send", id=self.referral_id, body=body)
        except HubError as exc:
            self.notify(exc.message, title="Message not sent", severity="error")
            return  # the text stays in the input
        if box.value.strip() == body:
            box.value = ""
        self.add_message(msgspec.convert(raw, MessageResult).message)

    def action_close(self) -> None:
        self.app.post_message(self.Read(self.referral_id))  # to the app: this screen is leaving
        self.dismiss(None)
