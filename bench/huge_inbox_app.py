"""The app side of the huge-inbox benchmark, launched as its own process by `bench.huge_inbox`.

    python -m bench.huge_inbox_app app HUB_URL TOKEN PRESSES   # the triage app, paged
    python -m bench.huge_inbox_app baseline DB_PATH            # a stock DataTable with every row

Both run headless (`App.run_test`) at 120x40 and print one JSON line per fact:
{"painted": wall-clock time of the first painted inbox, "app_start": just before the App ran}.
The app then sits with its countdowns ticking until a line arrives on stdin (the parent reads its
CPU time meanwhile), presses j PRESSES times and prints {"keys": [ms per press until repainted]}.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from datetime import UTC

SIZE = (120, 40)
BETWEEN_PRESSES = 0.05  # a fast typist, not a flood


def say(**fact: object) -> None:
    print(json.dumps(fact), flush=True)


async def painted(app) -> None:  # type: ignore[no-untyped-def]
    """Until the screen has been refreshed once more (what is on it now is painted)."""
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


async def run_app(url: str, token: str, presses: int) -> None:
    from textual import events

    from tui.app import make_app

    app = make_app(url, token, tz=UTC, watch_terminal=False)
    app_start = time.time()
    async with app.run_test(size=SIZE):
        while not app.loaded:
            await asyncio.sleep(0.002)
        await painted(app)
        table = app.inbox.table
        say(painted=time.time(), app_start=app_start, rows=table.row_count,
            held=len(table.referrals))
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        table.focus()
        timings = []
        for _ in range(presses):  # as a terminal sends it: a Key event to the app
            target = table.cursor_row + 1
            start = time.perf_counter()
            app.post_message(events.Key("j", "j"))
            while table.cursor_row != target:
                await asyncio.sleep(0)
            await painted(app)
            timings.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(BETWEEN_PRESSES)
        say(keys=timings, cursor=table.cursor_row)


async def run_baseline(db_path: str) -> None:
    """Textual's stock DataTable, every row added up front (the same eight columns)."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Baseline(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable(cursor_type="row", zebra_stripes=True)

    app = Baseline()
    app_start = time.time()
    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT '', kind, status, first_name || ' ' || last_name, city || ' ' || zip,"
            " price_min || '-' || price_max, lead_type || intent, sender_id, id FROM referrals"
            " ORDER BY created_at DESC"
        ).fetchall()
    async with app.run_test(size=SIZE):
        table = app.query_one(DataTable)
        for label in ("Left", "Kind", "Status", "Client", "Area", "Price", "Lead / intent", "From"):
            table.add_column(label)
        for *cells, key in rows:
            table.add_row(*cells, key=key)
        await painted(app)
        say(painted=time.time(), app_start=app_start, rows=table.row_count)


def main() -> None:
    mode = sys.argv[1]
    if mode == "app":
        asyncio.run(run_app(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    else:
        asyncio.run(run_baseline(sys.argv[2]))


if __name__ == "__main__":
    main()
