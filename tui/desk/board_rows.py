"""What the desk board's rows say, and which columns fit: pure functions over `BoardRow`, so they
are tested without a screen. Each section has its columns in the order shown, each with a
priority (lower is kept longer); a narrow terminal drops the least needed first, and a column no
row has anything to say in is left out rather than shown as an empty header."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.theme import Theme

from shared.protocol import BoardRow
from tui.inbox.cells import countdown_cell

Section = str  # "appointments", "unclaimed" or "active"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    priority: int  # 0 is never dropped; higher numbers go first when the width is short


COLUMNS: dict[Section, tuple[Column, ...]] = {
    "appointments": (
        Column("left", "Left", 7, 0),
        Column("id", "Referral", 8, 0),
        Column("holder", "With", 26, 0),
        Column("area", "Area", 16, 2),
        Column("passes", "Passes", 6, 1),
        Column("next", "Next in line", 16, 1),
        Column("lead", "Lead", 16, 3),
        Column("phase", "Phase", 7, 4),
    ),
    "unclaimed": (
        Column("id", "Referral", 8, 0),
        Column("area", "Area", 16, 0),
        Column("lead", "Lead", 16, 2),
        Column("passes", "Passes", 6, 1),
        Column("expired", "Timed out", 9, 3),
        Column("since", "Age", 7, 4),
    ),
    "active": (
        Column("id", "Referral", 8, 0),
        Column("area", "Area", 16, 0),
        Column("working", "Worked by", 28, 0),
        Column("status", "Status", 8, 1),
        Column("since", "Age", 7, 2),
    ),
}
CELL_PADDING = 2  # DataTable's one space either side of each cell


def holder_text(row: BoardRow) -> str:
    """Who has it now, in words: the agent, "open to N agents", or "waiting: no one available"."""
    if row.phase == "ranked" and row.holder is not None:
        return row.holder.name
    if row.phase == "open":
        return f"open to {row.offered_to} agent{'s' if row.offered_to != 1 else ''}"
    if row.phase == "waiting":
        return "waiting: no one available"
    return row.holder.name if row.holder is not None else ""


def area_text(row: BoardRow) -> str:
    return " ".join(part for part in (row.zip, row.city) if part)


def since_text(row: BoardRow, now: datetime) -> str:
    """How long ago it was created: "12 min", "3 h", "2 d"."""
    minutes = max(0, int((now - row.created_at).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} d"


def countdown(row: BoardRow, now: datetime, theme: Theme | None) -> Text:
    """Time left on the running claim clock, drawn as the inbox draws it; empty without a clock."""
    return countdown_cell(row.deadline, now, theme)


def cells(section: Section, row: BoardRow, now: datetime, theme: Theme | None = None) -> dict[str, Text]:
    """Every column's cell of one row (the screen shows those that fit)."""
    values = {
        "id": row.id,
        "holder": holder_text(row),
        "area": area_text(row),
        "lead": row.lead_type,
        "phase": row.phase,
        "passes": str(row.passes) if row.passes else "",
        "expired": str(row.expired) if row.expired else "",
        "next": row.next_agent.name if row.next_agent is not None else "",
        "status": row.status.replace("_", " "),
        "since": since_text(row, now),
        "working": ", ".join(person.name for person in row.working) or "no one yet",
    }
    if section == "appointments":
        values["passes"] = str(row.passes)
    out = {key: Text(value, no_wrap=True, overflow="ellipsis") for key, value in values.items()}
    out["left"] = countdown(row, now, theme)
    return out


def fitting(section: Section, rows: list[BoardRow], width: int, now: datetime) -> list[Column]:
    """The columns to show at this width: none that every row leaves empty, and the least needed
    dropped until the rest fit (those of priority 0 always stay, when any row fills them)."""
    filled = [cells(section, row, now) for row in rows]
    shown = [column for column in COLUMNS[section] if any(row[column.key].plain for row in filled)]
    while sum(c.width + CELL_PADDING for c in shown) > width:
        droppable = [c for c in shown if c.priority > 0]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda c: c.priority))
    return shown
