"""One line above the inbox: the views (1-4) with the current one marked, and the filter. A
click on a view switches to it, as its number key does."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from tui.filters import VIEW_LABELS, VIEWS, ViewName


class ViewBar(Static):
    @dataclass
    class Chosen(Message):
        """A view was clicked."""

        view_name: ViewName

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spans: list[tuple[int, int, ViewName]] = []  # where each view's label is on the line
        self.view_name: ViewName = "all"
        self.filter_text = ""
        self.shown = 0
        self.counts: dict[str, int] = {}

    def set_state(self, view_name: ViewName, filter_text: str, shown: int,
                  counts: dict[str, int] | None = None) -> None:
        self.view_name, self.filter_text, self.shown = view_name, filter_text, shown
        self.counts = dict(counts or {})
        self.update(self.describe())

    def on_mount(self) -> None:
        self.update(self.describe())

    def describe(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        self.spans = []
        for number, name in enumerate(VIEWS, start=1):
            count = self.counts.get(name)
            label = f" {number} {VIEW_LABELS[name]}" + (f" {count:,}" if count is not None else "") + " "
            self.spans.append((len(text), len(text) + len(label), name))
            text.append(label, style="reverse bold" if name == self.view_name else "")
        if self.filter_text:
            text.append(f"  / {self.filter_text}", style="italic")
            text.append(f" · {self.shown} shown", style="dim")
        return text

    def on_click(self, event: events.Click) -> None:
        x = event.x - self.styles.padding.left
        for start, end, name in self.spans:
            if start <= x < end:
                self.post_message(self.Chosen(name))
                return
