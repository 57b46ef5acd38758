"""Pictures of the settings screen, fed fixed hub answers (no hub, fixed clock)."""

from __future__ import annotations

import pytest

from tests.tui.test_snapshots import SIZES, fixed_app, load

AVAILABILITY = {"paused": False, "timezone": "America/Chicago", "available": False,
                "reason": "outside working hours (09:00-17:30 America/Chicago)", "work_hours": "09:00-17:30"}
NOTIFICATIONS = {"email": "dana.cole@example.com", "offers": True, "messages": False, "mail_enabled": True}


@pytest.mark.parametrize("size", SIZES)
def test_settings(snap_compare, size) -> None:
    app = fixed_app({"availability.get": AVAILABILITY, "notifications.get": NOTIFICATIONS})

    async def open_settings(pilot) -> None:
        await load(pilot)
        await pilot.press("comma")
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_settings)
