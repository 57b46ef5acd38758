"""Alerts against a real hub: arrivals and offers crossing under five minutes left, seen as the
toasts the app posts and the desktop notifications the terminal receives (OSC 777 / OSC 9)."""

from __future__ import annotations

import re

import pytest

from tests.tui.conftest import LiveHub, Posted, StepClock, wait_for
from tests.tui.test_live_hub import APPOINTMENT, agent_app, connected
from tui import terminal_output
from tui.notify import desktop_sequence

OSC777 = re.compile(r"\x1b\]777;notify;([^;\x07]*);([^\x07]*)\x07")


def desktop_notes(written: list[str]) -> list[tuple[str, str]]:
    """(title, body) of each desktop notification in what the terminal received."""
    return OSC777.findall("".join(written))


async def test_an_offer_under_five_minutes_alerts_once(live_hub: LiveHub, monkeypatch: pytest.MonkeyPatch) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    clock = StepClock()
    app = agent_app(live_hub, token, clock=clock, desktop_notifications=True)
    posted = Posted()
    written: list[str] = []  # what the terminal receives
    async with app.run_test(size=(100, 30), message_hook=posted) as pilot:
        monkeypatch.setattr(terminal_output.driver_of(app), "write", written.append)
        await connected(pilot, app)
        ref = await live_hub.submit(desk, **APPOINTMENT)
        await wait_for(pilot, lambda: desktop_notes(written))
        (title, body), = desktop_notes(written)
        assert title == f"New appointment referral {ref}" and "to claim" in body
        assert desktop_sequence(title, body) in "".join(written)  # with its OSC 9 twin
        assert posted.toasted(lambda n: n.title == title)
        clock.advance(24 * 60)  # 6 minutes left: no alert yet
        app.tick()
        assert len(desktop_notes(written)) == 1
        clock.advance(90)  # 4:30 left
        app.tick()
        app.tick()
        await pilot.pause()
        assert len(desktop_notes(written)) == 2, "one alert per offer"
        title, body = desktop_notes(written)[-1]
        assert title == f"Offer {ref} closing" and "left to claim" in body
        assert posted.toasted(lambda n: n.title == title and n.severity == "warning")
        assert len([n for n in posted.notifications if n.title == title]) == 1


async def test_without_desktop_notifications_the_terminal_gets_no_sequence(
        live_hub: LiveHub, monkeypatch: pytest.MonkeyPatch) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    app = agent_app(live_hub, token)  # the app's own default: off (the config turns it on)
    posted = Posted()
    written: list[str] = []
    async with app.run_test(size=(100, 30), message_hook=posted) as pilot:
        monkeypatch.setattr(terminal_output.driver_of(app), "write", written.append)
        await connected(pilot, app)
        ref = await live_hub.submit(desk, **APPOINTMENT)
        await wait_for(pilot, lambda: posted.toasted(lambda n: n.title == f"New appointment referral {ref}"))
        assert not desktop_notes(written)
