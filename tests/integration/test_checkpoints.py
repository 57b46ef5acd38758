"""The SQLite log is checkpointed on a thread of its own, not in the writer's commits: the writer
checkpoints itself only past a far higher mark, the checkpointer copies what was committed into
the database file, and the log stays small however much is written (server/storage/checkpointer.py)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from sqlalchemy import text

from server.storage.checkpointer import WRITER_PAGES
from server.storage.database import Database, sqlite_url

PAGE = 4096
ROW = b"x" * (100 * PAGE)  # a commit of about a hundred pages of log


async def _checkpoint_after(db: Database, runs: int) -> None:
    """Until the checkpointer has run more than `runs` times (it runs after each commit)."""
    checkpointer = db.checkpointer
    assert checkpointer is not None

    def wait() -> None:
        with checkpointer.ran:
            assert checkpointer.ran.wait_for(lambda: checkpointer.runs > runs, timeout=30)

    await asyncio.to_thread(wait)


async def test_the_writer_leaves_checkpoints_to_the_checkpointer_and_the_log_stays_small(tmp_path: Path):
    path = tmp_path / "hub.sqlite3"
    db = Database(sqlite_url(path))
    try:
        async with db.write_session() as session:
            await session.execute(text("CREATE TABLE blobs (b BLOB)"))
            assert await session.scalar(text("PRAGMA wal_autocheckpoint")) == WRITER_PAGES
        largest = 0
        for _ in range(60):  # 6,000 pages (24 MB) in all: the writer alone would keep them in the log
            assert db.checkpointer is not None
            runs = db.checkpointer.runs
            async with db.write_session() as session:
                await session.execute(text("INSERT INTO blobs VALUES (:b)"), {"b": ROW})
            await _checkpoint_after(db, runs)
            largest = max(largest, os.path.getsize(f"{path}-wal"))
        assert db.checkpointer.last is not None
        busy, frames, copied = db.checkpointer.last
        assert busy == 0 and frames == copied > 0  # all of the log is in the database file
        assert largest < 5 * len(ROW), largest  # the log started over, never 24 MB
    finally:
        await db.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM blobs").fetchone() == (60,)
    finally:
        conn.close()


async def test_closing_the_database_stops_the_checkpointer(tmp_path: Path):
    db = Database(sqlite_url(tmp_path / "hub.sqlite3"))
    async with db.write_session() as session:
        await session.execute(text("CREATE TABLE t (x)"))
    checkpointer = db.checkpointer
    assert checkpointer is not None and checkpointer._thread is not None
    await db.close()
    assert not checkpointer._thread.is_alive()
    assert checkpointer.runs >= 1


def test_a_database_on_postgresql_has_no_checkpointer():
    assert Database("postgresql+asyncpg://postgres@127.0.0.1:5432/test").checkpointer is None
