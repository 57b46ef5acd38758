"""The connection's sync rules, without a socket: snapshot + buffered events, dedup, resync."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from shared.protocol import ErrorCode, Event, HelloResult, HubError, InboxResult, Reply, Resync
from tests.tui.sample import ME, NOW, referrals
from tui.connection import HubConnection, backoff_delay
from tui.messages import HelloReceived, InboxLoaded, LinkChanged, ReferralRemoved, ReferralUpserted


class FakeSocket:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, text: str) -> None:
        self.sent.append(msgspec.json.decode(text))


def make() -> tuple[HubConnection, list, FakeSocket]:
    posted: list = []
    conn = HubConnection("ws://hub.test", "t", posted.append, clock=lambda: NOW)
    ws = FakeSocket()
    conn._ws = ws  # type: ignore[assignment]
    return conn, posted, ws


def upsert(seq: int, index: int = 0) -> Event:
    return Event(seq=seq, name="referral.upsert", at=NOW, data=msgspec.to_builtins(referrals()[index]))


def hello(replay: str = "none", seq: int = 5) -> Reply:
    result = HelloResult(protocol=1, server_time=NOW, person=ME, seq=seq, replay=replay)
    return Reply(id="c1", result=msgspec.to_builtins(result))


async def test_first_connect_buffers_events_until_the_snapshot_lands() -> None:
    conn, posted, ws = make()
    conn._buffer, conn._hello_id = [], "c1"
    await conn._dispatch(hello())
    assert ws.sent[-1]["op"] == "inbox"
    snapshot_id = ws.sent[-1]["id"]
    for seq in (5, 6, 7):  # arrive while the inbox request is in flight
        await conn._dispatch(upsert(seq, seq % 3))
    assert not any(isinstance(m, ReferralUpserted) for m in posted)
    inbox = InboxResult(seq=6, server_time=NOW, total=0, referrals=[])
    await conn._dispatch(Reply(id=snapshot_id, result=msgspec.to_builtins(inbox)))
    kinds = [type(m) for m in posted]
    assert kinds == [HelloReceived, LinkChanged, InboxLoaded, ReferralUpserted]
    assert posted[-1].seq == 7 and conn.last_seq == 7
    assert conn.connected


async def test_replayed_and_duplicate_events_apply_once_in_order() -> None:
    conn, posted, ws = make()
    conn.last_seq, conn._hello_id = 4, "c1"
    await conn._dispatch(hello("events"))
    assert not ws.sent  # no snapshot needed: the missed events follow
    for seq in (5, 6, 6, 3, 7):
        await conn._dispatch(upsert(seq))
    removed = Event(seq=8, name="referral.removed", at=NOW, data={"id": "RAPPT01", "reason": "claimed",
                    "winner": {"id": "P-X", "name": "Lee Park"}, "at": "2025-03-14T15:04:05Z"})
    await conn._dispatch(removed)
    seqs = [m.seq for m in posted if isinstance(m, (ReferralUpserted, ReferralRemoved))]
    assert seqs == [5, 6, 7, 8]
    assert posted[-1].removed.winner.name == "Lee Park"


async def test_resync_refetches_the_inbox_once() -> None:
    conn, posted, ws = make()
    conn.last_seq, conn._hello_id = 40, "c1"
    await conn._dispatch(hello("resync", seq=90))
    await conn._dispatch(Resync(seq=90, reason="too old"))
    assert [m["op"] for m in ws.sent] == ["inbox"]
    await conn._dispatch(upsert(91))
    inbox = InboxResult(seq=90, server_time=NOW, total=1, referrals=referrals()[:1])
    await conn._dispatch(Reply(id=ws.sent[0]["id"], result=msgspec.to_builtins(inbox)))
    assert [type(m) for m in posted][-2:] == [InboxLoaded, ReferralUpserted]
    assert conn.last_seq == 91


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
