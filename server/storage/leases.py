"""Leases: work that exactly one hub does at a time (the claim clocks).

On SQLite one hub owns the file, so its lease is always held. On PostgreSQL a lease is a session
advisory lock held on a connection of its own: it lasts exactly as long as that connection, so a
hub that is killed (`kill -9`) or cut off loses it the moment the server sees the connection end,
and the next hub that asks gets it.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from server.storage.database import Database

log = logging.getLogger("triage.hub")

CLOCK_LEASE = 0x7472_6961_6763  # "triagc": the claim clocks


class Lease:
    def __init__(self, db: Database, key: int, name: str) -> None:
        self._db = db
        self._key = key
        self._name = name
        self._conn: Any = None  # asyncpg.Connection, on PostgreSQL
        self._held = db.sqlite

    async def held(self) -> bool:
        """Whether this hub holds the lease now; asks for it when it does not."""
        if self._db.sqlite:
            return True
        if self._held and self._conn is not None and not self._conn.is_closed():
            return True
        if self._held:
            log.warning("lost the %s lease (its connection ended)", self._name)
            self._held = False
        try:
            if self._conn is None or self._conn.is_closed():
                import asyncpg  # only hubs on PostgreSQL get here

                self._conn = await asyncpg.connect(self._db.asyncpg_dsn(), timeout=5)
            self._held = bool(await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key))
        except Exception as exc:
            log.warning("cannot ask for the %s lease: %s", self._name, type(exc).__name__)
            await self._drop()
            return False
        if self._held:
            log.info("this hub now runs the %s", self._name)
        return self._held

    async def release(self) -> None:
        await self._drop()
        self._held = self._db.sqlite

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self._held = False
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)
