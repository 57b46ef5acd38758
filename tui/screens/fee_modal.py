"""Ask for (or confirm) a fee percent: returns the number, or None when cancelled."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


def parse_fee(text: str) -> float | None:
    """"25", "25 %", "27.5" -> the percent; None when not a number in 0..100."""
    try:
        value = float(text.replace("%", "").strip())
    except ValueError:
        return None
    return value if 0 < value <= 100 else None


class FeeModal(ModalScreen[float | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="fee.cancel")]

    def __init__(self, title: str, fee: float, note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fee = fee
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="fee-dialog"):
            yield Label(self.title_text, id="fee-title")
            if self.note:
                yield Label(self.note, id="fee-note")
            yield Input(f"{self.fee:g}", placeholder="fee percent", id="fee-input")
            yield Label("", id="fee-error")
            with Horizontal(id="fee-buttons"):
                yield Button("OK", variant="primary", id="fee-ok")
                yield Button("Cancel", id="fee-cancel")

    @on(Input.Submitted, "#fee-input")
    @on(Button.Pressed, "#fee-ok")
    def submit(self) -> None:
        fee = parse_fee(self.query_one("#fee-input", Input).value)
        if fee is None:
            self.query_one("#fee-error", Label).update("A percent between 0 and 100, e.g. 25.")
            return
        self.dismiss(fee)

    @on(Button.Pressed, "#fee-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
