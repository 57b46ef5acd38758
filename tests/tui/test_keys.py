"""Keys are Bindings with ids: remappable, and in the command palette."""

from __future__ import annotations

from datetime import timezone

from tests.tui.conftest import Posted, wait_for
from tests.tui.sample import NOW
from tests.tui.test_snapshots import load
from tui.app import make_app
from tui.screens.outbound_form import OutboundForm


async def test_keys_can_be_remapped_by_binding_id() -> None:
    app = make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                   watch_terminal=False, keymap={"triage.accept": "c", "inbox.down": "N"})
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await load(pilot)
        await pilot.press("N")
        assert app.inbox.table.cursor_row == 1
        await pilot.press("c")  # claim RAPPT02: offline, so the hub cannot be asked
        await wait_for(pilot, lambda: posted.toasted(lambda n: "not connected" in n.message))


def test_every_key_has_an_id_and_a_description() -> None:
    from tui.inbox.screen import InboxScreen
    from tui.screens.outbound_form import OutboundForm
    from tui.screens.thread_screen import ThreadScreen

    for screen in (InboxScreen, OutboundForm, ThreadScreen):
        for binding in screen.BINDINGS:
            assert binding.id and binding.description, binding


async def test_new_keys_are_in_the_command_palette() -> None:
    app = make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                   watch_terminal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in ("Status", "Messages", "New referral", "Pick receiver", "Sign", "Archive",
                      "Filter", "Agent search", "View: archived"):
            assert title in titles, title
        await pilot.press("n")
        for _ in range(100):  # the form is pushed after the key's handler runs: wait for it
            if isinstance(app.screen, OutboundForm):
                break
            await pilot.pause(0.02)
        assert isinstance(app.screen, OutboundForm)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Send", "Save draft", "Agent search"} <= titles
