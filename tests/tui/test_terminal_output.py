"""The one place that touches Textual's private `App._driver` (tui/terminal_output.py): these
fail if Textual changes under it, before a desktop notification silently stops reaching anyone."""

from __future__ import annotations

import pytest
from textual.driver import Driver

from tests.tui.test_snapshots import fixed_app
from tui import terminal_output


async def test_a_running_app_has_a_driver_that_takes_raw_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    app = fixed_app()
    assert terminal_output.driver_of(app) is None  # not running: nowhere to write
    assert not terminal_output.write(app, "\x1b]9;too early\x07")
    async with app.run_test():
        driver = terminal_output.driver_of(app)
        assert isinstance(driver, Driver) and driver is getattr(app, "_driver")
        assert callable(driver.write)
        written: list[str] = []
        monkeypatch.setattr(driver, "write", written.append)
        assert terminal_output.write(app, "\x1b]9;hello\x07")
        assert written == ["\x1b]9;hello\x07"]
