"""Nothing typed is lost without a question: a screen holding input that has not gone to the hub
(a new referral, a message being written, settings not saved, receivers chosen) says so with
`unsent_input()`; leaving it (escape) or quitting the app (`q`, ctrl+q) then asks, in
`LeaveModal`: send, save as a draft, discard, or stay (and, when quitting, keep it for the next
start: the new referral is kept on disk as it is typed, see tui/drafts.py).

A screen that can hold unsent input implements `HoldsInput` (duck-typed: the app asks every
screen in its stack that has the method).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

# what a person can do with unsent input: (choice id, key, words)
SEND, DRAFT, SAVE, DISCARD, KEEP, STAY = "send", "draft", "save", "discard", "keep", "stay"
WORDS = {
    SEND: "Send it",
    DRAFT: "Save it as a draft on the hub",
    SAVE: "Save the changes",
    DISCARD: "Discard it",
    KEEP: "Keep it here for the next start",
    STAY: "Stay",
}
KEYS = {SEND: "s", DRAFT: "d", SAVE: "s", DISCARD: "x", KEEP: "k", STAY: "escape"}


@dataclass(frozen=True)
class Unsent:
    """What would be lost (`what`, in words), and what can be done with it (besides stay)."""

    what: str
    choices: tuple[str, ...]


@runtime_checkable
class HoldsInput(Protocol):
    def unsent_input(self, quitting: bool = False) -> Unsent | None:
        """What this screen holds that has not gone to the hub, or None."""

    async def resolve_unsent(self, choice: str) -> bool:
        """Do `choice` (send, draft, save, discard, keep) before the app quits; False when it
        could not be done (the hub refused, or is not reachable): the app does not quit then."""


class LeaveModal(ModalScreen[str]):
    """Asks what to do with unsent input; returns a choice id (`stay` for escape)."""

    BINDINGS = [
        Binding("s", "choose('s')", "Send / save", id="leave.send"),
        Binding("d", "choose('d')", "Save draft", id="leave.draft"),
        Binding("x", "choose('x')", "Discard", id="leave.discard"),
        Binding("k", "choose('k')", "Keep for next start", id="leave.keep"),
        Binding("escape", "choose('escape')", "Stay", id="leave.stay"),
    ]

    def __init__(self, unsent: Unsent, quitting: bool = False) -> None:
        super().__init__()
        self.unsent = unsent
        self.quitting = quitting
        self.offered = [*unsent.choices, STAY]

    def compose(self) -> ComposeResult:
        doing = "Quit triage? " if self.quitting else ""
        with Vertical(id="choice-dialog", classes="leave-dialog"):
            yield Label(f"{doing}{self.unsent.what} has not been sent.", id="choice-title")
            yield OptionList(*(Option(f"{self._key_label(c):>6}  {WORDS[c]}", id=c) for c in self.offered),
                             id="choice-list")
            yield Label("a key, or ↑↓ and enter · escape: stay", id="choice-hint")

    @staticmethod
    def _key_label(choice: str) -> str:
        return "esc" if KEYS[choice] == "escape" else KEYS[choice]

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":
            return any(KEYS[c] == parameters[0] for c in self.offered)
        return True

    def action_choose(self, key: str) -> None:
        self.dismiss(next(c for c in self.offered if KEYS[c] == key))

    @on(OptionList.OptionSelected, "#choice-list")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id or STAY)
