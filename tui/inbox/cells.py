"""What one inbox row says: its cells (the countdown in the theme's warning and error colours,
masked clients as "hidden", duplicates and unread messages marked) laid out in fixed columns."""

from __future__ import annotations

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
TABLE_WIDTH = sum(width + 2 for _, _, width in COLUMNS)  # one space either side of each cell
HIDDEN = Style(dim=True, italic=True)
BOLD = Style(bold=True)
HEADER = {key: Text(label, justify="right" if key == "left" else "left") for key, label, _ in COLUMNS}
PENDING = {"left": Text("…", justify="right")}  # a row whose page is on its way


SPANS = tuple(  # where each column's cell starts and ends on the line
    (sum(w + 2 for _, _, w in COLUMNS[:i]), sum(w + 2 for _, _, w in COLUMNS[: i + 1]))
    for i in range(len(COLUMNS))
)


def cut_columns(line: str, start: int, end: int) -> tuple[int, int]:
    """The part of [start, end) of `line` to show: a cell whose text the window's left or right
    edge would cut in two is left out whole rather than shown in part."""
    left, right = start, end
    for begin, finish in SPANS:
        if begin < end < finish and line[end:finish].strip() and line[begin:end].strip():
            right = begin
        if begin < start < finish and line[begin:start].strip() and line[start:finish].strip():
            left = finish
    return min(left, end), max(right, min(left, end))


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def left_cell(view: ReferralView, now: datetime, theme: Theme) -> Text:
    deadline = fmt.deadline_of(view)
    level = fmt.urgency(deadline, now)
    style = Style()
    if level == "warning" and theme.warning:
        style = Style(color=theme.warning, bold=True)
    elif level in ("critical", "expired") and theme.error:
        style = Style(color=theme.error, bold=True)
    return Text(fmt.time_left(deadline, now), style=style, no_wrap=True, justify="right")


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
    widths = {key: width for key, _, width in COLUMNS}
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


def row_text(cells: dict[str, Text]) -> Text:
    """The cells in their columns, one space either side of each, as one line."""
    line = Text(no_wrap=True, end="")
    for key, _, width in COLUMNS:
        cell = cells.get(key, Text()).copy()
        cell.truncate(width, overflow="ellipsis")
        cell.align("right" if key == "left" else "left", width)
        line.append(" ")
        line.append_text(cell)
        line.append(" ")
    return line
