"""The keys screen (`?`): every key of the screen it was opened on, grouped, in the product's
words and with the key really bound; it scrolls and searches from the keyboard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.widgets.keys_footer import KeysFooter


class KeyRow(Protocol):
    group: str
    keys: str
    words: str


def matches(row: KeyRow, text: str) -> bool:
    words = text.lower().split()
    haystack = f"{row.group} {row.keys} {row.words}".lower()
    return all(word in haystack for word in words)


class KeysScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,f1", "close", "Close", id="keys.close"),
        Binding("slash", "search", "Search", id="keys.search"),
        Binding("j,down", "scroll('down')", "Down", show=False, id="keys.down"),
        Binding("k,up", "scroll('up')", "Up", show=False, id="keys.up"),
        Binding("pagedown,ctrl+d", "scroll('page_down')", "Page down", show=False, id="keys.page_down"),
        Binding("pageup,ctrl+u", "scroll('page_up')", "Page up", show=False, id="keys.page_up"),
        Binding("g,home", "scroll('home')", "Top", show=False, id="keys.first"),
        Binding("G,end", "scroll('end')", "Bottom", show=False, id="keys.last"),
    ]

    def __init__(self, title: str, rows: Sequence[KeyRow]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="keys-dialog"):
            yield Label(f"Keys · {self.title_text}", id="keys-title")
            yield Input(placeholder="/ searches the keys", id="keys-search", compact=True)
            with VerticalScroll(id="keys-list"):
                yield Static(id="keys-table")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.show_rows("")
        self.query_one("#keys-list").focus()

    @property
    def shown_text(self) -> str:
        """What the list holds now, as plain text (for tests)."""
        return "\n".join(f"{r.group}: {r.keys} {r.words}" for r in self.shown)

    def show_rows(self, text: str) -> None:
        self.shown = [row for row in self.rows if matches(row, text)]
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, min_width=10, style="bold")
        grid.add_column(ratio=1)
        group = None
        for row in self.shown:
            if row.group != group:
                if group is not None:
                    grid.add_row("", "")
                grid.add_row(Text(row.group, style="bold underline"), "")
                group = row.group
            grid.add_row(row.keys, row.words)
        if not self.shown:
            grid.add_row("", Text(f"no key matches {text!r}", style="italic"))
        self.query_one("#keys-table", Static).update(grid)

    @on(Input.Changed, "#keys-search")
    def search_changed(self, event: Input.Changed) -> None:
        self.show_rows(event.value)
        self.query_one("#keys-list", VerticalScroll).scroll_home(animate=False)

    @on(Input.Submitted, "#keys-search")
    def search_done(self) -> None:
        self.query_one("#keys-list").focus()

    def action_search(self) -> None:
        self.query_one("#keys-search").focus()

    def action_scroll(self, how: str) -> None:
        box = self.query_one("#keys-list", VerticalScroll)
        moves = {"down": box.scroll_down, "up": box.scroll_up, "page_down": box.scroll_page_down,
                 "page_up": box.scroll_page_up, "home": box.scroll_home, "end": box.scroll_end}
        moves[how](animate=False)

    def action_close(self) -> None:
        search = self.query_one("#keys-search", Input)
        if search.has_focus:  # escape in the search line: clear it, back to the list
            search.value = ""
            self.query_one("#keys-list").focus()
            return
        self.dismiss(None)
