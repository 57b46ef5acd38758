"""Connected clients. A frame for a client that keeps up is written to its socket at once, the way
`websockets.broadcast` does (no task switch per client, so a thousand clients are reached in one
pass); a client whose socket buffer is full gets a bounded queue drained by its own task, so a
slow client never slows the others. A client that falls too far behind is told to resync."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from server.events.frames import Push
from server.transport.socket_writes import may_write_now, write_now
from shared.protocol import Resync, encoder

log = logging.getLogger("triage.hub")


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
        self._limit = queue_limit
        self._queue: deque[str] = deque()
        self._sender: asyncio.Task[None] | None = None  # drains the queue while there is one

    def send(self, *frames: str) -> None:
        """Send `frames` in order: written at once if the client keeps up, else queued."""
        if self._sender is None and self._write_now(frames):
            return
        for frame in frames:
            if len(self._queue) >= self._limit:
                self._overflow()
            else:
                self._queue.append(frame)
        if self._sender is None:
            self._sender = asyncio.create_task(self._drain(), name=f"send-{self.person_id}")

    def push(self, pushes: list[Push]) -> tuple[int, bool]:
        """Send those of `pushes` (this person's, in sequence order) that come next, in one write;
        how many were sent, and whether one was found with events before it not yet here
        (another hub committed them: they must be fetched first, so the client never sees a
        hole; it and those after it are not sent). Nothing is sent to a client not yet live, or
        what it has had."""
        if not self.live:
            return 0, False
        frames: list[str] = []
        behind = False
        for push in pushes:
            if push.seq <= self.last_seq:
                continue
            if push.seq != self.last_seq + 1:
                behind = True
                break
            self.last_seq = push.seq
            frames.append(push.frame)
        if frames:
            self.send(*frames)
        return len(frames), behind

    def _write_now(self, frames: tuple[str, ...]) -> bool:
        """Write `frames` to the socket without waiting, if the client keeps up; False if they
        must queue (socket buffer full, a frame being sent, or the connection not open)."""
        if not may_write_now(self.ws):
            return False
        try:
            write_now(self.ws, *frames)
        except Exception as exc:  # the connection is failing; its handler will see it close
            log.debug("write to %s failed: %s", self.person_id, type(exc).__name__)
        return True

    def _overflow(self) -> None:
        """Too far behind: drop the backlog and tell the client to fetch a fresh inbox."""
        self._queue.clear()
        resync = Resync(seq=self.last_seq, reason="too far behind: fetch the inbox again")
        self._queue.append(encoder.encode(resync).decode())

    async def _drain(self) -> None:
        """Send the queued frames with flow control; end when the queue is empty."""
        try:
            while self._queue:
                await self.ws.send(self._queue.popleft(), text=True)
        except ConnectionClosed:
            self._queue.clear()
        finally:
            self._sender = None

    async def close(self) -> None:
        sender = self._sender
        if sender is not None:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender


class Registry:
    """Who is connected, by person. `pushed` hears how many frames each push sent; `behind` is
    told of people a push found behind (events of theirs committed elsewhere have not reached
    their connections here yet)."""

    def __init__(self, pushed: Callable[[int], None] = lambda frames: None) -> None:
        self._by_person: dict[str, set[Client]] = {}
        self.behind: Callable[[set[str]], None] = lambda people: None
        self.joined: Callable[[str], None] = lambda person_id: None  # a connection went live
        self._pushed = pushed

    def add(self, client: Client) -> None:
        self._by_person.setdefault(client.person_id, set()).add(client)
        self.joined(client.person_id)

    def remove(self, client: Client) -> None:
        clients = self._by_person.get(client.person_id)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self._by_person[client.person_id]

    def of(self, person_id: str) -> set[Client]:
        return self._by_person.get(person_id, set())

    def push(self, pushes: Iterable[Push]) -> None:
        """Each connected person's pushes, in order, to each of their connections: one write
        per connection for all of a commit's events to that person."""
        behind: set[str] = set()
        sent = 0
        by_person: dict[str, list[Push]] = {}
        for push in pushes:
            if push.person_id in self._by_person:
                by_person.setdefault(push.person_id, []).append(push)
        for person_id, theirs in by_person.items():
            for client in self._by_person[person_id]:
                count, late = client.push(theirs)
                sent += count
                if late:
                    behind.add(person_id)
        self._pushed(sent)
        if behind:
            self.behind(behind)

    def people(self) -> set[str]:
        """Everyone with a live connection here."""
        return set(self._by_person)

    def __len__(self) -> int:
        return sum(len(c) for c in self._by_person.values())
