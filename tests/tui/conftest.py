"""Fixtures for the terminal app: a real hub on a temp SQLite file, and deterministic apps."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.widgets import Input

from shared.protocol import ReferralInput
from tui.clock import Clock, utc_now
from tui.hub.session import HubSession

M = TypeVar("M", bound=Message)


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
    for name in ("TMUX", "TMUX_PANE", "STY"):  # a run inside tmux or screen: alerts go raw all the same
        monkeypatch.delenv(name, raising=False)
    if os.environ.get("TERM", "").startswith("screen"):
        monkeypatch.setenv("TERM", "xterm-256color")


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


@dataclass
class Posted:
    """What the app posted, in order: pass it as `run_test(message_hook=...)`. Tests read the
    app's toasts and link changes here instead of in its private state."""

    messages: list[Message] = field(default_factory=list)
    _ids: set[int] = field(default_factory=set)

    def __call__(self, message: Message) -> None:
        if id(message) not in self._ids:  # a bubbling message arrives at each pump on its way
            self._ids.add(id(message))  # (held in `messages`, so no id is reused meanwhile)
            self.messages.append(message)

    def of(self, kind: type[M]) -> list[M]:
        return [message for message in self.messages if isinstance(message, kind)]

    @property
    def notifications(self) -> list[Notification]:
        """Every toast the app asked for (`App.notify` posts a `Notify`)."""
        return [message.notification for message in self.of(Notify)]

    def toasted(self, predicate: Callable[[Notification], bool]) -> bool:
        return any(predicate(notification) for notification in self.notifications)


class AnsweringSession(HubSession):
    """A hub session that answers from a table instead of a hub: op -> result, or a function of
    the op's arguments (which may raise `HubError`). For pictures that must not need a hub."""

    def __init__(self, answers: Mapping[str, Any], clock: Clock = utc_now,
                 url: str = "ws://hub.test:8765") -> None:
        super().__init__(url, "token", clock)
        self.answers = dict(answers)

    async def request(self, op: str, **args: Any) -> Any:
        answer = self.answers[op]
        return answer(args) if callable(answer) else answer


class Link:
    """A TCP relay between the app and the hub that a test can cut, as a network drop does."""

    def __init__(self, hub_url: str) -> None:
        target = urlsplit(hub_url)
        self.target = (target.hostname or "127.0.0.1", target.port or 80)
        self.url = ""
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._relays: set[asyncio.Task[None]] = set()
        self.down = False  # while True, new connections are cut at once, as from a hub that is down

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self.url

    def drop(self) -> None:
        """Cut every connection relayed now (no close frame); new ones still get through."""
        for writer in list(self._open):
            writer.transport.abort()

    async def stop(self) -> None:
        self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._relays):
            task.cancel()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._relays.add(task := asyncio.current_task())  # type: ignore[arg-type]
        if self.down:
            writer.transport.abort()
            self._relays.discard(task)  # type: ignore[arg-type]
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._open |= {writer, up_writer}
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._open -= {writer, up_writer}
            self._relays.discard(task)  # type: ignore[arg-type]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.transport.abort()


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


@pytest.fixture
async def hub_link(live_hub: LiveHub) -> AsyncIterator[Link]:
    """A link to the live hub that the test can cut."""
    link = Link(live_hub.url)
    await link.start()
    try:
        yield link
    finally:
        await link.stop()


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
