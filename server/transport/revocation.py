"""Revoked tokens end open connections.

`triage agent revoke` writes `revoked_at` from another process; the handshake refuses the token
from then on, but a connection opened before keeps running. The hub remembers which token each
connection authenticated with and, every `interval` seconds, closes (code 1008, "token revoked")
the connections whose token is no longer live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.database import Database
from server.storage.models import Token
from server.transport.connections import Client
from server.transport.limits import POLICY_VIOLATION

log = logging.getLogger("triage.hub")

REVOKED_REASON = "token revoked"


async def dead_tokens(session: AsyncSession, token_ids: set[int]) -> set[int]:
    """Those of `token_ids` that are revoked or no longer exist."""
    if not token_ids:
        return set()
    rows = await session.execute(
        select(Token.id).where(Token.id.in_(token_ids), Token.revoked_at.is_(None))
    )
    return token_ids - {token_id for (token_id,) in rows}


class RevocationWatch:
    """A periodic task closing the connections of revoked tokens."""

    def __init__(self, db: Database, clients: Callable[[], Iterable[Client]], interval: float) -> None:
        self.db = db
        self.clients = clients
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="revocation-watch")

    async def stop(self) -> None:
        """Cancel the task; the loop also checks a flag, in case a database call eats the cancel."""
        self._stopping = True
        if self._task is None:
            return
        while not self._task.done():
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=0.5)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        self._task = None

    async def sweep(self) -> int:
        """Close every open connection whose token is dead; return how many were closed."""
        clients = [c for c in self.clients() if c.token_id is not None]
        async with self.db.read() as session:
            dead = await dead_tokens(session, {c.token_id for c in clients if c.token_id is not None})
        closing = [c for c in clients if c.token_id in dead]
        for client in closing:
            log.info("closing %s's connection: token revoked", client.person_id)
        await asyncio.gather(
            *(c.ws.close(POLICY_VIOLATION, REVOKED_REASON) for c in closing), return_exceptions=True
        )
        return len(closing)

    async def _run(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.interval)
            try:
                await self.sweep()
            except Exception as exc:  # noqa: BLE001 - one failed check must not end the watch
                log.error("revocation check failed: %s", type(exc).__name__)
