"""One agent's profile, as the directory's card carries it: where they work, what they do, and how
they have done with referrals (closed, median response)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from shared.protocol import AgentCard


def response_time(seconds: float | None) -> str:
    """"4m 10s", "2h 05m"; "no offers answered yet" without a figure."""
    if seconds is None:
        return "no offers answered yet"
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 60}m {s % 60:02d}s"


def zips_served(card: AgentCard) -> str:
    sponsored = set(card.sponsored_zips)
    return " ".join(f"{z}*" if z in sponsored else z for z in card.zips) or "none"


def profile_text(card: AgentCard, available_style: str = "green", unavailable_style: str = "yellow") -> Group:
    text = Text()
    text.append(card.name, style="bold")
    text.append("\n")
    text.append(" · ".join(p for p in (card.brokerage, card.city) if p) or "independent")
    text.append("\n")
    if card.available:
        text.append("available now", style=available_style)
    else:
        text.append("not available now (paused, off hours or on vacation)", style=unavailable_style)
    text.append("\n")
    rows = [
        ("Serves", zips_served(card) + ("  (* sponsor)" if card.sponsored_zips else "")),
        ("Focus", ", ".join(card.specializations) or "not given"),
        ("Speaks", ", ".join(card.languages) or "not given"),
        ("Years", str(card.years_experience)),
        ("Closed", f"{card.closed_referrals} referral{'s' if card.closed_referrals != 1 else ''}"),
        ("Response", f"median {response_time(card.median_response_seconds)}"
         if card.median_response_seconds is not None else response_time(None)),
        ("Rank", f"{card.rank_score:g}"),
    ]
    if card.distance_miles is not None:
        rows.insert(0, ("Distance", f"{card.distance_miles:g} mi"))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(label, value)
    return Group(text, grid)


class AgentProfile(Static):
    """The highlighted result's profile; a hint when nothing is highlighted."""

    def show(self, card: AgentCard | None) -> None:
        if card is None:
            self.update(Text("Search, then move through the results to see each profile.", style="dim"))
        else:
            theme = self.app.current_theme
            self.update(profile_text(card, theme.success or "green", theme.warning or "yellow"))
