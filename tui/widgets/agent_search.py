"""Agent search: free text (fuzzy on name and brokerage), zip and radius, specialization,
language and minimum years; toggleable results, with the highlighted agent's profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, SelectionList
from textual.widgets.selection_list import Selection

from shared.protocol import AgentCard, AgentsResult, HubError
from tui.services import services

MAX_RADIUS_MILES = 500.0


CHOSEN_MARK = "✓ chosen · "  # in words, not only the tick's colour (NO_COLOR, monochrome)


def card_label(card: AgentCard, chosen: bool = False) -> str:
    """"Lee Park · 3.2 mi · Hill Country Realty · Austin · 78701 78702": what tells agents apart
    first, so a narrow terminal cuts the least useful part; a chosen agent says so first."""
    zips = " ".join(card.zips[:4]) + (" …" if len(card.zips) > 4 else "")
    distance = f"{card.distance_miles:g} mi" if card.distance_miles is not None else ""
    label = " · ".join(p for p in (card.name, distance, card.brokerage, card.city, zips) if p)
    return CHOSEN_MARK + label if chosen else label


def search_args(text: str, zip_code: str, radius: str, specialization: str, language: str,
                min_years: str) -> dict[str, Any]:
    """The `agents.search` arguments from what was typed; ValueError names the field to fix."""
    try:
        miles = float(radius) if radius else (25.0 if zip_code else 0.0)
    except ValueError:
        raise ValueError("miles: a number, e.g. 25") from None
    if not 0 <= miles <= MAX_RADIUS_MILES:
        raise ValueError(f"miles: between 0 and {MAX_RADIUS_MILES:g}")
    if zip_code and not (len(zip_code) == 5 and zip_code.isdigit()):
        raise ValueError("zip: five digits, e.g. 78701")
    try:
        years = int(min_years) if min_years else 0
    except ValueError:
        raise ValueError("years: a whole number, e.g. 5") from None
    if years < 0:
        raise ValueError("years: zero or more")
    args: dict[str, Any] = {"text": text, "zip": zip_code, "radius_miles": miles}
    if specialization:
        args["specialization"] = specialization
    if language:
        args["language"] = language
    if years:
        args["min_years"] = years
    return args


class AgentSearch(Vertical):
    """Enter in any field searches; space toggles a result (the chosen receivers)."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved onto a result (None: the results were cleared)."""

        card: AgentCard | None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cards: dict[str, AgentCard] = {}
        self.chosen: dict[str, AgentCard] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="agent-search-fields"):
            yield Input(placeholder="name or brokerage", id="agent-text", compact=True)
            yield Input(placeholder="zip", id="agent-zip", classes="agent-zip", compact=True)
            yield Input(placeholder="miles", id="agent-radius", classes="agent-radius", compact=True)
        with Horizontal(classes="agent-search-fields"):
            yield Input(placeholder="specialty", id="agent-specialization", compact=True)
            yield Input(placeholder="language", id="agent-language", compact=True)
            yield Input(placeholder="min yrs", id="agent-years", classes="agent-years", compact=True)
        yield Label("enter searches · space toggles a receiver", id="agent-status")
        yield SelectionList[str](id="agent-results")

    def field(self, name: str) -> str:
        return self.query_one(f"#agent-{name}", Input).value.strip()

    @on(Input.Submitted, ".agent-search-fields Input")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search()

    @work(group="agent-search", exclusive=True, exit_on_error=False)
    async def search(self) -> None:
        status = self.query_one("#agent-status", Label)
        try:
            args = search_args(self.field("text"), self.field("zip"), self.field("radius"),
                               self.field("specialization"), self.field("language"), self.field("years"))
        except ValueError as exc:
            status.update(str(exc))
            return
        status.update("searching…")
        try:
            raw = await services(self).session.request("agents.search", **args)
            found = msgspec.convert(raw, AgentsResult).agents
        except HubError as exc:
            status.update(f"search refused: {exc.message}")
            return
        me = services(self).session.person_id
        found = [card for card in found if card.id != me]  # one does not refer to oneself
        self.show(found)
        status.update(f"{len(found)} agent{'s' if len(found) != 1 else ''} found · space toggles")
        if found:
            results = self.query_one(SelectionList)
            # scroll once the list has grown to hold the results, not by the height it had before
            results.focus(scroll_visible=False)
            results.highlighted = 0
            self.call_after_refresh(self.screen.scroll_to_center, results, origin_visible=True)

    def show(self, cards: list[AgentCard]) -> None:
        results = self.query_one(SelectionList)
        results.clear_options()
        self.cards = {card.id: card for card in cards}
        self.cards.update(self.chosen)
        for card in self.chosen.values():  # chosen ones stay listed, ticked
            results.add_option(Selection(card_label(card, True), card.id, True, id=card.id))
        for card in cards:
            if card.id not in self.chosen:
                results.add_option(Selection(card_label(card), card.id, False, id=card.id))
        if not self.cards:
            self.post_message(self.Highlighted(None))

    def add_chosen(self, cards: list[AgentCard]) -> None:
        """Agents chosen elsewhere (the `g` screen) join the receivers, ticked."""
        for card in cards:
            self.chosen[card.id] = card
        self.show([c for c in self.cards.values() if c.id not in self.chosen])

    @on(SelectionList.SelectionHighlighted, "#agent-results")
    def highlighted(self, event: SelectionList.SelectionHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.cards.get(event.selection.value)))

    @on(SelectionList.SelectedChanged, "#agent-results")
    def toggled(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        picked = set(event.selection_list.selected)
        self.chosen = {key: self.cards[key] for key in picked if key in self.cards}
        for key, card in self.cards.items():
            event.selection_list.replace_option_prompt(key, card_label(card, key in self.chosen))
        # Say who is chosen in words too: the tick alone is only a colour, lost without one.
        names = ", ".join(card.name for card in self.chosen.values())
        self.query_one("#agent-status", Label).update(
            f"chosen: {names}" if names else "none chosen · space toggles"
        )
