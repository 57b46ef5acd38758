"""`hello`: the first frame of every connection. Answers who the person is and the server's time,
replays the events a reconnecting client missed since its last sequence number (or tells it to
resync when they are older than the retention window), then makes the connection live, all in
one order so no event is lost or doubled between the replay and the live pushes."""

from __future__ import annotations

from typing import Any, Protocol

import msgspec
from sqlalchemy import func, select

from server.errors import HubError
from server.events.frames import event_frame
from server.operations.context import Services
from server.storage.database import Database
from server.storage.models import Delivery, Event, Person
from server.transport.connections import Client, Registry
from server.transport.metrics import HubMetrics
from shared.protocol import (
    PROTOCOL_VERSION,
    ErrorCode,
    HelloArgs,
    HelloResult,
    PersonView,
    Reply,
    Request,
    Resync,
    decode_args,
    encoder,
)


class Host(Services, Protocol):
    """What the transport needs of the hub, beyond what operations use."""

    db: Database
    registry: Registry
    metrics: HubMetrics

    async def person(self, person_id: str) -> Person:
        """The person as stored now; `not_found` when the account is gone."""
        ...


async def hello(host: Host, client: Client, request: Request) -> None:
    """Answer hello, replay what the client missed, then make it live, all in one order."""
    try:
        args = decode_args(request.args, HelloArgs)
    except msgspec.ValidationError as exc:
        raise HubError(ErrorCode.BAD_REQUEST, f"bad arguments for hello: {exc}") from None
    async with host.db.write_lock:
        async with host.db.read() as session:
            person = await session.get(Person, client.person_id, populate_existing=True)
            if person is None:
                raise HubError(ErrorCode.NOT_FOUND, "your account no longer exists")
            last = person.last_seq
            replay, frames = "none", []
            if args.since is not None:
                replay, frames = await _missed(session, person.id, args.since, last)
            view = PersonView(
                id=person.id,
                name=person.name,
                roles=person.role_list,  # type: ignore[arg-type]
                brokerage=person.brokerage,
                zips=[z.zip for z in person.zips],
            )
        result = HelloResult(
            protocol=PROTOCOL_VERSION, server_time=host.now(), person=view, seq=last, replay=replay,
            rate_limit_per_minute=host.settings.rate_limit_per_minute,
        )
        client.send(encoder.encode(Reply(id=request.id, result=result)).decode())
        if replay == "resync":
            resync = Resync(seq=last, reason="missed events are older than the retention window")
            client.send(encoder.encode(resync).decode())
        for frame in frames:
            client.send(frame)
        client.last_seq = last
        if not client.live:
            client.live = True
            host.registry.add(client)


async def _missed(session: Any, person_id: str, since: int, last: int) -> tuple[str, list[str]]:
    """The frames of the events after `since`, or a resync when they are no longer kept."""
    if since == last:
        return "events", []
    if since > last:
        return "resync", []
    oldest = await session.scalar(select(func.min(Delivery.seq)).where(Delivery.person_id == person_id))
    if oldest is None or since + 1 < oldest:
        return "resync", []
    rows = await session.execute(
        select(Delivery.seq, Event.name, Event.at, Event.body)
        .join(Event, Event.id == Delivery.event_id)
        .where(Delivery.person_id == person_id, Delivery.seq > since)
        .order_by(Delivery.seq)
    )
    return "events", [
        event_frame(seq, name, encoder.encode(at).decode(), body.decode()) for seq, name, at, body in rows
    ]
