"""Fixtures for the terminal app: a real hub on a temp SQLite file, and deterministic apps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from shared.protocol import ReferralInput


@pytest.fixture(autouse=True)
def no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cursors do not blink in tests, so pictures are stable."""
    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The user's own config file and TRIAGE_* variables stay out of tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    for name in ("TRIAGE_CONFIG", "TRIAGE_HUB", "TRIAGE_TOKEN_FILE", "TRIAGE_THEME", "TRIAGE_DESKTOP",
                 "TRIAGE_BELL", "TRIAGE_KEYS"):
        monkeypatch.delenv(name, raising=False)


async def wait_for(pilot: Pilot, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``predicate`` (letting the app run) until it is truthy; fail after ``timeout``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > end:
            raise AssertionError(f"condition not met within {timeout} s: {predicate}")
        await pilot.pause(0.05)


def visible_text(widget: Any) -> str:
    """What a widget shows on screen now, as plain lines."""
    from textual.geometry import Region

    width, height = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


class StepClock:
    """A local clock that follows real time but can be pushed forward by tests."""

    def __init__(self) -> None:
        self.skew = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.skew

    def advance(self, seconds: float) -> None:
        self.skew += timedelta(seconds=seconds)


@dataclass
class LiveHub:
    hub: Any
    url: str

    async def person(self, name: str, roles: list[str], zips: list[str] = (), **kw: Any) -> tuple[str, str]:
        person, token = await self.hub.add_person(name=name, roles=roles, zips=list(zips), **kw)
        return person.id, token

    async def submit(self, person_id: str, **fields: Any) -> str:
        return await self.hub.submit(person_id, ReferralInput(**fields))


@pytest.fixture
async def live_hub(tmp_path: Path) -> AsyncIterator[LiveHub]:
    """A real hub listening on a free port, storing in a temp SQLite file."""
    hub_module = pytest.importorskip("server.hub")
    from server.settings import HubSettings

    settings = HubSettings(
        db_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}",
        host="127.0.0.1",
        port=0,
        claim_window_seconds=1800,
    )
    hub = hub_module.Hub(settings)
    await hub.start()
    try:
        yield LiveHub(hub, hub.url)
    finally:
        await hub.stop()


async def raw_request(url: str, token: str, op: str, args: dict[str, Any]) -> dict[str, Any]:
    """Do one op as another person over a bare websocket (hello first); return the reply frame."""
    import msgspec
    from websockets.asyncio.client import connect

    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        for request_id, name, body in (("h", "hello", {"since": None, "client": "test"}), ("x", op, args)):
            await ws.send(msgspec.json.encode({"id": request_id, "op": name, "args": body}).decode())
            while True:
                frame = msgspec.json.decode(await ws.recv())
                if frame.get("id") == request_id:
                    break
        return frame
