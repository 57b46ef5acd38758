"""Short reads served on a thread of their own, away from the hub's event loop.

During a claim storm the hub's loop is busy with the writes almost all the time: a read on it
(an inbox, one referral, a thread, the check that refuses a claim at once) is twenty or so
turns of that loop, each waiting behind the writes' slices, and took hundreds of milliseconds
although SQLite answers it in one or two (bench/README.md, "The claim storm's bystander"). Here
it runs on a second event loop, on its own thread, with its own engine: on SQLite every driver
call runs inline on that thread (`sqlite_writer.InlineReaderConnection`, no trips between
threads), on PostgreSQL through asyncpg on that loop. The two threads share the interpreter's
lock, so a read still waits for the hub's Python in slices of a few milliseconds, but no longer
behind every callback queued on the hub's loop.

Only short reads belong here (`Database.quick_read`): one at a time of them holds the thread's
loop while SQLite works. What runs here must touch nothing of the hub's own loop (its locks,
futures, caches): it gets a session and returns plain values.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

T = TypeVar("T")


class ReadThread:
    """A thread running an event loop of its own for `run`'s reads; started at the first one."""

    def __init__(self, make_engine: Callable[[], AsyncEngine]) -> None:
        self._make_engine = make_engine
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._engine: AsyncEngine | None = None
        self._starting = threading.Lock()

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._starting:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=loop.run_forever, name="quick-reads", daemon=True)
                self._thread.start()
                self._loop = loop
            return self._loop

    async def run(self, read: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """`read(session)` in a read transaction on the read thread; its result."""
        loop = self._loop or self._start()
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._read(read), loop))

    async def _read(self, read: Callable[[AsyncSession], Awaitable[T]]) -> T:
        if self._sessions is None:
            self._engine = self._make_engine()
            self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)
        async with self._sessions() as session:
            async with session.begin():
                return await read(session)

    async def close(self) -> None:
        """Release the thread's connections and end it (it may start again on a later read)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._engine is not None:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._engine.dispose(), loop))
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join, 10)
        loop.close()
        self._loop = self._thread = self._engine = self._sessions = None
