"""Pictures at 80x24 with NO_COLOR set (Textual reads it when the app is made): the inbox's
countdowns, the settings' switches and the agent search's chosen rows read without colour."""

from __future__ import annotations

import pytest

from tests.tui.test_snapshots import fixed_app, load
from tests.tui.test_snapshots_agents import CARDS
from tests.tui.test_snapshots_settings import AVAILABILITY, NOTIFICATIONS


@pytest.fixture(autouse=True)
def no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


def test_inbox_without_colour(snap_compare) -> None:
    assert snap_compare(fixed_app(), terminal_size=(80, 24), run_before=load)


def test_settings_without_colour(snap_compare) -> None:
    async def open_settings(pilot) -> None:
        await load(pilot)
        await pilot.press("comma")
        await pilot.pause()
        await pilot.pause()

    app = fixed_app({"availability.get": AVAILABILITY, "notifications.get": NOTIFICATIONS})
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_settings)


def test_agent_search_without_colour(snap_compare) -> None:
    async def search(pilot) -> None:
        await load(pilot)
        await pilot.press("g")
        await pilot.pause()
        pilot.app.screen.query_one("#agent-text").focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("space")  # choose Ana
        await pilot.press("down")  # Ben's profile
        await pilot.pause()

    app = fixed_app({"agents.search": {"agents": CARDS}})
    assert snap_compare(app, terminal_size=(80, 24), run_before=search)
