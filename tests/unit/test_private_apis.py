"""The other libraries' private APIs the hub relies on, each fenced in one module
(server/storage/sqlite_writer.py: aiosqlite's `Connection._execute`, for the writer and the quick
readers' connections;
server/transport/socket_writes.py: websockets' connection internals). These tests fail when an
upgrade changes what those modules assume, before the hub misbehaves."""

from __future__ import annotations

import asyncio
import inspect
import json
import sqlite3
import threading
from pathlib import Path

import aiosqlite
import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from server.storage import sqlite_writer
from server.storage.sqlite_writer import (
    InlineReaderConnection,
    InlineWriterConnection,
    _may_wait,
    inline_reader,
    inline_writer,
)
from server.transport.socket_writes import may_write_now, write_now


def test_aiosqlite_still_routes_every_call_through_execute() -> None:
    params = list(inspect.signature(aiosqlite.Connection._execute).parameters)
    assert params[:2] == ["self", "fn"], params
    assert InlineWriterConnection._execute is not aiosqlite.Connection._execute


async def test_the_inline_writer_runs_statements_on_the_event_loop_and_waits_on_the_driver_thread(
    tmp_path: Path,
) -> None:
    ran_on: set[int] = set()
    conn = await inline_writer(str(tmp_path / "w.sqlite3"), timeout=5)()
    try:
        await conn.create_function("where_am_i", 0, lambda: ran_on.add(threading.get_ident()) or 1)
        await conn.execute("CREATE TABLE t (x)")
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute("INSERT INTO t VALUES (where_am_i())")
        await conn.commit()
        rows = await (await conn.execute("SELECT x FROM t")).fetchall()
    finally:
        await conn.close()
    assert rows == [(1,)]
    assert ran_on == {threading.get_ident()}  # the INSERT ran on the event loop's thread
    # BEGIN, PRAGMA and COMMIT may wait on the disk or another process: the driver's thread
    assert _may_wait(lambda: None, ("PRAGMA x",))
    assert not _may_wait(lambda: None, ("INSERT INTO t VALUES (1)",))
    raw = sqlite3.connect(":memory:")
    try:
        assert _may_wait(raw.commit, ()) and not _may_wait(raw.cursor, ())
    finally:
        raw.close()


async def test_the_writers_begin_runs_on_the_loop_and_waits_on_the_drivers_thread_only_for_a_held_lock(
    tmp_path: Path,
) -> None:
    """BEGIN IMMEDIATE is tried on the loop without waiting; when another process holds the write
    lock it waits for it on the driver's thread, the loop serving others meanwhile, and begins
    once the lock is let go. Either way the connection keeps its busy timeout."""
    path = str(tmp_path / "b.sqlite3")
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL").fetchall()
    setup.execute("CREATE TABLE t (x)")
    setup.commit()
    began_on: list[int] = []
    conn = await inline_writer(path, timeout=30)()
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        await conn.create_function("where_am_i", 0, lambda: began_on.append(threading.get_ident()) or 1)
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute("INSERT INTO t VALUES (where_am_i())")
        await conn.commit()
        assert began_on == [threading.get_ident()]
        other.execute("BEGIN IMMEDIATE")  # another process's write holds the lock
        begin = asyncio.create_task(conn.execute("BEGIN IMMEDIATE"))
        turns = 0
        while turns < 20:  # the loop goes on while the BEGIN waits
            await asyncio.sleep(0)
            turns += 1
        assert not begin.done()
        other.execute("INSERT INTO t VALUES (2)")
        other.execute("COMMIT")
        await asyncio.wait_for(begin, timeout=20)
        await conn.execute("INSERT INTO t VALUES (3)")
        await conn.commit()
        timeout = await (await conn.execute("PRAGMA busy_timeout")).fetchall()
        rows = await (await conn.execute("SELECT x FROM t ORDER BY x")).fetchall()
    finally:
        other.close()
        await conn.close()
        setup.close()
    assert rows == [(1,), (2,), (3,)]
    assert timeout == [(30_000,)]


async def test_the_inline_reader_runs_every_call_on_the_callers_thread(tmp_path: Path) -> None:
    """The quick readers' connections make no trips to aiosqlite's thread: every call, BEGIN and
    COMMIT included, runs on the thread that awaits it (the hub's loop)."""
    ran_on: set[int] = set()
    conn = await inline_reader(str(tmp_path / "r.sqlite3"), timeout=5)()
    try:
        await conn.create_function("where_am_i", 0, lambda: ran_on.add(threading.get_ident()) or 1)
        await conn.execute("BEGIN")
        rows = await (await conn.execute("SELECT where_am_i()")).fetchall()
        await conn.commit()
    finally:
        await conn.close()
    assert rows == [(1,)]
    assert ran_on == {threading.get_ident()}
    assert InlineReaderConnection._execute is not aiosqlite.Connection._execute


async def test_the_writers_many_row_statements_run_on_the_loop_too(tmp_path: Path) -> None:
    """A statement of many parameters or rows (a claim storm's 200 deliveries, 200 offers
    inserted from a list of agents, an UPDATE of 200 people by a list of their ids) runs on the
    loop like any other: on the driver's thread each of its rows waited for the interpreter lock
    (server/storage/sqlite_writer.py). Only the COMMIT goes to the driver's thread."""
    ran_on: list[int] = []
    conn = await inline_writer(str(tmp_path / "h.sqlite3"), timeout=5)()
    try:
        await conn.create_function("where_am_i", 1, lambda x: ran_on.append(threading.get_ident()) or x)
        await conn.execute("CREATE TABLE t (x)")
        await conn.execute("BEGIN IMMEDIATE")
        await conn.executemany("INSERT INTO t VALUES (where_am_i(?))", [(i,) for i in range(200)])
        listed = json.dumps(list(range(200)))  # ids as one JSON array (server/storage/id_lists.py)
        await conn.execute("INSERT INTO t SELECT where_am_i(value) FROM json_each(?)", (listed,))
        await conn.execute(
            "UPDATE t SET x = where_am_i(x) WHERE x IN (SELECT value FROM json_each(?))", (listed,)
        )
        await conn.commit()
        rows = await (await conn.execute("SELECT count(*) FROM t")).fetchall()
    finally:
        await conn.close()
    assert rows == [(400,)]
    assert len(ran_on) == 200 + 200 + 400  # the UPDATE met every row of both inserts
    assert set(ran_on) == {threading.get_ident()}


async def test_a_long_write_lets_the_loop_turn_between_its_statements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read waiting for its next trip to its own connection is not held up for a whole write
    transaction: once the writer has had the loop for `YIELD_AFTER`, it lets others run."""
    monkeypatch.setattr(sqlite_writer, "YIELD_AFTER", 0.0, raising=False)  # every statement yields
    conn = await inline_writer(str(tmp_path / "w.sqlite3"), timeout=5)()
    turns = 0
    writing = True

    async def other_task() -> None:
        nonlocal turns
        while writing:
            turns += 1
            await asyncio.sleep(0)

    try:
        await conn.execute("CREATE TABLE t (x)")
        await conn.execute("BEGIN IMMEDIATE")
        other = asyncio.create_task(other_task())
        await asyncio.sleep(0)
        started = turns
        for i in range(50):
            await conn.execute("INSERT INTO t VALUES (?)", (i,))
        during = turns - started  # counted before the COMMIT's own wait on the driver's thread
        writing = False
        await conn.commit()
        await other
    finally:
        await conn.close()
    assert during >= 50  # the other task ran between the statements, not only at BEGIN/COMMIT


async def test_websockets_connection_internals_write_a_frame_without_waiting() -> None:
    received: asyncio.Queue[str] = asyncio.Queue()
    checked: list[bool] = []

    async def handler(ws: ServerConnection) -> None:
        for name in ("protocol", "send_in_progress", "transport", "send_data"):
            assert hasattr(ws, name), name
        checked.append(may_write_now(ws))
        write_now(ws, '{"type":"event"}')
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}") as client:
            await received.put(await asyncio.wait_for(client.recv(), timeout=10))
    assert checked == [True]
    assert received.get_nowait() == '{"type":"event"}'


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
async def test_a_frame_written_straight_to_the_transport_reads_as_websockets_own(size: int) -> None:
    """Without extensions (the hub's default) `write_now` frames the text itself: a client
    reads each length's frame as the text sent, and a frame sent through websockets after it
    still arrives in order."""
    text = "x" * size
    used: list[bool] = []

    async def handler(ws: ServerConnection) -> None:
        used.append(not ws.protocol.extensions and not ws.protocol.writes)
        write_now(ws, text)
        await ws.send("after")
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}", compression=None, max_size=None) as client:
            first = await asyncio.wait_for(client.recv(), timeout=10)
            second = await asyncio.wait_for(client.recv(), timeout=10)
    assert used == [True]
    assert first == text and second == "after"


@pytest.mark.parametrize("compression", [None, "deflate"])
async def test_several_frames_written_in_one_write_read_as_separate_messages(compression) -> None:
    """A commit's events for one person go out in one write (`write_now(ws, *frames)`): the
    client reads each as a message of its own, in order, with compression (through websockets'
    own framing) and without it (framed here)."""
    frames = ['{"seq":1}', "y" * 70_000, '{"seq":3}']

    async def handler(ws: ServerConnection) -> None:
        write_now(ws, *frames)
        await ws.send("after")
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, compression=compression) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(
            f"ws://127.0.0.1:{port}", compression=compression, max_size=None
        ) as client:
            got = [await asyncio.wait_for(client.recv(), timeout=10) for _ in range(4)]
    assert got == [*frames, "after"]
