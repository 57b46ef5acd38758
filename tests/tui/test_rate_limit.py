"""The app's normal use stays under the hub's request rate limit: holding j with the detail pane
open asks the hub about the row the cursor rests on, not about every row it passes."""

from __future__ import annotations

from datetime import UTC

from shared.protocol.pacing import RequestPacer
from tests.tui.conftest import LiveHub, Posted, wait_for
from tui.app import make_app
from tui.hub.messages import LinkChanged

ROWS = 30


def link_states(posted: Posted) -> list[str]:
    return [message.state for message in posted.of(LinkChanged)]


async def test_scrolling_with_the_detail_open_keeps_the_connection(live_hub: LiveHub) -> None:
    live_hub.hub.settings.rate_limit_per_minute = 20  # fewer than the rows scrolled past
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"])
    for i in range(ROWS):
        await live_hub.submit(desk, kind="active", first_name="Al", last_name=f"Bee{i}", zip="78701")
    app = make_app(live_hub.url, token, tz=UTC, watch_terminal=False)
    posted = Posted()
    async with app.run_test(size=(160, 48), message_hook=posted) as pilot:
        await wait_for(pilot, lambda: app.loaded and len(app.inbox.table.referrals) == ROWS)
        assert link_states(posted) == ["connecting", "connected"]
        await pilot.press("enter")
        detail = app.inbox.detail
        await wait_for(pilot, lambda: detail.audit)
        await pilot.press(*["j"] * (ROWS - 1))
        last = app.inbox.table.selected_id
        assert last is not None
        # the pane shows the last row with its audit trail, fetched once the cursor rested
        await wait_for(pilot, lambda: detail.referral_id == last and detail.audit)
        await pilot.pause(0.5)
        assert link_states(posted) == ["connecting", "connected"], "the hub never cut us off"
        assert app.session.state == "connected" and app.inbox.line.state == "connected"


async def test_a_burst_of_requests_waits_for_room_instead_of_being_cut_off(live_hub: LiveHub) -> None:
    """The hub says its limit in hello; the app's requests beyond it wait instead of getting the
    connection closed (1008)."""
    live_hub.hub.settings.rate_limit_per_minute = 6
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"])
    app = make_app(live_hub.url, token, tz=UTC, watch_terminal=False)
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        assert app.session.rate_limit_per_minute == 6
        burst = [app.run_worker(app.session.request("availability.get"), exit_on_error=False)
                 for _ in range(6)]
        room = RequestPacer(6).budget - 2  # the hello and the inbox snapshot were the first two
        await wait_for(pilot, lambda: sum(w.is_finished for w in burst) >= room)
        await pilot.pause(0.3)
        assert sum(w.is_finished for w in burst) == room
        assert link_states(posted) == ["connecting", "connected"], "the hub never cut us off"
        for worker in burst:
            worker.cancel()
