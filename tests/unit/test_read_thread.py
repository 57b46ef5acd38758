"""Quick reads run on the read thread, with their own connections, not on the hub's event loop:
a read that holds its thread does not hold the hub's loop, its result and its errors come back
to the caller, and closing the database ends the thread (a later read starts it again)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.storage.database import Database, sqlite_url
from shared.protocol import ErrorCode


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(sqlite_url(tmp_path / "reads.sqlite3"))
    await database.migrate()
    yield database
    await database.close()


async def test_a_quick_read_runs_on_its_own_thread_and_returns_its_rows(db: Database) -> None:
    async with db.write_session() as session:
        await session.execute(text("INSERT INTO directory_version (id, version) VALUES (2, 41)"))

    async def read(session: AsyncSession) -> tuple[int, int]:
        version = await session.scalar(text("SELECT version FROM directory_version WHERE id = 2"))
        return threading.get_ident(), version

    ran_on, version = await db.quick_read(read)
    assert version == 41
    assert ran_on != threading.get_ident()


async def test_a_read_holding_its_thread_does_not_hold_the_hubs_loop(db: Database) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async def slow(session: AsyncSession) -> int:
        await session.execute(text("SELECT 1"))
        time.sleep(0.3)  # the read's thread is busy (as with a statement SQLite works on)
        return 1

    ticker = asyncio.create_task(tick())
    try:
        assert await db.quick_read(slow) == 1
    finally:
        ticker.cancel()
    assert ticks >= 10, f"the loop turned only {ticks} times during a 0.3 s read"


async def test_a_reads_error_reaches_the_caller_and_the_thread_goes_on(db: Database) -> None:
    async def refuses(session: AsyncSession) -> None:
        raise HubError(ErrorCode.NOT_FOUND, "no such thing")

    with pytest.raises(HubError) as refused:
        await db.quick_read(refuses)
    assert refused.value.code == ErrorCode.NOT_FOUND

    async def one(session: AsyncSession) -> int:
        return await session.scalar(text("SELECT 1"))

    assert await db.quick_read(one) == 1
    await db.read_thread.close()
    assert await db.quick_read(one) == 1  # started again


async def test_a_loop_read_runs_on_the_callers_thread_and_sees_the_last_commit(db: Database) -> None:
    """`loop_read` (the person of each request) makes no trip to another thread, and reads what
    was committed just before it: a change to a person counts at their next request."""

    async def read(session: AsyncSession) -> tuple[int, int]:
        version = await session.scalar(text("SELECT version FROM directory_version WHERE id = 3"))
        return threading.get_ident(), version

    for version in (7, 8):
        async with db.write_session() as session:
            await session.execute(text(
                "INSERT INTO directory_version (id, version) VALUES (3, :v) "
                "ON CONFLICT (id) DO UPDATE SET version = :v"), {"v": version})
        assert await db.loop_read(read) == (threading.get_ident(), version)
