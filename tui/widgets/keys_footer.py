"""The footer of every screen: Textual's, with the keys screen's key (`?`) first, so it shows at
any width (a narrow terminal cuts the footer's right end)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

FIRST_ACTIONS = ("toggle_help", "app.toggle_help")


class KeysFooter(Footer):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        first = [key for key in keys if getattr(key, "action", None) in FIRST_ACTIONS]
        yield from first
        yield from (key for key in keys if key not in first)
