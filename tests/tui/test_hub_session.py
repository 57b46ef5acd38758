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
    """Stands in for websockets' `connect`: each call opens a new fake socket, except to the
    hubs in `down` (refused, as a stopped hub refuses)."""

    def __init__(self, down: set[str] = frozenset()) -> None:
        self.sockets: list[FakeSocket] = []
        self.urls: list[str] = []  # every hub dialled, in order
        self.down = set(down)

    async def __call__(self, url: str, **options: Any) -> FakeSocket:
        self.urls.append(url)
        if url in self.down:
            raise ConnectionRefusedError(111, f"Connect call failed ({url})")
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


def hello(ws: FakeSocket, replay: str = "none", seq: int = 5, nth: int = 0) -> Reply:
    """The hub's answer to the `nth` hello this socket sent."""
    request = [frame for frame in ws.sent if frame["op"] == "hello"][nth]
    result = HelloResult(protocol=1, server_time=NOW, person=ME, seq=seq, replay=replay)
    return Reply(id=request["id"], result=msgspec.to_builtins(result))


def applied(posted: list) -> list[int]:
    return [m.seq for m in posted if isinstance(m, (ReferralUpserted, ReferralRemoved))]


def hellos(ws: FakeSocket) -> list[int | None]:
    """The `since` of every hello sent on this socket."""
    return [frame["args"]["since"] for frame in ws.sent if frame["op"] == "hello"]


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
    assert middle == [1, 2, 4, 8, 8, 8, 8, 8]  # a restarted hub is rejoined within 10 s
    assert backoff_delay(3, jitter=lambda: 0.0) == pytest.approx(6.4)
    assert backoff_delay(30, jitter=lambda: 1.0) == pytest.approx(9.6)  # never over 10 s


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


# ------------------------------------------------------------ failover between hubs

A, B, C = "ws://a.test:8765", "ws://b.test:8765", "ws://c.test:8765"


async def test_a_dropped_hub_hands_over_to_the_next_at_once_resuming_from_the_last_event() -> None:
    posted: list = []
    dial = FakeDial(down={B})
    conn = HubConnection([A, B, C], "t", posted.append, clock=lambda: NOW, dial=dial)
    conn.last_seq = 4
    task = asyncio.create_task(conn.run())
    try:
        on_a = await until(lambda: dial.sockets and dial.sockets[0].sent and dial.sockets[0])
        on_a.push(hello(on_a, "events", seq=5))
        on_a.push(upsert(5))
        await until(lambda: applied(posted) == [5])
        assert conn.url == A and conn.connected
        await on_a.close()  # A goes away; B is down too; C is up
        on_c = await until(lambda: dial.sockets[1:] and dial.sockets[1].sent and dial.sockets[1])
        assert dial.urls == [A, B, C] and conn.url == C
        assert hellos(on_c) == [5]  # C replays what came after the last event applied
        on_c.push(hello(on_c, "events", seq=7))
        on_c.push(upsert(6))
        on_c.push(upsert(7))
        await until(lambda: applied(posted) == [5, 6, 7])
        links = [(m.state, m.hub) for m in posted if isinstance(m, LinkChanged)]
        assert links == [("connecting", A), ("connected", A), ("connecting", B), ("connecting", C),
                         ("connected", C)]  # no wait on the way: C was tried as soon as B failed
        # C goes too, and A and B are down: after a whole round, the backoff, then C again
        dial.down |= {A}
        await on_c.close()
        waiting = await until(lambda: [m for m in posted if isinstance(m, LinkChanged)
                                       and m.state == "reconnecting"])
        assert dial.urls == [A, B, C, A, B] and waiting[0].retry_at is not None
        await until(lambda: len(dial.urls) == 6, timeout=10)
        assert dial.urls[-1] == C
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_one_url_or_several() -> None:
    assert HubConnection(A, "t", lambda m: None).urls == [A]
    assert HubSession([A, B], "t").urls == [A, B] and HubSession([A, B], "t").url == A
    with pytest.raises(ValueError):
        HubConnection([], "t", lambda m: None)


# ------------------------------------------------------------ gap repair


async def test_a_hole_in_the_sequence_is_filled_by_a_second_hello_on_the_same_socket() -> None:
    async with running(since=4) as (conn, posted, ws):
        ws.push(hello(ws, "events", seq=5))
        ws.push(upsert(5))
        ws.push(upsert(7))  # 6 went missing (another hub committed it)
        await until(lambda: hellos(ws) == [4, 5])
        ws.push(upsert(8))  # held too; the repair is already asked for
        ws.push(hello(ws, "events", seq=8, nth=1))
        for seq in (6, 7, 8):  # the replay, right after its reply
            ws.push(upsert(seq))
        await until(lambda: applied(posted) == [5, 6, 7, 8])
        ws.push(upsert(10))  # past the replay: a new hole, a new repair
        await until(lambda: hellos(ws) == [4, 5, 8])
        ws.push(hello(ws, "events", seq=10, nth=2))
        ws.push(upsert(9))
        ws.push(upsert(10))
        await until(lambda: applied(posted) == [5, 6, 7, 8, 9, 10])
        assert [frame["op"] for frame in ws.sent] == ["hello"] * 3  # no snapshot was needed
        links = [m.state for m in posted if isinstance(m, LinkChanged)]
        assert links == ["connecting", "connected"]  # the link never looked down
        assert conn.connected and conn.last_seq == 10


@pytest.mark.parametrize("replay, hub_seq", [("resync", 90), ("events", 5)])
async def test_a_repair_the_hub_cannot_make_refetches_the_inbox(replay: str, hub_seq: int) -> None:
    """Events too old to replay (a resync), or a hub that knows of nothing after what was applied
    while later events are held: a fresh inbox settles it."""
    async with running(since=4) as (conn, posted, ws):
        ws.push(hello(ws, "events", seq=5))
        ws.push(upsert(5))
        ws.push(upsert(9))
        await until(lambda: hellos(ws) == [4, 5])
        ws.push(hello(ws, replay, seq=hub_seq, nth=1))
        if replay == "resync":
            ws.push(Resync(seq=hub_seq, reason="too old"))
        await until(lambda: [frame["op"] for frame in ws.sent] == ["hello", "hello", "inbox"])
        ws.push(snapshot(ws, seq=hub_seq + 5, views=referrals()[:1]))
        ws.push(upsert(hub_seq + 6))
        await until(lambda: applied(posted) == [5, hub_seq + 6])
        assert [type(m) for m in posted][-2:] == [InboxLoaded, ReferralUpserted]
        assert conn.last_seq == hub_seq + 6
