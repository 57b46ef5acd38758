"""The SQLite writer's connection: statements run on the event loop, waits on the driver's thread;
and the quick readers' connections, whose calls all run on the loop that uses them.

aiosqlite runs every driver call (make a cursor, execute, fetch, close it) on its own thread and
hands the result back to the event loop: three or four hops per statement. A claim storm's write
transactions run about forty statements each, and the hops, not SQLite, were a third of the
writer's time (bench/README.md). On the writer's connection, statements work on pages SQLite
already holds under the transaction's lock, so they run directly on the event loop, however many
rows they write, while the calls that can wait on the disk or on another process stay on the
driver's thread: COMMIT (which syncs the log to disk), closing the connection and the PRAGMAs set
on connecting (switching to WAL takes a lock).

Until 2026-12-04 a statement of 64 parameters or rows or more (an offer's 200 deliveries, its 200
offers) ran on the driver's thread, for SQLite to work there without the interpreter lock while
the loop served others. But the lock is let go and taken again around every one of SQLite's steps
(each row of an executemany, each row fetched), and while the loop runs Python the thread waits
for it each time: 200 rows that SQLite writes in 0.5 ms took 2.3 ms there in a claim storm, and
800 ms beside a thread that never lets the lock go. On the loop they take what SQLite takes.
BEGIN waits only when another process holds the write lock (the hub's own writes never overlap):
it is tried on the loop with a busy timeout of zero, and only if the lock is taken does it go to
the driver's thread to wait the full timeout there. Run on the thread, it took 0.5 ms of SQLite
and 7 ms of trips in a claim storm (bench/README.md).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import aiosqlite

YIELD_AFTER = 0.001  # seconds of the loop the writer takes before it lets others have a turn
_WAITING_CALLS = {"commit", "close"}  # of the connection; a cursor's close is quick


def _is_begin(args: tuple[Any, ...]) -> bool:
    return bool(args) and isinstance(args[0], str) and args[0].lstrip()[:5].upper() == "BEGIN"


def _lock_taken(error: sqlite3.OperationalError) -> bool:
    """The error SQLite gives a BEGIN IMMEDIATE that found the write lock held elsewhere."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _may_wait(fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    """True for the calls that run on the driver's thread (see the module's doc)."""
    if isinstance(getattr(fn, "__self__", None), sqlite3.Connection):
        return getattr(fn, "__name__", "") in _WAITING_CALLS
    sql = args[0] if args and isinstance(args[0], str) else ""
    return sql.lstrip()[:6].upper() == "PRAGMA"


class InlineWriterConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs its non-waiting calls on the calling (event loop) thread.

    Only for a connection used by one task at a time, as the hub's writer is (its write lock)."""

    _turned = 0.0  # time.perf_counter() when this connection last let the loop turn

    def __init__(self, connector: Callable[[], sqlite3.Connection], busy_ms: int) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self.busy_ms = busy_ms  # the busy timeout it is opened with, set back after each BEGIN

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if _is_begin(args) and self._running and self._connection is not None:
            begun = self._begin_at_once(fn, args, kwargs)
            if begun is not _LOCK_TAKEN:
                return begun
            return await super()._execute(fn, *args, **kwargs)  # waits for the lock there
        if _may_wait(fn, args):
            return await super()._execute(fn, *args, **kwargs)
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        result = fn(*args, **kwargs)
        # let the loop turn between statements once the writer has held it for a few
        # milliseconds: a transaction of forty statements would hold it for tens, and every read
        # waiting for its next trip to its own connection would wait that long
        now = time.perf_counter()
        if now - self._turned > YIELD_AFTER:
            await asyncio.sleep(0)
            self._turned = time.perf_counter()
        return result

    def _begin_at_once(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: Any) -> Any:
        """BEGIN on the loop without waiting: its result, or `_LOCK_TAKEN` if another process
        holds the write lock (nothing began)."""
        raw = self._connection
        assert raw is not None
        raw.execute("PRAGMA busy_timeout=0").fetchall()  # (a PRAGMA's open row blocks COMMIT)
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as error:
            if not _lock_taken(error):
                raise
            return _LOCK_TAKEN
        finally:
            raw.execute(f"PRAGMA busy_timeout={self.busy_ms}").fetchall()


_LOCK_TAKEN = object()


def inline_writer(path: str, timeout: float) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """An `async_creator` for SQLAlchemy's aiosqlite dialect that opens `path` this way."""

    async def connect() -> aiosqlite.Connection:
        connector = partial(sqlite3.connect, path, timeout=timeout, check_same_thread=False)
        return await InlineWriterConnection(connector, busy_ms=int(timeout * 1000))

    return connect


class InlineReaderConnection(aiosqlite.Connection):
    """An aiosqlite connection whose every call runs on the calling thread: for the hub's quick
    reads (`Database.quick_read`), short reads of a WAL reader, which takes no lock and never
    waits for the writer, so each statement makes no trips between threads."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def inline_reader(path: str, timeout: float) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """An `async_creator` for the quick readers' engine: `path` opened with every call inline."""

    async def connect() -> aiosqlite.Connection:
        connector = partial(sqlite3.connect, path, timeout=timeout, check_same_thread=False)
        return await InlineReaderConnection(connector, iter_chunk_size=64)

    return connect
