"""Engines and sessions: one writer, many readers, SQLite tuned for safety, migrations at start.

SQLite: WAL mode, foreign keys on, `synchronous=FULL` on the writer so an acknowledged claim
survives a power cut, and every write transaction opened with BEGIN IMMEDIATE so two writers never
interleave a read and a write. The writer's statements run on the event loop and only its waits
(BEGIN, COMMIT) on the driver's thread (server/storage/sqlite_writer.py); the log's checkpoints
run on a thread of their own (server/storage/checkpointer.py). PostgreSQL goes through the
same models and the same conditional updates; only the pragmas are skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import Executable

from server.storage.checkpointer import WRITER_PAGES, Checkpointer
from server.storage.sqlite_writer import inline_reader, inline_writer

MIGRATIONS = Path(__file__).with_name("migrations")
T = TypeVar("T")
RETRYABLE = {"40P01", "40001"}  # deadlock detected, serialization failure


class WriteConflict(Exception):
    """A write transaction that another one's concurrent writes made fail; it changed nothing."""

BUSY_SECONDS = 30  # how long a connection waits for another's lock before giving up
# The writer's page cache (SQLite's default is 2 MB per connection). Its transactions touch
# index pages all over the offers and deliveries tables (one per agent and recipient); once
# those outgrow 2 MB every transaction reads them again from the file. Readers keep the default.
WRITER_CACHE_KB = 32 * 1024


def sqlite_url(path: Path | str) -> str:
    return f"sqlite+aiosqlite:///{path}"


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_engine(
    url: str, *, writer: bool, inline: bool = False, autocheckpoint: int | None = None
) -> AsyncEngine:
    """`writer`: the hub's one writer; `inline`: a reader whose calls all run on the thread of
    the loop that uses it (the hub's own, for `Database.quick_read`);
    otherwise a reader on aiosqlite's threads. `autocheckpoint`: the log's pages past which the
    connection checkpoints in its own commits (SQLite's default, 1000, if None)."""
    options: dict[str, Any] = {}
    path = make_url(url).database or ":memory:"
    if writer:
        # the writer's statements run on the event loop, its waits on the driver's thread
        options["async_creator"] = inline_writer(path, BUSY_SECONDS)
    elif inline:
        options["async_creator"] = inline_reader(path, BUSY_SECONDS)
    engine = create_async_engine(
        url,
        connect_args={"timeout": BUSY_SECONDS},
        hide_parameters=True,
        pool_size=1 if writer else 5,
        max_overflow=0 if writer else 10,
        **options,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        cursor.execute(f"PRAGMA synchronous={'FULL' if writer else 'NORMAL'}")
        if writer:
            cursor.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KB}")
        if autocheckpoint is not None:
            # (the adapter reads the row it returns, which would otherwise block COMMIT)
            cursor.execute(f"PRAGMA wal_autocheckpoint={autocheckpoint}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


class Database:
    """The hub's storage: `write()` for the single writer, `read()` for concurrent readers."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = _is_sqlite(url)
        path = make_url(url).database if self.sqlite else None
        # a file's log is checkpointed off the writer's path (server/storage/checkpointer.py)
        self.checkpointer = Checkpointer(path, BUSY_SECONDS) if path and path != ":memory:" else None
        if self.sqlite:
            self.write_engine = _sqlite_engine(
                url, writer=True, autocheckpoint=WRITER_PAGES if self.checkpointer else None
            )
            self.read_engine = _sqlite_engine(url, writer=False)
        else:
            self.write_engine = create_async_engine(url, pool_size=10, hide_parameters=True)
            self.read_engine = self.write_engine
        self._writers = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._readers = async_sessionmaker(self.read_engine, expire_on_commit=False)
        # SQLite: a reader whose calls run inline on the loop that uses it (`quick_read`)
        self._loop_engine = _sqlite_engine(url, writer=False, inline=True) if self.sqlite else None
        self._loop_readers = (
            async_sessionmaker(self._loop_engine, expire_on_commit=False) if self._loop_engine
            else self._readers
        )
        self.write_lock = asyncio.Lock()

    def asyncpg_dsn(self) -> str:
        """The database's address for a plain asyncpg connection (listening, leases)."""
        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._readers() as session:
            async with session.begin():
                yield session

    async def quick_read(self, read: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """`read(session)` in a read transaction on the calling loop, with no trip to another
        thread: for the short reads of requests (a person, an inbox page, a referral, a thread,
        the check that refuses a claim at once). On SQLite every driver call runs inline (a WAL
        reader takes no lock, so a read never waits for the writer's transaction); on
        PostgreSQL it is an asyncpg read on this loop.

        Such reads ran on a thread of their own until 2026-12-04. The two threads shared the
        interpreter's lock, and each of SQLite's steps lets the lock go: a read on the thread
        waited for the hub's loop to hand it back after nearly every row, in slices of up to the
        switch interval. During a claim storm a bystander's inbox took p50 20 ms there, where
        SQLite needs 1-2 ms (bench/README.md, "2026-12-04")."""
        async with self._loop_readers() as session:
            async with session.begin():
                return await read(session)

    async def loop_scalar(self, statement: Executable) -> Any:
        """One value read on the calling loop, as `quick_read` reads, without a session: for a
        value asked for by every request (the directory's version), where the session's own
        bookkeeping cost more than the read."""
        engine = self._loop_engine or self.read_engine
        async with engine.connect() as conn:
            return await conn.scalar(statement)

    @asynccontextmanager
    async def write_session(self) -> AsyncIterator[AsyncSession]:
        """A write transaction; callers hold `write_lock` so commits and pushes keep one order.

        On PostgreSQL a transaction that lost a deadlock or a serialization check to another
        hub's raises `WriteConflict`: nothing of it was stored, and it may simply run again."""
        try:
            async with self._writers() as session:
                async with session.begin():
                    yield session
            if self.checkpointer is not None:
                self.checkpointer.committed()
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) in RETRYABLE:
                raise WriteConflict(str(getattr(exc.orig, "sqlstate", ""))) from exc
            raise

    @asynccontextmanager
    async def maintenance_write(self) -> AsyncIterator[AsyncSession]:
        """A write transaction whose statements run on the driver's thread, not the event loop:
        for long housekeeping (deleting a week's old deliveries) that must not stall the hub's
        clients. Callers hold `write_lock`. On SQLite it borrows a reader's connection, which
        takes the database's write lock at its first write."""
        async with self.read() as session:
            yield session

    async def migrate(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision."""
        async with self.write_engine.connect() as conn:
            await conn.run_sync(_upgrade)
            await conn.commit()

    async def close(self) -> None:
        if self.checkpointer is not None:
            await asyncio.to_thread(self.checkpointer.close)
        if self._loop_engine is not None:
            await self._loop_engine.dispose()
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


MIGRATION_LOCK = 0x7472_6961_6765  # "triage": hubs starting together migrate one at a time


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # held until this transaction commits: a second hub waits, then finds the schema at head
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    command.upgrade(alembic_config(connection), "head")
