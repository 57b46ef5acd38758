"""Every key reaches the widget focused at that point of the key sequence, however fast the keys
come (tui/key_order.py). `pilot.press` waits for the app to go idle after each key, which hides
the bug; a burst over ssh does not wait, so these post every key at once, as the terminal driver
does with one read of several keys. The same burst in a real terminal: tests/tmux/test_keys.py."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from tests.tui.conftest import wait_for
from tests.tui.test_snapshots import fixed_app, load
from tui.screens.outbound_form import OutboundForm


def burst(app, keys: list[str]) -> None:
    """All the keys into the app's queue in one go, none waiting for the one before."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


def typed(*parts: str) -> list[str]:
    """'abc', 'def' -> a b c tab d e f."""
    keys: list[str] = []
    for i, part in enumerate(parts):
        keys += (["tab"] if i else []) + list(part)
    return keys


def fields(form: OutboundForm, *names: str) -> list[str]:
    return [form.query_one(f"#f-{name}", Input).value for name in names]


async def settle(pilot, app) -> None:
    await pilot.pause()
    await wait_for(pilot, lambda: getattr(app, "keys_waiting", 0) == 0, timeout=20)
    await pilot.pause()


async def test_a_burst_with_tabs_fills_each_field_in_turn() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        await pilot.press("n")
        form = await wait_for(pilot, lambda: isinstance(app.screen, OutboundForm) and app.screen)
        await pilot.pause()
        burst(app, typed("abc", "def", "ghi"))
        await settle(pilot, app)
        assert fields(form, "first_name", "last_name", "email") == ["abc", "def", "ghi"]
        # back up, in the same burst (a field taking the focus selects its text: typing replaces it)
        burst(app, ["shift+tab", *"xy", "shift+tab", *"z"])
        await settle(pilot, app)
        assert fields(form, "first_name", "last_name", "email") == ["z", "xy", "ghi"]


async def test_a_burst_that_opens_the_form_types_into_it() -> None:
    """`n` and what follows in one burst: the keys wait for the form to mount and focus."""
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        burst(app, ["n", *typed("Zoe", "Quinn", "zoe@example.com", "555 0100")])
        await settle(pilot, app)
        form = app.screen
        assert isinstance(form, OutboundForm)
        assert fields(form, "first_name", "last_name", "email", "phone") == [
            "Zoe", "Quinn", "zoe@example.com", "555 0100"]


async def test_a_long_burst_loses_no_key() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        await pilot.press("n")
        form = await wait_for(pilot, lambda: isinstance(app.screen, OutboundForm) and app.screen)
        await pilot.pause()
        words = [f"w{i}" * 3 for i in range(6)]
        burst(app, typed(*words))
        await settle(pilot, app)
        assert fields(form, "first_name", "last_name", "email", "phone", "street", "city") == words
