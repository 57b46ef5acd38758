"""Ask for a reason: returns the text, or None when cancelled. Refuses empty when required."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class ReasonModal(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reason.cancel")]

    def __init__(self, title: str, *, required: bool = False, placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.required = required
        self.placeholder = placeholder or ("reason (required)" if required else "reason (optional)")

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-dialog"):
            yield Label(self.title_text, id="reason-title")
            yield Input(placeholder=self.placeholder, id="reason-input")
            yield Label("", id="reason-error")
            with Horizontal(id="reason-buttons"):
                yield Button("OK", variant="primary", id="reason-ok")
                yield Button("Cancel", id="reason-cancel")

    @on(Input.Submitted, "#reason-input")
    @on(Button.Pressed, "#reason-ok")
    def submit(self) -> None:
        reason = self.query_one("#reason-input", Input).value.strip()
        if self.required and not reason:
            self.query_one("#reason-error", Label).update("A reason is required.")
            self.query_one("#reason-input", Input).focus()
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#reason-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
