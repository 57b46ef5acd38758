"""Run in a tmux pane by test_passthrough.py: the app (offline, fixed data) with desktop alerts on,
raising one alert a second after it starts, through its own Alerts and terminal output."""

from __future__ import annotations

import asyncio

from tests.tui.test_snapshots import fixed_app

TITLE = "New appointment referral RTEST01"
BODY = "Austin 78701 · 29:00 to claim"


def main() -> None:
    app = fixed_app(desktop_notifications=True, bell=False)

    async def alert_soon(pilot) -> None:
        await asyncio.sleep(1.0)
        app.alerts.alert(BODY, title=TITLE)
        await asyncio.sleep(120)

    app.run(auto_pilot=alert_soon)


if __name__ == "__main__":
    main()
