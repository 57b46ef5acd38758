"""The inbox on a narrow terminal: a value the window's edge would cut is left out whole (a cut
"$1.025M" would read "$1.02"), and scrolling sideways brings it back in full."""

from __future__ import annotations

from tests.tui.conftest import visible_text
from tests.tui.test_snapshots import fixed_app, load
from tui.inbox.cells import SPANS, cut_columns


def test_a_cell_cut_by_either_edge_is_left_out() -> None:
    price_start, price_end = SPANS[5]
    line = " " * price_start + " $1.025M".ljust(price_end - price_start) + " next"
    assert cut_columns(line, 0, price_start + 5) == (0, price_start)  # "$1.0" would show
    assert cut_columns(line, 0, price_start + 9) == (0, price_start + 9)  # "$1.025M" fits
    assert cut_columns(line, price_start + 3, price_end + 6) == (price_end, price_end + 6)


def row_of(text: str, marker: str) -> str:
    return next(line for line in text.splitlines() if marker in line)


async def test_prices_are_whole_or_absent_and_come_back_when_scrolled() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        table = app.inbox.table
        assert "$450–600k" in row_of(visible_text(table), "Maria G.")  # fits at 80 columns
    app = fixed_app()
    async with app.run_test(size=(74, 24)) as pilot:
        await load(pilot)
        table = app.inbox.table
        shown = visible_text(table)
        maria = row_of(shown, "Maria G.")
        assert "$" not in maria  # not "$450–6"
        heading = row_of(shown, "Status").rstrip()
        assert heading.endswith("Price") or "Pr" not in heading  # a heading whole or not at all
        table.scroll_to(x=20, animate=False)
        await pilot.pause()
        assert "$450–600k" in row_of(visible_text(table), "Maria G.")
