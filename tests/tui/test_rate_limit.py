"""The app's normal use stays under the hub's request rate limit: holding j with the detail pane
open asks the hub about the row the cursor rests on, not about every row it passes."""

from __future__ import annotations

from datetime import UTC

from tests.tui.conftest import LiveHub, wait_for
from tui.app import make_app

ROWS = 30


async def test_scrolling_with_the_detail_open_keeps_the_connection(live_hub: LiveHub) -> None:
    live_hub.hub.settings.rate_limit_per_minute = 20  # fewer than the rows scrolled past
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"])
    for i in range(ROWS):
        await live_hub.submit(desk, kind="active", first_name="Al", last_name=f"Bee{i}", zip="78701")
    app = make_app(live_hub.url, token, tz=UTC, watch_terminal=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.loaded and len(app.inbox.table.referrals) == ROWS)
        ws = app.connection._ws
        await pilot.press("enter")
        detail = app.inbox.detail
        await wait_for(pilot, lambda: detail.audit)
        await pilot.press(*["j"] * (ROWS - 1))
        last = app.inbox.table.selected_id
        assert last is not None
        # the pane shows the last row with its audit trail, fetched once the cursor rested
        await wait_for(pilot, lambda: detail.referral_id == last and detail.audit)
        await pilot.pause(0.5)
        assert app.connection._ws is ws and ws.close_code is None
        assert app.inbox.line.state == "connected"


async def test_a_burst_of_requests_waits_for_room_instead_of_being_cut_off(live_hub: LiveHub) -> None:
    """The hub says its limit in hello; the app's requests beyond it wait instead of getting the
    connection closed (1008)."""
    live_hub.hub.settings.rate_limit_per_minute = 6
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"])
    app = make_app(live_hub.url, token, tz=UTC, watch_terminal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        assert app.connection.pacer.per_minute == 6
        ws = app.connection._ws
        sent = len(app.connection.pacer._sent)  # hello and the inbox so far
        burst = [app.run_worker(app.connection.request("availability.get"), exit_on_error=False)
                 for _ in range(6)]
        room = 6 - 2 - sent  # the rest wait for room in the minute
        await wait_for(pilot, lambda: sum(w.is_finished for w in burst) >= room)
        await pilot.pause(0.3)
        assert sum(w.is_finished for w in burst) == room
        assert ws.close_code is None and app.inbox.line.state == "connected"
        for worker in burst:
            worker.cancel()
