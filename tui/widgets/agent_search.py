"""Agent search: free text (fuzzy on name and brokerage), zip and radius; toggleable results."""

from __future__ import annotations

import msgspec
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, SelectionList
from textual.widgets.selection_list import Selection

from shared.protocol import AgentCard, AgentsResult


def card_label(card: AgentCard) -> str:
    """"Lee Park · Hill Country Realty · Austin · 78701 78702 · 3.2 mi"."""
    zips = " ".join(card.zips[:4]) + (" …" if len(card.zips) > 4 else "")
    distance = f"{card.distance_miles:g} mi" if card.distance_miles is not None else ""
    return " · ".join(p for p in (card.name, card.brokerage, card.city, zips, distance) if p)


class AgentSearch(Vertical):
    """Enter in any field searches; space toggles a result (the chosen receivers)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cards: dict[str, AgentCard] = {}
        self.chosen: dict[str, AgentCard] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="agent-search-fields"):
            yield Input(placeholder="name or brokerage", id="agent-text", compact=True)
            yield Input(placeholder="zip", id="agent-zip", classes="agent-zip", compact=True)
            yield Input(placeholder="miles", id="agent-radius", classes="agent-radius", compact=True)
        yield Label("enter searches · space toggles a receiver", id="agent-status")
        yield SelectionList[str](id="agent-results")

    @on(Input.Submitted, ".agent-search-fields Input")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search()

    @work(group="agent-search", exclusive=True, exit_on_error=False)
    async def search(self) -> None:
        from tui.connection import HubError

        text = self.query_one("#agent-text", Input).value.strip()
        zip_code = self.query_one("#agent-zip", Input).value.strip()
        radius_text = self.query_one("#agent-radius", Input).value.strip()
        status = self.query_one("#agent-status", Label)
        try:
            radius = float(radius_text) if radius_text else (25.0 if zip_code else 0.0)
        except ValueError:
            status.update("miles: a number, e.g. 25")
            return
        args = {"text": text, "zip": zip_code, "radius_miles": radius}
        try:
            raw = await self.app.connection.request("agents.search", args)  # type: ignore[attr-defined]
            found = msgspec.convert(raw, AgentsResult).agents
        except HubError as exc:
            status.update(f"search refused: {exc.message}")
            return
        self.show(found)
        status.update(f"{len(found)} agent{'s' if len(found) != 1 else ''} found · space toggles")
        if found:
            results = self.query_one(SelectionList)
            results.focus()
            results.highlighted = 0

    def show(self, cards: list[AgentCard]) -> None:
        results = self.query_one(SelectionList)
        results.clear_options()
        self.cards = {card.id: card for card in cards}
        self.cards.update(self.chosen)
        for card in self.chosen.values():  # chosen ones stay listed, ticked
            results.add_option(Selection(card_label(card), card.id, True))
        for card in cards:
            if card.id not in self.chosen:
                results.add_option(Selection(card_label(card), card.id, False))

    def add_chosen(self, cards: list[AgentCard]) -> None:
        """Agents chosen elsewhere (the `g` screen) join the receivers, ticked."""
        for card in cards:
            self.chosen[card.id] = card
        self.show([c for c in self.cards.values() if c.id not in self.chosen])

    @on(SelectionList.SelectedChanged, "#agent-results")
    def toggled(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        picked = set(event.selection_list.selected)
        self.chosen = {key: self.cards[key] for key in picked if key in self.cards}
        # Say who is chosen in words too: the tick alone is only a colour, lost without one.
        names = ", ".join(card.name for card in self.chosen.values())
        self.query_one("#agent-status", Label).update(
            f"chosen: {names}" if names else "none chosen · space toggles"
        )
