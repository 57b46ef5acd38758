"""The dry run at 80 columns: a reason too long for its column is shown whole under the table for
the highlighted agent, and the line follows the cursor."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable, Label

from shared.protocol import PersonView
from tests.tui.conftest import visible_text, wait_for
from tests.tui.test_snapshots import fixed_app, load
from tests.tui.test_snapshots_agents import DRY_RUN
from tui.hub.messages import HelloReceived
from tui.screens.dry_run_screen import DryRunScreen

BEN_WHY = "outside working hours (09:00-17:00 America/Chicago)"


async def test_the_highlighted_agents_whole_reason_is_shown_under_a_narrow_table() -> None:
    app = fixed_app({"routing.dry_run": DRY_RUN})
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        app.session.receive(HelloReceived(PersonView(id="P-DESK", name="Routing Desk", roles=["concierge"]),
                                          timedelta(0)))
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, DryRunScreen)
        await pilot.press(*"78701", "enter")
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 4)
        why = app.screen.query_one("#dryrun-why", Label)
        table.focus()
        await pilot.press("down", "down")  # Ben, whose reason the column cuts at 80 columns
        await pilot.pause()
        row = table.get_row_at(table.cursor_row)
        assert row[1] == "Ben Ortiz"
        assert BEN_WHY not in visible_text(table)  # the column cuts it
        shown = " ".join(line.strip() for line in visible_text(why).splitlines())
        assert shown == f"Ben Ortiz (Casa Realty) · not now · {BEN_WHY}"  # whole, wrapped
        await pilot.press("down")
        await pilot.pause()
        assert str(why.render()) == "Pia Lund (Keller Partners) · not now · paused offers"
