"""Connected clients: each has a bounded send queue drained by its own task, so a slow client
never slows the others. A client that falls too far behind is told to resync."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from server.outbox import Push
from shared.protocol import Resync, encoder


class Client:
    def __init__(
        self, ws: ServerConnection, person_id: str, name: str, queue_limit: int,
        token_id: int | None = None,
    ) -> None:
        self.ws = ws
        self.person_id = person_id
        self.token_id = token_id  # the token it authenticated with, to close it on revocation
        self.name = name
        self.live = False  # receives pushed events once hello has replayed what it missed
        self.last_seq = 0
        self._queue: asyncio.Queue[str] = asyncio.Queue(queue_limit)
        self._sender = asyncio.create_task(self._drain(), name=f"send-{person_id}")

    def send(self, frame: str) -> None:
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._overflow()

    def push(self, push: Push) -> None:
        if self.live and push.seq > self.last_seq:
            self.last_seq = push.seq
            self.send(push.frame)

    def _overflow(self) -> None:
        """Too far behind: drop the backlog and tell the client to fetch a fresh inbox."""
        while not self._queue.empty():
            self._queue.get_nowait()
        resync = Resync(seq=self.last_seq, reason="too far behind: fetch the inbox again")
        self._queue.put_nowait(encoder.encode(resync).decode())

    async def _drain(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                frame = await self._queue.get()
                await self.ws.send(frame, text=True)

    async def close(self) -> None:
        self._sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._sender

    async def flushed(self) -> None:
        """Wait until every queued frame has been handed to the socket."""
        while not self._queue.empty() and not self._sender.done():
            await asyncio.sleep(0.01)


class Registry:
    """Who is connected, by person."""

    def __init__(self) -> None:
        self._by_person: dict[str, set[Client]] = {}

    def add(self, client: Client) -> None:
        self._by_person.setdefault(client.person_id, set()).add(client)

    def remove(self, client: Client) -> None:
        clients = self._by_person.get(client.person_id)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self._by_person[client.person_id]

    def of(self, person_id: str) -> set[Client]:
        return self._by_person.get(person_id, set())

    def push(self, pushes: Iterable[Push]) -> None:
        for push in pushes:
            for client in self._by_person.get(push.person_id, ()):
                client.push(push)

    def __len__(self) -> int:
        return sum(len(c) for c in self._by_person.values())
