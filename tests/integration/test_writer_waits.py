"""The writer's statements run on the hub's event loop, but its waits and its long housekeeping do
not: while another process holds the SQLite write lock, a write waits for it on the driver's
thread and every other client is still answered (once the lock is released the write lands);
while the hub deletes a large backlog of old events, clients are answered too."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from server.hub import Hub
from tests.wire import Wire, connect, wait_until


class OtherProcessLock:
    """The database's write lock, held by a connection of its own (as `triage` run from a
    shell, or a backup tool, would hold it) until released."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._held = threading.Event()
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        self._held.set()
        self._release.wait(30)
        conn.execute("ROLLBACK")
        conn.close()

    def __enter__(self) -> OtherProcessLock:
        self._thread.start()
        assert self._held.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._thread.join(5)


@pytest.mark.sqlite_only  # SQLite's file lock, held from another process
async def test_a_write_waiting_for_the_lock_holds_up_no_other_client(
    hub: Hub, wires: list[Wire], tmp_path: Path
) -> None:
    _, paula_token = await hub.add_person(name="Paula Reyes", zips=["78701"])
    _, omar_token = await hub.add_person(name="Omar Said", zips=["78701"])
    paula = await connect(hub, paula_token, wires)
    omar = await connect(hub, omar_token, wires)
    with OtherProcessLock(tmp_path / "hub.sqlite3"):
        pausing = asyncio.create_task(paula.ok("availability.set", paused=True))
        # the write has begun: it holds the hub's writer, on its way to SQLite's lock, which the
        # other process keeps until this block ends (the write cannot finish before that)
        await wait_until(hub.db.write_lock.locked, what="the write to take the hub's writer")
        assert not pausing.done()
        started = time.monotonic()
        seen = await omar.ok("availability.get")
        answered_in = time.monotonic() - started
        assert seen["paused"] is False
        # a read held up behind the write would wait for the end of this block or for SQLite's
        # 30 s busy timeout; a bound far under that, and far over a read on a busy machine
        assert answered_in < 5.0, f"a read waited {answered_in:.2f} s behind a write's lock wait"
        assert not pausing.done()
    await asyncio.wait_for(pausing, 10)
    assert (await paula.ok("availability.get"))["paused"] is True


@pytest.mark.sqlite_only  # SQLite's single writer and its maintenance connection
async def test_pruning_a_large_backlog_holds_up_no_client(
    make_hub, wires: list[Wire], tmp_path: Path
) -> None:
    hub: Hub = await make_hub(retention_days=1 / 24)  # an hour
    paula, paula_token = await hub.add_person(name="Paula Reyes", zips=["78701"])
    wire = await connect(hub, paula_token, wires)
    # a long-gone backlog: 400,000 deliveries of one old event, written behind the hub's back
    old = "2020-01-01 00:00:00.000000"
    with sqlite3.connect(tmp_path / "hub.sqlite3", timeout=30) as db:
        event_id = db.execute(
            "INSERT INTO events (referral_id, name, at, body) VALUES ('R-OLD', 'referral.upsert', ?, '{}')",
            (old,),
        ).lastrowid
        db.executemany(
            "INSERT INTO deliveries (person_id, seq, event_id, at) VALUES (?, ?, ?, ?)",
            ((paula.id, -n, event_id, old) for n in range(1, 400_001)),
        )
    started = time.monotonic()
    pruning = asyncio.create_task(hub.prune())
    await wait_until(hub.db.write_lock.locked, what="the prune to start")  # it is deleting
    answered = await wire.ok("availability.get")
    answered_in = time.monotonic() - started
    assert answered["paused"] is False
    assert not pruning.done(), "the prune ended before the read: make the backlog larger"
    await asyncio.wait_for(pruning, 60)
    pruned_in = time.monotonic() - started
    assert answered_in < pruned_in / 2, f"a read took {answered_in:.2f} s of a {pruned_in:.2f} s prune"
    with sqlite3.connect(tmp_path / "hub.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM deliveries WHERE at = ?", (old,)).fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM events WHERE at = ?", (old,)).fetchone() == (0,)


async def test_a_claim_that_cannot_win_is_refused_without_waiting_for_the_writer(
    hub: Hub, wires: list[Wire]
) -> None:
    desk, desk_token = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_token = await hub.add_person(name="Ann Able", zips=["78701"], rank_score=90)
    bo, bo_token = await hub.add_person(name="Bo Baker", zips=["78701"], rank_score=50)
    desk_wire = await connect(hub, desk_token, wires)
    ann_wire, bo_wire = await connect(hub, ann_token, wires), await connect(hub, bo_token, wires)
    ref = (await desk_wire.ok("submit", referral=dict(
        kind="appointment", first_name="Carl", zip="78701", lead_type="home valuation")))["referral"]["id"]
    async with hub.db.write_lock:  # a long write holds the writer (a storm's, say)
        winning = asyncio.create_task(ann_wire.request("claim", id=ref))  # may win: it must wait
        refused = await bo_wire.request("claim", id=ref)  # offered to Ann, not to Bo: told at once
        assert refused["type"] == "error" and refused["code"] == "not_found"  # (as a stranger)
        unknown = await bo_wire.request("claim", id="R-NOSUCH00")
        assert unknown["type"] == "error" and unknown["code"] == "not_found"
        assert not winning.done()  # Ann's claim needs the writer, still held
    won = await winning
    assert won["type"] == "reply" and won["result"]["referral"]["status"] == "awarded"


async def test_reads_are_answered_while_a_write_holds_the_writer(hub: Hub, wires: list[Wire]) -> None:
    sam, sam_token = await hub.add_person(name="Sam Sender", zips=["78701"])
    rita, rita_token = await hub.add_person(name="Rita Receiver", zips=["78704"])
    sam_wire, rita_wire = await connect(hub, sam_token, wires), await connect(hub, rita_token, wires)
    ref = (await sam_wire.ok("submit", referral=dict(
        kind="agent", first_name="Ann", zip="78704", mode="private", receivers=[rita.id])))["referral"]["id"]
    await sam_wire.ok("thread.get", id=ref)  # nothing unread now
    async with hub.db.write_lock:  # a long write holds the writer
        assert (await sam_wire.ok("thread.get", id=ref))["messages"] == []
        assert (await sam_wire.ok("referral.get", id=ref))["referral"]["id"] == ref
        assert (await rita_wire.ok("inbox"))["total"] == 1
