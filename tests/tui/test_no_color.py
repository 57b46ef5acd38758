"""Urgency and state read without colour (NO_COLOR, a monochrome terminal): the last minute of a
claim is the loudest text on screen, a switch says on or off, a chosen agent says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Label

from tests.tui.conftest import visible_text
from tests.tui.sample import NOW, referrals
from tests.tui.test_snapshots import fixed_app, load
from tests.tui.test_snapshots_agents import CARDS
from tests.tui.test_snapshots_settings import AVAILABILITY, NOTIFICATIONS
from tui.inbox.cells import left_cell
from tui.widgets.agent_search import AgentSearch


@pytest.fixture(autouse=True)
def no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it when the app is made


def test_the_last_minute_is_louder_than_the_last_five() -> None:
    from textual.theme import BUILTIN_THEMES

    theme = BUILTIN_THEMES["textual-dark"]
    by_id = {view.id: view for view in referrals()}
    critical = left_cell(by_id["RAPPT03"], NOW, theme).style  # 0:42 left
    warning = left_cell(by_id["RAPPT02"], NOW, theme).style  # 4:00 left
    calm = left_cell(by_id["RAPPT01"], NOW, theme).style  # 25:00 left
    assert critical.bold and critical.reverse  # reversed: a block, whatever the colours
    assert warning.bold and not warning.reverse
    assert not calm.bold and not calm.reverse
    expired = left_cell(by_id["RAPPT03"], NOW + timedelta(minutes=2), theme)
    assert expired.plain == "expired" and expired.style.reverse


async def test_switches_say_on_or_off() -> None:
    app = fixed_app({"availability.get": AVAILABILITY, "notifications.get": NOTIFICATIONS})
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        assert app.no_color
        await pilot.press("comma")
        await pilot.pause()
        await pilot.pause()
        screen = app.screen

        def state(name: str) -> str:
            return str(screen.query_one(f"#state-{name}", Label).content)

        assert (state("paused"), state("offers"), state("messages")) == ("off", "on", "off")
        screen.query_one("#set-paused").focus()
        await pilot.press("space")  # pause offers
        await pilot.pause()
        assert state("paused") == "on"


async def test_only_chosen_agents_read_as_chosen() -> None:
    app = fixed_app({"agents.search": {"agents": CARDS}})
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        await pilot.press("g")
        await pilot.pause()
        app.screen.query_one("#agent-text").focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("space")  # choose Ana
        await pilot.pause()
        results = app.screen.query_one(AgentSearch).query_one("#agent-results")
        lines = [line for line in visible_text(results).splitlines() if " mi" in line]
        chosen = [line for line in lines if "chosen" in line]
        assert len(lines) == 3 and len(chosen) == 1 and "Ana Ruiz" in chosen[0]
        await pilot.press("space")  # and not any more
        await pilot.pause()
        assert "chosen" not in visible_text(results)
