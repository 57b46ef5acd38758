"""Alerts against a real hub: arrivals and offers crossing under five minutes left."""

from __future__ import annotations

from tests.tui.conftest import LiveHub, StepClock, wait_for
from tests.tui.test_live_hub import APPOINTMENT, agent_app, connected


async def test_an_offer_under_five_minutes_alerts_once(live_hub: LiveHub) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    clock = StepClock()
    app = agent_app(live_hub, token, clock=clock, desktop_notifications=True)
    bells: list[bool] = []
    desktop: list[tuple[str, str]] = []
    app.bell = lambda: bells.append(True)  # type: ignore[method-assign]
    app.desktop_notify = lambda title, body: desktop.append((title, body))  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot, app)
        ref = await live_hub.submit(desk, **APPOINTMENT)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        assert len(bells) == 1 and desktop[0][0] == f"New appointment referral {ref}"
        clock.advance(24 * 60)  # 6 minutes left: no alert yet
        app.tick()
        assert len(bells) == 1
        clock.advance(90)  # 4:30 left
        app.tick()
        app.tick()
        await pilot.pause()
        assert len(bells) == 2, "one alert per offer"
        title, body = desktop[-1]
        assert title == f"Offer {ref} closing" and "left to claim" in body
        assert any(n.title == title and n.severity == "warning" for n in app._notifications)
