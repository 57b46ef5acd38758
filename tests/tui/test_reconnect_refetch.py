"""Screens opened while the hub is out of reach fetch what they show once the app is back."""

from __future__ import annotations

from datetime import timezone

from textual.widgets import Static

from tests.tui.conftest import Link, LiveHub, raw_request, wait_for
from tests.tui.test_flows import CLIENT
from tests.tui.test_live_hub import connected
from tui.app import make_app
from tui.screens.reports_screen import ReportsScreen
from tui.screens.thread_screen import ThreadScreen


async def go_offline(pilot, app, link: Link) -> None:
    link.down = True
    link.drop()
    await wait_for(pilot, lambda: app.inbox.line.state == "reconnecting")


async def test_a_thread_opened_offline_shows_its_messages_once_the_hub_is_back(
        live_hub: LiveHub, hub_link: Link) -> None:
    sam, sam_token = await live_hub.person("Sam Sender", ["agent"], ["78701"])
    rita, rita_token = await live_hub.person("Rita Receiver", ["agent"], ["80202"])
    ref = await live_hub.submit(sam, **CLIENT, mode="private", receivers=[rita])
    assert (await raw_request(live_hub.url, rita_token, "interest", {"id": ref}))["type"] == "reply"
    assert (await raw_request(live_hub.url, sam_token, "pick", {"id": ref, "receiver": rita}))["type"] == "reply"
    sent = await raw_request(live_hub.url, rita_token, "thread.send", {"id": ref, "body": "Is she pre-approved?"})
    assert sent["type"] == "reply", sent
    app = make_app(hub_link.url, sam_token, tz=timezone.utc, watch_terminal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot, app)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        await go_offline(pilot, app, hub_link)
        await pilot.press("m")
        thread = await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and app.screen)
        await wait_for(pilot, lambda: "could not load the thread" in str(
            thread.query_one("#thread-empty", Static).render()))
        hub_link.down = False
        await pilot.press("ctrl+l")  # reconnect now
        await wait_for(pilot, lambda: [m.body for m in thread.messages.values()] == ["Is she pre-approved?"])
        assert not thread.query("#thread-empty")


async def test_reports_and_the_open_detail_load_again_after_a_drop(
        live_hub: LiveHub, hub_link: Link) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    from tests.tui.test_live_hub import APPOINTMENT

    ref = await live_hub.submit(desk, **APPOINTMENT)
    app = make_app(hub_link.url, token, tz=timezone.utc, watch_terminal=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await connected(pilot, app)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        await go_offline(pilot, app, hub_link)
        await pilot.press("enter")  # the detail, offline: no audit trail
        await pilot.pause(0.3)
        assert app.inbox.detail.referral_id == ref and not app.inbox.detail.audit
        await pilot.press("R")
        reports = await wait_for(pilot, lambda: isinstance(app.screen, ReportsScreen) and app.screen)
        await wait_for(pilot, lambda: "could not load" in str(reports.query_one("#reports-title", Static).render()))
        hub_link.down = False
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: reports.report is not None)
        await wait_for(pilot, lambda: app.inbox.detail.audit)  # the detail under it too


async def test_settings_opened_offline_load_once_back_and_keep_edits_made_meanwhile(
        live_hub: LiveHub, hub_link: Link) -> None:
    from textual.widgets import Input, Label

    from tui.screens.settings_screen import SettingsScreen

    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"])
    app = make_app(hub_link.url, token, tz=timezone.utc, watch_terminal=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await connected(pilot, app)
        await go_offline(pilot, app, hub_link)
        await pilot.press("comma")
        settings = await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen) and app.screen)
        await wait_for(pilot, lambda: "Could not load settings" in str(
            settings.query_one("#settings-error", Label).render()))
        hub_link.down = False
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: settings.loaded_values is not None)
        assert "Could not load" not in str(settings.query_one("#settings-error", Label).render())
        settings.query_one("#set-work_hours", Input).value = "08:00-12:00"  # an edit, unsaved
        await go_offline(pilot, app, hub_link)
        hub_link.down = False
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.inbox.line.state == "connected")
        await pilot.pause(0.3)
        assert settings.query_one("#set-work_hours", Input).value == "08:00-12:00"  # kept
