"""The `g` place: search the agent directory (name, brokerage, zip and radius)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Label

from shared.protocol import AgentCard
from tui.widgets.agent_search import AgentSearch


class AgentSearchScreen(Screen[list[AgentCard]]):
    """Returns the agents toggled on (the outbound form adds them as receivers)."""

    BINDINGS = [Binding("escape", "close", "Back", id="agents.close")]

    def compose(self) -> ComposeResult:
        yield Label("Agent search · escape returns the toggled agents", id="agents-title")
        yield AgentSearch(id="agent-search")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#agent-text").focus()

    def action_close(self) -> None:
        self.dismiss(list(self.query_one(AgentSearch).chosen.values()))
