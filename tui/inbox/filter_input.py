"""The `/` line: filters the inbox as you type; enter keeps the filter, escape clears it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class FilterInput(Input):
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", id="filter.clear")]

    @dataclass
    class Done(Message):
        """The user left the filter line (enter keeps the text, escape cleared it)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(placeholder="filter: words, kind:partner, status:pending", compact=True, **kwargs)
        self.display = False  # shown by `/`

    async def action_submit(self) -> None:
        await super().action_submit()
        self.post_message(self.Done())

    def action_clear_filter(self) -> None:
        self.value = ""
        self.post_message(self.Done())
