"""The `g` place: search the agent directory (name, brokerage, zip and radius, specialization,
language, years), read each agent's profile, and choose receivers for an outbound referral."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Label

from shared.protocol import AgentCard
from tui.widgets.agent_profile import AgentProfile
from tui.widgets.agent_search import AgentSearch
from tui.widgets.keys_footer import KeysFooter


class AgentSearchScreen(Screen[list[AgentCard]]):
    """Returns the agents toggled on: the outbound form adds them as receivers; from the inbox
    they become the receivers of a new referral (or of the highlighted draft)."""

    BINDINGS = [
        Binding("escape", "close", "Done", id="agents.close"),
        Binding("ctrl+r", "discard", "Discard choice", id="agents.discard"),
    ]

    def __init__(self, purpose: str = "the outbound referral") -> None:
        super().__init__()
        self.purpose = purpose

    def compose(self) -> ComposeResult:
        yield Label(f"Agent search · space toggles a receiver · escape takes them to {self.purpose}",
                    id="agents-title")
        with Horizontal(id="agents-body"):
            yield AgentSearch(id="agent-search")
            yield AgentProfile(id="agent-profile")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(AgentProfile).show(None)
        self.query_one("#agent-text").focus()

    @on(AgentSearch.Highlighted)
    def show_profile(self, event: AgentSearch.Highlighted) -> None:
        self.query_one(AgentProfile).show(event.card)

    def action_close(self) -> None:
        self.dismiss(list(self.query_one(AgentSearch).chosen.values()))

    def action_discard(self) -> None:
        self.dismiss([])
