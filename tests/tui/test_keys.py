"""Keys are Bindings with ids: remappable, and in the command palette."""

from __future__ import annotations

from datetime import timezone

from tests.tui.sample import NOW
from tests.tui.test_snapshots import load
from tui.app import make_app


async def test_keys_can_be_remapped_by_binding_id() -> None:
    app = make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                   watch_terminal=False, keymap={"triage.accept": "c", "inbox.down": "n"})
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        await pilot.press("n")
        assert app.inbox.table.cursor_row == 1
        await pilot.press("c")  # claim RAPPT02: offline, so the hub cannot be asked
        await pilot.pause()
        assert any("not connected" in n.message for n in app._notifications)
