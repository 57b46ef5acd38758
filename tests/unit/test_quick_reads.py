"""Quick reads (`Database.quick_read`, the short reads of requests) run on the caller's loop with
no trip to another thread, see the last commit, never wait for the writer's open transaction, and
hand their errors to the caller."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.storage.database import Database, sqlite_url
from shared.protocol import ErrorCode

_VERSION = text("SELECT version FROM directory_version WHERE id = 3")
_SET = text(
    "INSERT INTO directory_version (id, version) VALUES (3, :v) "
    "ON CONFLICT (id) DO UPDATE SET version = :v"
)


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(sqlite_url(tmp_path / "reads.sqlite3"))
    await database.migrate()
    yield database
    await database.close()


async def test_a_quick_read_runs_on_the_callers_thread_and_sees_the_last_commit(db: Database) -> None:
    """A change to a person (or anything) counts at the very next request."""

    async def read(session: AsyncSession) -> tuple[int, int]:
        return threading.get_ident(), await session.scalar(_VERSION)

    for version in (7, 8):
        async with db.write_session() as session:
            await session.execute(_SET, {"v": version})
        assert await db.quick_read(read) == (threading.get_ident(), version)


async def test_a_quick_read_does_not_wait_for_the_writers_open_transaction(db: Database) -> None:
    """While the writer holds a transaction open (a batch of claims half way through), a read
    is answered at once, from the last commit, and the write's rows appear once it commits."""
    async with db.write_session() as session:
        await session.execute(_SET, {"v": 1})

    async def read(session: AsyncSession) -> int:
        return await session.scalar(_VERSION)

    async with db.write_lock, db.write_session() as session:
        await session.execute(_SET, {"v": 2})  # written, not committed
        seen = await asyncio.wait_for(db.quick_read(read), timeout=10)
    assert seen == 1
    assert await db.quick_read(read) == 2


async def test_a_quick_reads_error_reaches_the_caller_and_reads_go_on(db: Database) -> None:
    async def refuses(session: AsyncSession) -> None:
        raise HubError(ErrorCode.NOT_FOUND, "no such thing")

    with pytest.raises(HubError) as refused:
        await db.quick_read(refuses)
    assert refused.value.code == ErrorCode.NOT_FOUND

    async def one(session: AsyncSession) -> int:
        return await session.scalar(text("SELECT 1"))

    assert await db.quick_read(one) == 1
