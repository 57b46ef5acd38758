"""A huge inbox in the app, against a real hub: paged from the hub, every key still works.

The thresholds are made small (an inbox of 300 is "huge" past 10 rows, windows of 40) so the
test runs in seconds; the benchmark does the same with 100,000."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timezone
from pathlib import Path

import pytest

from bench.inbox_seed import Seeded, seed_huge_inbox
from tests.tui.conftest import Link, wait_for
from tui.app import TriageApp, make_app
from tui.inbox import paging as inbox_paging
from tui.inbox import rows as inbox_rows

APPOINTMENT = dict(kind="appointment", first_name="Nora", last_name="Vance", zip="78701",
                   city="Austin", lead_type="home valuation")


@pytest.fixture
async def huge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple]:
    monkeypatch.setattr(inbox_paging, "SNAPSHOT_LIMIT", 10)
    monkeypatch.setattr(inbox_rows, "WINDOW", 40)
    monkeypatch.setattr(inbox_rows, "MARGIN", 5)
    from server.hub import Hub
    from server.settings import HubSettings

    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    seeded = await seed_huge_inbox(url, count=300, live=5)
    hub = Hub(HubSettings(db_url=url, host="127.0.0.1", port=0, claim_window_seconds=1800))
    await hub.start()
    try:
        yield hub, seeded
    finally:
        await hub.stop()


def app_for(hub, seeded: Seeded, url: str = "") -> TriageApp:
    return make_app(url or hub.url, seeded.token, tz=timezone.utc, watch_terminal=False)


async def test_a_huge_inbox_is_paged_and_every_key_still_works(huge) -> None:
    hub, seeded = huge
    app = app_for(hub, seeded)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        table = app.inbox.table
        assert not table.data.whole and table.row_count == 300
        assert len(table.referrals) < 300  # only a window is held
        assert "1 All 300" in str(app.inbox.bar.render())
        assert table.selected_id == "R-0000000"  # countdowns first
        assert table.get_cell("R-0000000", "left").plain.strip().startswith(("29:", "30:"))
        await pilot.press("end")
        await wait_for(pilot, lambda: table.selected_id == "R-0000299")  # the oldest, fetched
        await pilot.press("k")
        assert table.selected_id == "R-0000298"
        await pilot.press("home")
        await wait_for(pilot, lambda: table.selected_id == "R-0000000")
        for _ in range(3):
            await pilot.press("pagedown")
        await wait_for(pilot, lambda: table.selected is not None)
        assert table.cursor_row == 3 * (table.size.height - 2)
        # the detail pane follows the cursor into rows fetched on the way
        await pilot.press("enter")
        await pilot.press("j")
        await wait_for(pilot, lambda: app.inbox.detail.referral_id == table.selected_id)
        await pilot.press("escape")
        # views and the filter are the hub's
        await pilot.press("4")
        await wait_for(pilot, lambda: table.row_count == 0)
        await pilot.press("2")
        await wait_for(pilot, lambda: table.row_count == 300)
        await pilot.press("slash", *"status:offered")
        await wait_for(pilot, lambda: table.row_count == 5 and table.shown == {
            f"R-000000{n}" for n in range(5)})
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.row_count == 300)
        await pilot.press("1", "home")


async def test_live_events_insert_and_remove_rows_in_a_paged_inbox(huge) -> None:
    hub, seeded = huge
    link = Link(hub.url)
    app = app_for(hub, seeded, await link.start())
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.loaded)
            table = app.inbox.table
            desk = "P-DESK01"
            ref = await hub.submit(desk, _appointment())
            await wait_for(pilot, lambda: ref in table.referrals and table.row_count == 301)
            assert "1 All 301" in str(app.inbox.bar.render())
            table.move_cursor(row=table.get_row_index(ref))
            await pilot.press("r")  # pass: it leaves the inbox
            await wait_for(pilot, lambda: ref not in table.referrals and table.row_count == 300)
            # reconnecting asks for the window shown again
            await pilot.press("end")
            await wait_for(pilot, lambda: table.selected_id == "R-0000299")
            offset = table.data.offset
            link.drop()  # the network drops
            await wait_for(pilot, lambda: app.inbox.line.state == "reconnecting", timeout=5)
            await wait_for(pilot, lambda: app.inbox.line.state == "connected", timeout=10)
            await wait_for(pilot, lambda: table.data.offset == offset and table.row_count == 300)
            assert table.selected_id == "R-0000299"
    finally:
        await link.stop()


def _appointment():
    from shared.protocol import ReferralInput

    return ReferralInput(**APPOINTMENT)


async def test_a_huge_inbox_counts_with_thousands_separators(tmp_path: Path) -> None:
    from server.hub import Hub
    from server.settings import HubSettings

    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    seeded = await seed_huge_inbox(url, count=1200, live=2)
    hub = Hub(HubSettings(db_url=url, host="127.0.0.1", port=0))
    await hub.start()
    try:
        app = app_for(hub, seeded)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.loaded)
            assert app.inbox.line.describe().endswith("as Hugo Inbox · 1,200 referrals")
            assert "1 All 1,200" in str(app.inbox.bar.render())
    finally:
        await hub.stop()
