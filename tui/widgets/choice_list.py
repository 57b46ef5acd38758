"""A list of a few choices (a status move, a receiver) that moves with the vim keys too."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import OptionList


class ChoiceList(OptionList):
    """An OptionList with j/k, g/G and ctrl+d/ctrl+u beside the arrows, home/end and the pages."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="choice.down"),
        Binding("k", "cursor_up", "Up", show=False, id="choice.up"),
        Binding("g", "first", "First", show=False, id="choice.first"),
        Binding("G", "last", "Last", show=False, id="choice.last"),
        Binding("ctrl+d", "half_page(1)", "Half page down", show=False, id="choice.page_down"),
        Binding("ctrl+u", "half_page(-1)", "Half page up", show=False, id="choice.page_up"),
    ]

    def action_half_page(self, direction: int) -> None:
        if not self.option_count:
            return
        step = max(1, self.scrollable_content_region.height // 2)
        start = self.highlighted if self.highlighted is not None else 0
        self.highlighted = max(0, min(self.option_count - 1, start + direction * step))
