"""Raw escape sequences to the terminal, for the desktop notifications (OSC 9 / OSC 777).

Textual 8 has no public API for raw terminal output: `App.bell` and `App.copy_to_clipboard`
write theirs through the app's driver, which the `App` keeps private (`App._driver`). This module
is the only place in the app that touches it; `tests/tui/test_terminal_output.py` fails if
Textual changes under it (textual is pinned exactly in pyproject.toml).
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.driver import Driver


def driver_of(app: App[Any]) -> Driver | None:
    """The driver the app writes the screen through while it runs (None when it does not)."""
    driver = getattr(app, "_driver", None)
    return driver if isinstance(driver, Driver) else None


def write(app: App[Any], sequence: str) -> bool:
    """Send `sequence` to the terminal, as the driver sends its own output; False when the app
    has no driver (not running). A headless driver (tests) swallows it, as it swallows the
    screen."""
    driver = driver_of(app)
    if driver is None:
        return False
    driver.write(sequence)
    return True
