"""One client's frames: decode, check, run the operation, answer with exactly one reply or
error. `hello` (transport/hello.py) replays what a reconnecting client missed first."""

from __future__ import annotations

import logging
import re
import time
from contextlib import nullcontext

import msgspec

from server.errors import HubError
from server.operations.context import OpContext
from server.operations.table import OPERATIONS
from server.transport.connections import Client
from server.transport.hello import Host, hello
from server.transport.metrics import OK
from shared.protocol import Error, ErrorCode, Reply, Request, decode_args, encoder

log = logging.getLogger("triage.hub")
# msgspec names the argument it refused (`... - at `$.limit``) and the bound it broke
_FIELD = re.compile(r"at `\$\.(\w+)")
_BOUND = re.compile(r"Expected `\w+` (<=|>=) (-?\d+)")
# the op label of a frame that is no request, and of an op the hub does not have
INVALID, UNKNOWN = "invalid", "unknown"


async def handle_frame(host: Host, client: Client, message: str | bytes) -> None:
    """Answer one frame with exactly one reply or error; never raise. Counts it in the hub's
    metrics by op and outcome (and times it, for claims)."""
    started = time.perf_counter()
    op, outcome = await _answer(host, client, message)
    host.metrics.answered(op, outcome, time.perf_counter() - started)


async def _answer(host: Host, client: Client, message: str | bytes) -> tuple[str, str]:
    """Answer one frame; return its op (`invalid` for a frame that is no request, `unknown` for
    an op the hub does not have, so the label values stay few) and `ok` or the error code."""
    request_id: str | None = None
    op = INVALID
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
        op = request.op if request.op == "hello" or request.op in OPERATIONS else UNKNOWN
        if request.op == "hello":
            await hello(host, client, request)
            return op, OK
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
            raise HubError(
                ErrorCode.BAD_REQUEST, f"bad arguments for {request.op}: {exc}", **_refused(exc)
            ) from None
        gate = operation.gate(host, client.person_id, args) if operation.gate else nullcontext()
        async with gate:
            person = await host.person(client.person_id)
            operation.authorize(person)
            result = await operation.handler(OpContext(host, person), args)
        client.send(encoder.encode(Reply(id=request.id, result=result)).decode())
        return op, OK
    except HubError as exc:
        error = Error(code=exc.code, message=exc.message, id=request_id, details=exc.details)
        client.send(encoder.encode(error).decode())
        return op, str(exc.code)
    except Exception as exc:
        log.error("error handling a request from %s: %s", client.person_id, type(exc).__name__)
        log.debug("traceback", exc_info=True)
        error = Error(
            code=ErrorCode.INTERNAL, message="internal error; nothing was changed", id=request_id
        )
        client.send(encoder.encode(error).decode())
        return op, str(ErrorCode.INTERNAL)


def _refused(exc: msgspec.ValidationError) -> dict[str, object]:
    """The details of a refused argument: its name, and the bound it broke."""
    text = str(exc)
    details: dict[str, object] = {}
    if where := _FIELD.search(text):
        details["field"] = where.group(1)
    if bound := _BOUND.search(text):
        details["max" if bound.group(1) == "<=" else "min"] = int(bound.group(2))
    return details


def _salvage_id(message: str) -> str | None:
    """The id of a request whose frame does not fit the schema, when it can be read."""
    try:
        raw = msgspec.json.decode(message)
    except (msgspec.DecodeError, RecursionError):
        return None
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None
