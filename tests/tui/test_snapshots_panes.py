"""Pictures of the new panes (sender's detail, status, thread, outbound form) with fixed data.

The hub's answers come from an answering session, so the pictures do not depend on a hub.
Regenerate with `pytest tests/tui --snapshot-update`, then look at tests/tui/__snapshots__/.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
import pytest
from textual.widgets import SelectionList

from shared.protocol import (
    AgentCard,
    AgentsResult,
    ErrorCode,
    HubError,
    MessageView,
    PersonRef,
    ThreadResult,
)
from tests.tui.conftest import wait_for
from tests.tui.sample import ME, NOW, RITA, sent_referral
from tests.tui.test_snapshots import SIZES, fixed_app, load
from tui.screens.outbound_form import OutboundForm
from tui.screens.thread_screen import ThreadScreen

DANA = PersonRef(id=ME.id, name=ME.name)
THREAD = [
    MessageView(id=1, referral_id="RSENT07", author=RITA, at=NOW - timedelta(minutes=40),
                body="Happy to take Zoe. Is she pre-approved, and for how much?"),
    MessageView(id=2, referral_id="RSENT07", author=DANA, at=NOW - timedelta(minutes=35),
                body="Yes, up to $450k with First Bank. She prefers Highlands or Wash Park."),
    MessageView(id=3, referral_id="RSENT07", author=RITA, at=NOW - timedelta(minutes=5),
                body="Great. I can show her three places on Saturday."),
]
AGENTS = [
    AgentCard(id="P-RITA", name="Rita Ruiz", brokerage="Mile High Homes", city="Denver",
              zips=["80202", "80203"], distance_miles=1.4),
    AgentCard(id="P-RIT2", name="Rita Ortega", brokerage="Front Range Realty", city="Aurora",
              zips=["80012"], distance_miles=9.8),
]


def offline(args: dict[str, Any]) -> Any:
    raise HubError(ErrorCode.OFFLINE, "offline")


ANSWERS = {
    "thread.get": msgspec.to_builtins(ThreadResult(referral_id="RSENT07", messages=THREAD)),
    "agents.search": msgspec.to_builtins(AgentsResult(agents=AGENTS)),
    "referral.get": offline,
}


async def load_with_sent(pilot) -> None:
    await load(pilot)
    app = pilot.app
    app.inbox.apply_upsert(sent_referral())
    await pilot.pause()
    table = app.inbox.table
    table.move_cursor(row=table.get_row_index("RSENT07"), animate=False)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_detail_of_a_sent_referral(snap_compare, size) -> None:
    async def open_detail(pilot) -> None:
        await load_with_sent(pilot)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(fixed_app(ANSWERS), terminal_size=size, run_before=open_detail)


@pytest.mark.parametrize("size", SIZES)
def test_status_pane(snap_compare, size) -> None:
    async def status(pilot) -> None:
        await load(pilot)
        await pilot.press(*"jjjjj")  # the appointment Dana claimed: working or lost
        await pilot.press("s")
        await pilot.pause()

    assert snap_compare(fixed_app(), terminal_size=size, run_before=status)


@pytest.mark.parametrize("size", SIZES)
def test_thread_pane(snap_compare, size) -> None:
    async def thread(pilot) -> None:
        await load_with_sent(pilot)
        await pilot.press("m")
        # the thread screen is pushed after the key's handler, and loads in a worker: wait for both
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ThreadScreen) and pilot.app.screen.loaded)
        await pilot.pause()
        await pilot.press(*"See you Saturday")
        await pilot.pause()

    assert snap_compare(fixed_app(ANSWERS), terminal_size=size, run_before=thread)


@pytest.mark.parametrize("size", SIZES)
def test_outbound_form(snap_compare, size) -> None:
    async def form(pilot) -> None:
        await load(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, OutboundForm))
        await pilot.pause()
        await pilot.press(*"Zoe")
        screen = pilot.app.screen
        for field, value in (("last_name", "Quinn"), ("city", "Denver"), ("zip", "80202")):
            screen.query_one(f"#f-{field}").value = value
        screen.query_one("#agent-text").value = "rita"
        screen.query_one("#agent-text").focus()
        await pilot.press("enter")
        # the search runs in a worker; space must land on the results, not in the text box
        results = screen.query_one("#agent-results", SelectionList)
        await wait_for(pilot, lambda: results.option_count == len(AGENTS) and results.has_focus)
        await pilot.press("space")
        await pilot.pause()

    assert snap_compare(fixed_app(ANSWERS), terminal_size=size, run_before=form)
