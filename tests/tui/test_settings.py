"""Pilot tests of the settings screen against a real hub."""

from __future__ import annotations

from textual.widgets import Input, Label, Switch

from tests.tui.conftest import LiveHub, Posted, raw_request, visible_text, wait_for
from tests.tui.test_live_hub import agent_app, connected
from tui.screens.settings_screen import SettingsScreen, parse_day


def test_parse_day() -> None:
    assert parse_day("") is None
    assert parse_day("2026-12-20").isoformat() == "2026-12-20T00:00:00+00:00"


async def open_settings(pilot, app) -> SettingsScreen:
    await pilot.press("comma")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen) and app.screen)
    await wait_for(pilot, lambda: "vailable" in str(screen.query_one("#settings-available", Label).content))
    return screen


async def test_pause_is_saved_to_the_hub(live_hub: LiveHub) -> None:
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    app = agent_app(live_hub, token)
    posted = Posted()
    async with app.run_test(size=(100, 40), message_hook=posted) as pilot:
        await connected(pilot, app)
        screen = await open_settings(pilot, app)
        assert str(screen.query_one("#settings-available", Label).content) == "Available now"
        screen.query_one("#set-paused", Switch).value = True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any(n.message.startswith("Saved availability") for n in posted.notifications))
        frame = await raw_request(live_hub.url, token, "availability.get", {})
        assert frame["result"]["paused"] is True
        line = str(screen.query_one("#settings-available", Label).content)
        assert line.startswith("Not available:")


async def test_bad_working_hours_show_the_hubs_error(live_hub: LiveHub) -> None:
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    app = agent_app(live_hub, token)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot, app)
        screen = await open_settings(pilot, app)
        screen.query_one("#set-work_hours", Input).value = "nine to five"
        screen.query_one("#set-paused", Switch).value = True
        await pilot.press("ctrl+s")
        error = screen.query_one("#error-work_hours", Label)
        await wait_for(pilot, lambda: "09:00-17:30" in str(error.content))
        assert "nine to five" in str(error.content)
        await pilot.pause()

        shown = " ".join(line.strip() for line in visible_text(error).splitlines())
        assert "working hours look like 09:00-17:30, got 'nine to five'" in shown
        assert error.parent.region.contains_region(error.region)  # every line of it on screen
        assert screen.query_one("#set-work_hours", Input).value == "nine to five"  # nothing lost
        frame = await raw_request(live_hub.url, token, "availability.get", {})
        assert frame["result"]["paused"] is False  # the whole change was refused



async def test_the_dry_runs_zip_field_shows_its_whole_placeholder() -> None:
    from datetime import timedelta

    from shared.protocol import PersonView
    from tests.tui.test_snapshots import fixed_app, load
    from tui.hub.messages import HelloReceived

    app = fixed_app({})
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        desk = PersonView(id="P-DESK", name="Routing Desk", roles=["concierge"])
        app.session.receive(HelloReceived(desk, timedelta(0)))
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()
        box = app.screen.query_one("#dryrun-zip", Input)
        box.value = ""  # it came with the highlighted referral's zip
        await pilot.pause()
        assert visible_text(box).strip() == box.placeholder  # not "zip code,"
