"""Fan-out of committed events to this hub's connections, whichever hub committed them.

A hub pushes its own commits' frames at once (`Registry.push`). With several hubs on one
PostgreSQL database, each commit also announces itself (`pg_notify` inside the transaction, so
the announcement goes out exactly when the commit does) carrying its frames
(`announcements.py`); every other hub pushes those of the people connected to it at once. Frames
too large to carry are announced by naming their people, whose hubs fetch their new deliveries
from the database and push them in sequence order. The database is the log: what an
announcement carries only saves a query.
A hub that missed announcements (its listening connection dropped) catches everyone up when it
listens again, and a poll every few seconds catches up anyone still behind, so nothing depends on
an announcement arriving.

A person's sequence numbers commit in order (their row is locked while a transaction delivers to
them), so once a hub sees sequence number n committed, every number before it is committed too:
a catch-up never leaves a hole. A connection is only ever sent the next number it lacks
(`Client.push`); a push that finds it behind asks for a catch-up instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, column, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import TextualSelect

from server.events.frames import Push, event_frame
from server.storage.database import Database
from server.storage.models import Event, Person
from server.transport.announcements import heard, payloads, people_named
from server.transport.connections import Registry
from shared.protocol import Resync, encoder

log = logging.getLogger("triage.hub")

CHANNEL = "triage_events"
POLL_SECONDS = 2.0
PAGE = 5000  # deliveries fetched at once


_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
_NOTIFY_ALL = text(
    "SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[])) WITH ORDINALITY AS u(p, n)"
    " ORDER BY n"
)


def _deliveries_after(floors: str) -> TextualSelect:
    """The deliveries after each person's floor, joined by `floors`, with their events."""
    return text(
        f"SELECT d.person_id, d.seq, e.name, e.at, e.body FROM {floors}"
        " JOIN events AS e ON e.id = d.event_id ORDER BY d.person_id, d.seq LIMIT :page"
    ).columns(
        column("person_id", String), column("seq", Integer), column("name", String),
        Event.__table__.c.at, Event.__table__.c.body,
    )


# PostgreSQL: each person's floor as two arrays, one cached statement whatever their number
_CATCH_UP = _deliveries_after(
    "deliveries AS d JOIN unnest(CAST(:pids AS varchar[]), CAST(:afters AS integer[]))"
    " AS f(pid, after) ON d.person_id = f.pid AND d.seq > f.after"
)
# SQLite: the floors as one JSON array of [person, seq] pairs (an OR of one test per person, as
# before, failed past SQLite's expression depth of 1,000: a thousand people caught up at once
# never were, and were tried again every second)
_CATCH_UP_SQLITE = _deliveries_after(
    "json_each(:floors) AS f JOIN deliveries AS d ON d.person_id = json_extract(f.value, '$[0]')"
    " AND d.seq > json_extract(f.value, '$[1]')"
)


class Fanout:
    def __init__(
        self,
        db: Database,
        registry: Registry,
        *,
        on_deadline: Callable[[datetime], None] = lambda deadline: None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.db = db
        self.registry = registry
        self.hub_id = uuid.uuid4().hex[:12]
        self.shared = not db.sqlite  # other hubs may write to this database
        self._on_deadline = on_deadline
        self._poll_seconds = poll_seconds
        self._pending: set[str] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self.listening = asyncio.Event()  # set while announcements from other hubs are heard
        registry.behind = self.catch_up
        if self.shared:
            # events committed elsewhere between its hello and going live are fetched at once
            registry.joined = lambda person_id: self.catch_up({person_id})

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._drain(), name="fanout-catch-up"))
        # the poll also pushes what another process wrote to a hub's own SQLite file (the hub
        # host's command line: `triage agent set` reaches the desk's open screens)
        self._tasks.append(asyncio.create_task(self._poll(), name="fanout-poll"))
        if self.shared:
            self._tasks.append(asyncio.create_task(self._listen(), name="fanout-listen"))

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # ------------------------------------------------------------------ announcing

    async def announce(self, session: AsyncSession, pushes: list[Push], deadline: datetime | None) -> None:
        """Inside a write transaction: hand the other hubs, at its commit, the frames it
        delivered (or name their people, when they do not fit), and the earliest claim clock it
        started, for the hub that runs the clocks."""
        if not self.shared or not (pushes or deadline):
            return
        said = payloads(self.hub_id, pushes, deadline)
        if len(said) == 1:
            await session.execute(_NOTIFY, {"channel": CHANNEL, "payload": said[0]})
        elif said:  # one round trip however many payloads
            await session.execute(_NOTIFY_ALL, {"channel": CHANNEL, "payloads": said})

    def _heard(self, payload: str) -> None:
        announced = heard(payload)
        if announced is None:
            log.warning("ignored an announcement that is not one of ours")
            return
        if announced.hub == self.hub_id:
            return  # our own commit: pushed already
        here = self.registry.people()
        if announced.frames:
            self.registry.push(announced.pushes(here))  # one out of turn asks for a catch-up
        self.catch_up(people_named(announced, here))
        if announced.deadline is not None:
            self._on_deadline(announced.deadline)

    # ------------------------------------------------------------------ catching up

    def catch_up(self, people: Iterable[str]) -> None:
        """Fetch and push the committed events these people's connections here lack."""
        fresh = set(people) - self._pending
        if fresh:
            self._pending |= fresh
            self._wake.set()

    async def _drain(self) -> None:
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            while self._pending and not self._stopping:
                people, self._pending = self._pending, set()
                try:
                    if await self._fetch_and_push(people):
                        self._pending |= people  # a full page: there is more
                except Exception as exc:  # the database is away: try again on the next wake
                    log.warning("catching up %d people failed: %s", len(people), type(exc).__name__)
                    self._pending |= people
                    await asyncio.sleep(1.0)

    async def _fetch_and_push(self, people: set[str]) -> bool:
        """One page of deliveries after what each person's connections here have; True if the
        page was full."""
        floors = {}
        for pid in people:
            clients = [c for c in self.registry.of(pid) if c.live]
            if clients:
                floors[pid] = min(c.last_seq for c in clients)
        if not floors:
            return False
        if self.shared:
            # PostgreSQL: each person's floor as two arrays, one statement whatever their number
            # (a VALUES list of 300 people compiled anew each time cost more than the query)
            query: Any = _CATCH_UP.bindparams(
                pids=list(floors), afters=list(floors.values()), page=PAGE
            )
        else:  # SQLite (one hub: a gap there is rare: another process wrote, a poll overtook a push)
            query = _CATCH_UP_SQLITE.bindparams(
                floors=encoder.encode([[pid, seq] for pid, seq in floors.items()]).decode(), page=PAGE
            )
        async with self.db.read() as session:
            rows = (await session.execute(query)).all()
        pushes = [
            Push(pid, seq, event_frame(seq, name, encoder.encode(at).decode(), body.decode()))
            for pid, seq, name, at, body in rows
        ]
        self._push_in_order(pushes)
        return len(rows) == PAGE

    def _push_in_order(self, pushes: list[Push]) -> None:
        """Push fetched events; a connection whose next event is no longer kept (pruned) is
        told to resync from the newest one fetched."""
        by_person: dict[str, list[Push]] = {}
        for push in pushes:
            by_person.setdefault(push.person_id, []).append(push)
        for pid, theirs in by_person.items():
            seq = theirs[-1].seq  # the newest fetched (in sequence order)
            for client in self.registry.of(pid):
                client.push(theirs)
                if client.live and client.last_seq < seq:
                    client.last_seq = seq
                    client.send(encoder.encode(
                        Resync(seq=seq, reason="missed events are no longer kept")
                    ).decode())

    async def _poll(self) -> None:
        """Catch up anyone here whose stored sequence number is ahead of their connections."""
        while not self._stopping:
            await asyncio.sleep(self._poll_seconds)
            here = self.registry.people()
            if not here:
                continue
            try:
                async with self.db.read() as session:
                    stored = dict((await session.execute(
                        select(Person.id, Person.last_seq).where(Person.id.in_(here))
                    )).all())
            except Exception as exc:
                log.warning("polling for missed events failed: %s", type(exc).__name__)
                continue
            behind = {
                pid for pid, seq in stored.items()
                if any(c.live and c.last_seq < seq for c in self.registry.of(pid))
            }
            self.catch_up(behind)

    # ------------------------------------------------------------------ listening

    async def _listen(self) -> None:
        """Hold a connection that LISTENs for announcements; after any drop, listen again and
        catch everyone up (announcements made meanwhile were not heard)."""
        import asyncpg  # only hubs on PostgreSQL get here

        delay = 0.5
        while not self._stopping:
            conn = None
            try:
                conn = await asyncpg.connect(self.db.asyncpg_dsn(), timeout=10)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _conn: lost.set())
                await conn.add_listener(CHANNEL, lambda _c, _pid, _ch, payload: self._heard(payload))
                self.listening.set()
                self.catch_up(self.registry.people())
                delay = 0.5
                await lost.wait()
                log.warning("lost the announcement connection; listening again")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cannot listen for other hubs' commits: %s", type(exc).__name__)
            finally:
                self.listening.clear()
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
