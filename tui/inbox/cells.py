"""What one inbox row says: its cells (the countdown in the theme's warning and error colours,
masked clients as "hidden", duplicates and unread messages marked) laid out in fixed columns,
as many of them as the width holds (`fit_columns`: whole columns, the least needed left out)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.theme import Theme

from shared.protocol import ReferralView
from tui import format as fmt

KIND_LABELS = {"appointment": "appt", "agent": "agent", "partner": "partner", "active": "active"}

# (column key, label, width of its text)
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("left", "Left", 7),
    ("kind", "Kind", 7),
    ("status", "Status", 12),
    ("client", "Client", 16),
    ("area", "Area", 16),
    ("price", "Price", 13),
    ("intent", "Lead / intent", 18),
    ("from", "From", 16),
)
# Which columns stay when the table is too narrow for all of them: the countdown first, then
# what tells referrals apart (an appointment's client is hidden until claimed: its area counts).
PRIORITY = ("left", "status", "area", "client", "kind", "price", "intent", "from")
WIDTHS = {key: width for key, _, width in COLUMNS}
HIDDEN = Style(dim=True, italic=True)
BOLD = Style(bold=True)
HEADER = {key: Text(label, justify="right" if key == "left" else "left") for key, label, _ in COLUMNS}
PENDING = {"left": Text("…", justify="right")}  # a row whose page is on its way


def line_width(columns: tuple[str, ...]) -> int:
    return sum(WIDTHS[key] + 1 for key in columns)  # one space before each cell


def fit_columns(width: int) -> tuple[str, ...]:
    """The columns that fit whole in `width`, most needed first, in their order on the line."""
    kept: list[str] = []
    for key in PRIORITY:
        if line_width((*kept, key)) <= width:
            kept.append(key)
    return tuple(key for key, _, _ in COLUMNS if key in kept)


TABLE_WIDTH = line_width(tuple(key for key, _, _ in COLUMNS))  # every column


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def countdown_cell(deadline: datetime | None, now: datetime, theme: Theme | None) -> Text:
    """A claim clock's time left: bold under 5 minutes, reversed under 1 (and expired), so the
    most urgent reads loudest without colour too (NO_COLOR, a monochrome terminal); the theme's
    warning and error colours on top. The inbox and the desk board draw it alike."""
    level = fmt.urgency(deadline, now)
    style = Style()
    if level == "warning":
        style = Style(color=(theme.warning if theme else None) or None, bold=True)
    elif level in ("critical", "expired"):
        style = Style(color=(theme.error if theme else None) or None, bold=True, reverse=True)
    return Text(fmt.time_left(deadline, now), style=style, no_wrap=True, justify="right")


def left_cell(view: ReferralView, now: datetime, theme: Theme) -> Text:
    return countdown_cell(fmt.deadline_of(view), now, theme)


def row_cells(view: ReferralView, now: datetime, theme: Theme, unread: int) -> dict[str, Text]:
    values = {
        "kind": KIND_LABELS.get(view.kind, str(view.kind)),
        "status": str(view.status).replace("_", " "),
        "client": fmt.client_label(view),
        "area": fmt.area(view),
        "price": fmt.price_short(view),
        "intent": fmt.partner_contact(view) if view.kind == "partner" else fmt.intent(view),
        "from": fmt.sender_label(view),
    }
    widths = WIDTHS
    cells: dict[str, Text] = {"left": left_cell(view, now, theme)}
    for key, value in values.items():
        cells[key] = Text(_clip(value, widths[key]), no_wrap=True)
    if not view.client_name and not view.company and not view.contact_person:
        cells["client"] = Text("hidden", style=HIDDEN, no_wrap=True)
    if view.duplicate_of:
        cells["client"] = Text.assemble(("⚠ ", BOLD), cells["client"], no_wrap=True)
    if unread:
        cells["client"] = Text.assemble(cells["client"], (f" ✉ {unread}", BOLD), no_wrap=True)
    return cells


def row_text(cells: dict[str, Text], columns: tuple[str, ...]) -> Text:
    """The cells of `columns` in their places, a space before each, as one line."""
    line = Text(no_wrap=True, end="")
    for key in columns:
        width = WIDTHS[key]
        cell = cells.get(key, Text()).copy()
        cell.truncate(width, overflow="ellipsis")
        cell.align("right" if key == "left" else "left", width)
        line.append(" ")
        line.append_text(cell)
    return line


def empty_hint(loaded: bool, filtered: bool, view_name: str, key: Callable[[str], str]) -> str:
    """What an empty inbox says to do: wait, send, or change the filter or the view (`key`: the
    key bound to a binding id now)."""
    if not loaded:
        return "Loading the inbox from the hub…"
    if filtered:
        return (f"Nothing in {view_name} matches the filter: {key('inbox.filter')} changes it, "
                "escape in it clears it.")
    if view_name != "all":
        return (f"No {view_name} referrals. {key('view.all')} shows all of them; {key('triage.new')} "
                "sends a new referral.")
    return (f"No referrals yet. New offers arrive here live, with a bell; {key('triage.new')} sends a "
            f"new referral, {key('app.agents')} searches the agents, {key('app.help')} lists every key.")
