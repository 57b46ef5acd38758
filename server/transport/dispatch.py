"""One client's frames: decode, check, run the operation, answer with exactly one reply or
error; and `hello`, which replays what a reconnecting client missed before making it live."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import func, select

from server.errors import HubError
from server.events.transaction import event_frame
from server.operations.table import OPERATIONS
from server.storage.models import Delivery, Event, Person
from server.transport.connections import Client
from shared.protocol import (
    PROTOCOL_VERSION,
    Error,
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

if TYPE_CHECKING:
    from server.hub import Hub

log = logging.getLogger("triage.hub")


async def handle_frame(hub: Hub, client: Client, message: str | bytes) -> None:
    """Answer one frame with exactly one reply or error; never raise."""
    request_id: str | None = None
    try:
        if isinstance(message, bytes):
            raise HubError(ErrorCode.BAD_FRAME, "binary frames are not supported; send JSON text")
        try:
            request = msgspec.json.decode(message, type=Request)
        except msgspec.DecodeError as exc:
            request_id = _salvage_id(message)
            raise HubError(ErrorCode.BAD_FRAME, f"not a valid request frame: {exc}") from None
        except RecursionError:
            raise HubError(ErrorCode.BAD_FRAME, "not a valid request frame: nested too deeply") from None
        request_id = request.id
        if request.op == "hello":
            await _hello(hub, client, request)
            return
        if not client.live:
            raise HubError(ErrorCode.HELLO_REQUIRED, "send hello first")
        operation = OPERATIONS.get(request.op)
        if operation is None:
            raise HubError(
                ErrorCode.UNKNOWN_OP,
                f"unknown operation {request.op!r}",
                known=sorted(["hello", *OPERATIONS]),
            )
        try:
            args = decode_args(request.args, operation.args)
        except msgspec.ValidationError as exc:
            raise HubError(ErrorCode.BAD_REQUEST, f"bad arguments for {request.op}: {exc}") from None
        gate = operation.gate(hub, client.person_id, args) if operation.gate else nullcontext()
        async with gate:
            person = await hub.person(client.person_id)
            result = await operation.handler(hub, person, args)
        client.send(encoder.encode(Reply(id=request.id, result=result)).decode())
    except HubError as exc:
        error = Error(code=exc.code, message=exc.message, id=request_id, details=exc.details)
        client.send(encoder.encode(error).decode())
    except Exception as exc:
        log.error("error handling a request from %s: %s", client.person_id, type(exc).__name__)
        log.debug("traceback", exc_info=True)
        error = Error(
            code=ErrorCode.INTERNAL, message="internal error; nothing was changed", id=request_id
        )
        client.send(encoder.encode(error).decode())



async def _hello(hub: Hub, client: Client, request: Request) -> None:
    """Answer hello, replay what the client missed, then make it live, all in one order."""
    try:
        args = decode_args(request.args, HelloArgs)
    except msgspec.ValidationError as exc:
        raise HubError(ErrorCode.BAD_REQUEST, f"bad arguments for hello: {exc}") from None
    async with hub.db.write_lock:
        async with hub.db.read() as session:
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
        hello = HelloResult(
            protocol=PROTOCOL_VERSION, server_time=hub.now(), person=view, seq=last, replay=replay,
            rate_limit_per_minute=hub.settings.rate_limit_per_minute,
        )
        client.send(encoder.encode(Reply(id=request.id, result=hello)).decode())
        if replay == "resync":
            resync = Resync(seq=last, reason="missed events are older than the retention window")
            client.send(encoder.encode(resync).decode())
        for frame in frames:
            client.send(frame)
        client.last_seq = last
        if not client.live:
            client.live = True
            hub.registry.add(client)




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


def _salvage_id(message: str) -> str | None:
    """The id of a request whose frame does not fit the schema, when it can be read."""
    try:
        raw = msgspec.json.decode(message)
    except (msgspec.DecodeError, RecursionError):
        return None
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None
