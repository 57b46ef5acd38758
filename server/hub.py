"""The hub: authenticates websocket clients, answers their requests, pushes every change, and
runs the claim clock. The single source of truth; clients are views plus commands.

The hub wires the rooms together and lends operations its services (`operations.context`):
storage reads, the write transaction, the clock, settings, the award book and the directory.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from server import geo
from server.errors import HubError
from server.events.awards import AwardBook
from server.events.group_commit import Change, GroupCommit, Refused
from server.events.mail import Mail, Mailer
from server.events.transaction import Tx
from server.referrals.intake import submit
from server.routing import offers
from server.routing.clock import ClaimClock
from server.routing.directory import Directory
from server.settings import HubSettings
from server.storage import people
from server.storage.database import Database
from server.storage.leases import CLOCK_LEASE, Lease
from server.storage.models import Delivery, Event, Offer, Person, Program, Referral
from server.storage.person_book import PersonBook
from server.transport.connections import Client, Registry
from server.transport.dispatch import handle_frame
from server.transport.fanout import Fanout
from server.transport.handshake import Gatekeeper, origins
from server.transport.http_endpoints import DatabaseHealth, HttpEndpoints
from server.transport.limits import POLICY_VIOLATION, ConnectionCap, RequestRate
from server.transport.metrics import HubMetrics
from server.transport.revocation import RevocationWatch
from shared.domain import Kind, OfferState, Status
from shared.protocol import ErrorCode, ReferralInput

log = logging.getLogger("triage.hub")

T = TypeVar("T")
# How long a thread that wants the interpreter lock waits before the one running Python must let
# it go (Python's default is 5 ms). The hub's other threads do little but wait on the disk (the
# writer's COMMIT, the log's checkpoints), and when the loop is busy each of them waited up to
# the whole interval to hand back its result: a storm's COMMIT took p50 5.3 / p90 10.5 ms from
# the writer's side with 5 ms, 4.5 / 7.0 ms with 1 ms (bench/README.md, "2026-12-04").
SWITCH_INTERVAL = 0.001


class Hub:
    def __init__(self, settings: HubSettings | None = None) -> None:
        self.settings = settings or HubSettings()
        self.db: Database = Database(self.settings.resolved_db_url())
        self.metrics = HubMetrics(lambda: len(self._clients), lambda: self.clock.leading)
        self.registry = Registry(self.metrics.pushed)
        self.awards = AwardBook()
        self.people = PersonBook(self.db)
        self.group_commit = GroupCommit(self._run_batch, self.db.write_lock)
        self.directory = Directory(self.db)
        self.mailer = Mailer(self.settings.smtp)
        self.port: int | None = None
        self._server: Server | None = None
        self._clients: set[Client] = set()  # every open connection, said hello or not
        self._background: set[asyncio.Task[None]] = set()
        self.cap = ConnectionCap(self.settings.max_connections_per_person)
        self._gate = Gatekeeper(self.db, self.cap)
        self.fanout = Fanout(
            self.db, self.registry,
            on_deadline=lambda deadline: self.clock.deadline_made(deadline),
        )
        self._clock_lease = Lease(self.db, CLOCK_LEASE, "claim clocks")
        self.clock = ClaimClock(
            self.now, self.next_deadline, self.expire_overdue, self.resume_waiting, self.prune,
            lease=self._clock_lease.held,
        )
        self.revocations = RevocationWatch(
            self.db, lambda: self._clients, self.settings.revocation_check_seconds
        )
        self.http = HttpEndpoints(
            DatabaseHealth(self.db, self.metrics), self.metrics, self.settings.metrics_token,
            lambda: f"{socket.gethostname()}:{self.port}",
        )

    # ------------------------------------------------------------------ life cycle

    def writer_busy(self) -> bool:
        return self.db.write_lock.locked()

    def now(self) -> datetime:
        return self.settings.clock()

    @property
    def url(self) -> str:
        return f"ws://{self.settings.host}:{self.port}"

    async def start(self) -> None:
        """Migrate the schema, move overdue offers on, then listen."""
        sys.setswitchinterval(SWITCH_INTERVAL)
        await self.db.migrate()
        self.http.health.record(reached=True)
        self._geo_warmup = asyncio.create_task(asyncio.to_thread(geo.warm), name="zip-index")
        moved = await self.expire_overdue()
        if moved:
            log.info("moved %d overdue offer(s) on at start", moved)
        await self.resume_waiting()
        self._server = await serve(
            self._serve_client,
            self.settings.host,
            self.settings.port,
            # GET /health and /metrics are answered first; every other request is a handshake
            process_request=self.http.in_front_of(self._gate.authenticate),
            process_response=self._gate.forget_refused,
            origins=origins(self.settings.allowed_origins),
            max_size=self.settings.max_frame_bytes,
            compression="deflate" if self.settings.compress_frames else None,
            ping_interval=self.settings.ping_interval,
            ping_timeout=self.settings.ping_timeout,
            # a peer that missed its pong gets as long to finish closing, not websockets' 10 s
            close_timeout=min(self.settings.ping_timeout, 10.0),
            logger=logging.getLogger("triage.websockets"),
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self.fanout.start()
        self.http.stopping = False
        self.clock.start()
        self.revocations.start()
        self.mailer.start()
        log.info("hub listening on %s", self.url)

    async def stop(self) -> None:
        """Answer /health with 503, stop the claim clock, close every connection, release the
        database."""
        self.http.stopping = True
        await self.clock.stop()
        await self._clock_lease.release()
        await self.fanout.stop()
        await self.revocations.stop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self.mailer.stop()
        await self.http.health.settle()
        await self.db.close()
        log.info("hub stopped")

    # ------------------------------------------------------------------ services

    def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only session."""
        return self.db.read()

    async def quick_read(self, read: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """A short read on this loop (`Database.quick_read`); it never waits for a write."""
        return await self.db.quick_read(read)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One write transaction of its own; its events are pushed after the commit, in commit
        order."""
        async with self.db.write_lock:
            async with self._committing() as tx:
                yield tx
        await self._after_commit(tx)

    async def write(
        self, change: Change, key: str | None = None,
        refusal: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[Any, Tx]:
        """Run `change` in a write transaction shared with the writes waiting with it (group
        commit, server/events/group_commit.py); its result and `Tx` once that has committed."""
        return await self.group_commit.write(change, key, refusal)

    async def _run_batch(self, changes: list[Change]) -> tuple[list[Any], Tx]:
        """One transaction of group commit's; it holds the writer already."""
        async with self._committing() as tx:
            if len(changes) == 1:  # alone, a refusal rolls back the transaction itself
                results: list[Any] = [await changes[0](tx)]
            else:
                results = [await self._in_savepoint(tx, change) for change in changes]
        await self._after_commit(tx)
        return results, tx

    @asynccontextmanager
    async def _committing(self) -> AsyncIterator[Tx]:
        """A write transaction, the writer held: at the end its events are written and announced
        to the other hubs, it commits, and its frames are pushed (in commit order)."""
        async with self.db.write_session() as session:
            tx = Tx(session, self.now(), awards=self.awards, mailing=self.settings.smtp.enabled)
            yield tx
            pushes = await tx.finish()
            await self.fanout.announce(session, pushes, tx.earliest_new_deadline)
        tx.committed()
        self.registry.push(pushes)

    @staticmethod
    async def _in_savepoint(tx: Tx, change: Change) -> Any:
        """One change of a batch; a refusal undoes its rows and what its `Tx` gathered alone."""
        mark = tx.mark()
        savepoint = await tx.session.begin_nested()
        try:
            result = await change(tx)
        except HubError as error:
            await savepoint.rollback()
            tx.back_to(mark)
            return Refused(error)
        await savepoint.commit()
        return result

    async def _after_commit(self, tx: Tx) -> None:
        if tx.earliest_new_deadline is not None:
            self.clock.deadline_made(tx.earliest_new_deadline)
        if tx.mails:  # kept only while SMTP is on (`Tx.mailing`)
            await self._mail(tx.mails)

    async def _mail(self, mails: list[Mail]) -> None:
        """Queue each notification for the people who asked for its kind."""
        async with self.db.read() as session:
            rows = await session.execute(
                select(Person.id, Person.email, Person.mail_offers, Person.mail_messages).where(
                    Person.id.in_({m.person_id for m in mails})
                )
            )
            wanted = {pid: (email, offers, messages) for pid, email, offers, messages in rows}
        for mail in mails:
            email, wants_offers, wants_messages = wanted.get(mail.person_id, ("", False, False))
            if (mail.kind == "offer" and wants_offers) or (mail.kind == "message" and wants_messages):
                self.mailer.send(email, mail)

    async def person(self, person_id: str) -> Person:
        """The person as stored now (checked for every request, so a change to their roles or
        areas counts at once), read on this loop (`Database.quick_read`) when the directory's
        version has moved on since they were last read (server/storage/person_book.py)."""
        person = await self.people.person(person_id)
        if person is None:
            raise HubError(ErrorCode.NOT_FOUND, "your account no longer exists")
        return person

    # ------------------------------------------------------------------ claim clocks

    async def next_deadline(self) -> datetime | None:
        """The earliest deadline among open offers (one indexed read)."""
        async with self.db.read() as session:
            return await offers.next_deadline(session)

    async def expire_overdue(self, deadline: datetime | None = None) -> int:
        """Move every overdue offer on; `deadline`, the earliest one if the caller just read it."""
        if deadline is None:
            deadline = await self.next_deadline()
        if deadline is None or deadline > self.now():
            return 0
        async with self.transaction() as tx:
            return await offers.expire_overdue(tx, self.settings.claim_window_seconds)

    async def resume_waiting(self) -> int:
        """Offer the appointments that wait for an available agent, if one is available now."""
        async with self.db.read() as session:
            waiting = await session.scalar(
                select(func.count())
                .select_from(Referral)
                .where(
                    Referral.kind == Kind.APPOINTMENT,
                    Referral.status == Status.OFFERED,
                    Referral.id.not_in(select(Offer.referral_id).where(Offer.state == OfferState.OPEN)),
                )
            )
        if not waiting:
            return 0
        async with self.transaction() as tx:
            return await offers.resume_waiting(tx, self.settings.claim_window_seconds)

    async def prune(self) -> None:
        """Forget events older than the retention window (clients that old must resync).

        A maintenance write: a busy week's deliveries take seconds to delete, and the event loop
        keeps serving reads and pushes meanwhile (claims wait for the write lock). The old events
        are found by a scan of the events alone, their deliveries through the index by event."""
        cutoff = self.now() - timedelta(seconds=self.settings.retention_seconds)
        async with self.db.write_lock, self.db.maintenance_write() as session:
            old = select(Event.id).where(Event.at < cutoff)
            # found through their event (migration 0012), not by reading every delivery kept
            await session.execute(delete(Delivery).where(Delivery.event_id.in_(old)))
            await session.execute(delete(Event).where(Event.at < cutoff))

    # ------------------------------------------------------------------ administration

    async def add_person(self, **fields: Any) -> tuple[Person, str]:
        """Create a person with a first token (shown once)."""
        async with self.db.write_lock, self.db.write_session() as session:
            person, token = await people.add_person(session, self.now(), **fields)
        return person, token

    async def add_program(self, program_id: str, name: str, vendor_id: str, **terms: Any) -> None:
        async with self.db.write_lock, self.db.write_session() as session:
            session.add(Program(id=program_id, name=name, vendor_id=vendor_id, **terms))

    async def submit(self, person_id: str, data: ReferralInput) -> str:
        """Create a referral as `person_id` would through the protocol; return its id."""
        person = await self.person(person_id)
        async with self.transaction() as tx:
            ref = await submit(tx, person, data, self.settings.claim_window_seconds)
        return ref.id

    # ------------------------------------------------------------------ connections

    async def _serve_client(self, ws: ServerConnection) -> None:
        person, token_id = self._gate.admitted(ws)
        client = Client(ws, person.id, person.name, self.settings.send_queue_limit, token_id)
        self._clients.add(client)
        rate = RequestRate(self.settings.rate_limit_per_minute)
        log.info("connect %s from %s", person.id, ws.remote_address[0] if ws.remote_address else "?")
        try:
            async for message in ws:
                if not rate.allow():
                    log.warning("closing %s's connection: %s", person.id, rate.reason)
                    await ws.close(POLICY_VIOLATION, rate.reason)
                    break
                await handle_frame(self, client, message)
        except ConnectionClosed:
            pass
        finally:
            self._clients.discard(client)
            self.cap.release(person.id, ws)
            self.registry.remove(client)
            await client.close()
            log.info("disconnect %s (code %s)", person.id, ws.close_code)
