"""The hub session and its connection, against a fake socket: the sync rules (snapshot plus
buffered events, dedup, resync) seen in what the connection sends and posts, never its insides."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from shared.protocol import (
    ErrorCode,
    Event,
    HelloResult,
    HubError,
    InboxResult,
    Reply,
    Resync,
    encoder,
)
from tests.tui.sample import ME, NOW, referrals
from tui.hub.connection import HubConnection, backoff_delay
from tui.hub.messages import (
    HelloReceived,
    InboxLoaded,
    LinkChanged,
    ReferralRemoved,
    ReferralUpserted,
)
from tui.hub.session import HubSession


class FakeSocket:
    """The app's end of a websocket, driven by the test: what it sent, and frames to read."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self._frames: asyncio.Queue[str | None] = asyncio.Queue()

    async def send(self, text: str) -> None:
        self.sent.append(msgspec.json.decode(text))

    def push(self, frame: Any) -> None:
        self._frames.put_nowait(encoder.encode(frame).decode())

    async def close(self) -> None:
        self._frames.put_nowait(None)

    def __aiter__(self) -> FakeSocket:
        return self

    async def __anext__(self) -> str:
        frame = await self._frames.get()
        if frame is None:
            raise StopAsyncIteration
        return frame


class FakeDial:
    """Stands in for websockets' `connect`: each call opens a new fake socket."""

    def __init__(self) -> None:
        self.sockets: list[FakeSocket] = []

    async def __call__(self, url: str, **options: Any) -> FakeSocket:
        self.sockets.append(socket := FakeSocket())
        return socket


async def until(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Let the connection run until `predicate` holds (it waits on frames, not on the clock)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not (value := predicate()):
        if loop.time() > end:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.005)
    return value


@contextlib.asynccontextmanager
async def running(since: int | None = None) -> AsyncIterator[tuple[HubConnection, list, FakeSocket]]:
    """A connection running against a fake socket, with the hello it sent already checked."""
    posted: list = []
    dial = FakeDial()
    conn = HubConnection("ws://hub.test", "t", posted.append, clock=lambda: NOW, dial=dial)
    conn.last_seq = since
    task = asyncio.create_task(conn.run())
    try:
        ws = await until(lambda: dial.sockets and dial.sockets[0].sent and dial.sockets[0])
        assert ws.sent[0]["op"] == "hello" and ws.sent[0]["args"]["since"] == since
        yield conn, posted, ws
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def upsert(seq: int, index: int = 0) -> Event:
    return Event(seq=seq, name="referral.upsert", at=NOW, data=msgspec.to_builtins(referrals()[index]))


def hello(ws: FakeSocket, replay: str = "none", seq: int = 5) -> Reply:
    result = HelloResult(protocol=1, server_time=NOW, person=ME, seq=seq, replay=replay)
    return Reply(id=ws.sent[0]["id"], result=msgspec.to_builtins(result))


def snapshot(ws: FakeSocket, seq: int, views: list | None = None) -> Reply:
    request = next(frame for frame in ws.sent if frame["op"] == "inbox")
    views = views or []
    inbox = InboxResult(seq=seq, server_time=NOW, total=len(views), referrals=views)
    return Reply(id=request["id"], result=msgspec.to_builtins(inbox))


async def test_first_connect_buffers_events_until_the_snapshot_lands() -> None:
    async with running() as (conn, posted, ws):
        ws.push(hello(ws))
        await until(lambda: len(ws.sent) == 2)
        assert ws.sent[1]["op"] == "inbox"
        for seq in (5, 6, 7):  # arrive while the inbox request is in flight
            ws.push(upsert(seq, seq % 3))
        ws.push(snapshot(ws, seq=6))
        await until(lambda: any(isinstance(m, ReferralUpserted) for m in posted))
        kinds = [type(m) for m in posted]
        assert kinds == [LinkChanged, HelloReceived, LinkChanged, InboxLoaded, ReferralUpserted]
        assert [m.state for m in posted if isinstance(m, LinkChanged)] == ["connecting", "connected"]
        assert posted[-1].seq == 7 and conn.last_seq == 7
        assert conn.connected


async def test_replayed_and_duplicate_events_apply_once_in_order() -> None:
    async with running(since=4) as (conn, posted, ws):
        ws.push(hello(ws, "events"))
        for seq in (5, 6, 6, 3, 7):
            ws.push(upsert(seq))
        ws.push(Event(seq=8, name="referral.removed", at=NOW, data={
            "id": "RAPPT01", "reason": "claimed", "winner": {"id": "P-X", "name": "Lee Park"},
            "at": "2025-03-14T15:04:05Z"}))
        await until(lambda: any(isinstance(m, ReferralRemoved) for m in posted))
        assert [frame["op"] for frame in ws.sent] == ["hello"]  # no snapshot: the missed events follow
        seqs = [m.seq for m in posted if isinstance(m, (ReferralUpserted, ReferralRemoved))]
        assert seqs == [5, 6, 7, 8]
        assert posted[-1].removed.winner.name == "Lee Park"


async def test_resync_refetches_the_inbox_once() -> None:
    async with running(since=40) as (conn, posted, ws):
        ws.push(hello(ws, "resync", seq=90))
        ws.push(Resync(seq=90, reason="too old"))
        ws.push(upsert(91))
        await until(lambda: len(ws.sent) == 2)
        ws.push(snapshot(ws, seq=90, views=referrals()[:1]))
        await until(lambda: any(isinstance(m, ReferralUpserted) for m in posted))
        assert [frame["op"] for frame in ws.sent] == ["hello", "inbox"]
        assert [type(m) for m in posted][-2:] == [InboxLoaded, ReferralUpserted]
        assert conn.last_seq == 91


async def test_a_request_gets_its_reply_or_the_hubs_coded_error() -> None:
    async with running(since=4) as (conn, posted, ws):
        ws.push(hello(ws, "events"))
        await until(lambda: conn.connected)
        answer = asyncio.create_task(conn.request("claim", {"id": "R1"}))
        refused = asyncio.create_task(conn.request("claim", {"id": "R2"}))
        await until(lambda: len(ws.sent) == 3)
        first, second = ws.sent[1], ws.sent[2]
        assert (first["op"], first["args"]) == ("claim", {"id": "R1"})
        ws.push(Reply(id=first["id"], result={"ok": True}))
        ws.push({"type": "error", "id": second["id"], "code": "claim_lost", "message": "Lee won"})
        assert await answer == {"ok": True}
        with pytest.raises(HubError) as info:
            await refused
        assert info.value.code is ErrorCode.CLAIM_LOST and info.value.message == "Lee won"


async def test_request_offline_raises_a_coded_error() -> None:
    conn = HubConnection("ws://hub.test", "t", lambda m: None)
    with pytest.raises(HubError) as info:
        await conn.request("claim", {"id": "R1"})
    assert info.value.code == ErrorCode.OFFLINE


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    middle = [backoff_delay(n, jitter=lambda: 0.5) for n in range(8)]
    assert middle == [1, 2, 4, 8, 16, 30, 30, 30]
    assert backoff_delay(3, jitter=lambda: 0.0) == pytest.approx(6.4)
    assert backoff_delay(3, jitter=lambda: 1.0) == pytest.approx(9.6)


async def test_the_session_keeps_the_link_state_who_we_are_and_the_hubs_time() -> None:
    posted: list = []
    session = HubSession("ws://hub.test", "t", clock=lambda: NOW)
    session.attach(posted.append)
    assert (session.state, session.person_id, session.roles, session.hub_now()) == ("connecting", "", [], NOW)
    hello = HelloReceived(ME, timedelta(seconds=90))
    for message in (hello, LinkChanged("connected", ME.name)):
        session.receive(message)
    assert posted == [hello, LinkChanged("connected", ME.name)]  # everything goes on to the app
    assert session.state == "connected" and session.person_id == ME.id and session.roles == ["agent"]
    assert session.hub_now() == NOW + timedelta(seconds=90)
    with pytest.raises(HubError) as info:  # no worker is running it: nothing can answer
        await session.request("availability.get")
    assert info.value.code is ErrorCode.OFFLINE
