"""The frames themselves: requests, replies, errors with stable codes, pushed events and
resync signals, and the JSON codec. JSON text frames; `docs/protocol.md` has an example of each."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec

PROTOCOL_VERSION = 1

MAX_FRAME_BYTES = 64 * 1024  # larger frames are closed with 1009

MAX_MESSAGE_CHARS = 4000


class ErrorCode(StrEnum):
    """Stable error codes. Clients branch on these; the message is for people.

    The last two are client-side: documented here so that every client uses the same words.
    """

    BAD_FRAME = "bad_frame"  # not JSON, or not a request object
    BAD_REQUEST = "bad_request"  # a field is missing or has the wrong type
    UNKNOWN_OP = "unknown_op"
    HELLO_REQUIRED = "hello_required"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"  # not a party, or the role does not allow it
    FORBIDDEN_MOVE = "forbidden_move"  # the lifecycle does not allow this move
    REASON_REQUIRED = "reason_required"
    NOT_OFFERED = "not_offered"  # a claim or pass on an offer that is not yours
    CLAIM_LOST = "claim_lost"  # someone else won the claim
    CLAIM_EXPIRED = "claim_expired"  # the offer's deadline has passed
    NOT_INTERESTED = "not_interested"  # picking a receiver who did not express interest
    ALREADY_SIGNED = "already_signed"
    FEE_MISMATCH = "fee_mismatch"  # signing a fee percent other than the agreement's
    TOO_LARGE = "too_large"  # a message over the size limit
    INTERNAL = "internal"
    # Client-side codes: the hub never sends these. A client raises them itself (`HubError`)
    # when a request gets no answer at all.
    OFFLINE = "offline"  # not connected, or the connection dropped before the answer came
    TIMEOUT = "timeout"  # connected, but the hub did not answer in time


class Request(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    op: str
    args: dict[str, Any] = {}


class Reply(msgspec.Struct, tag="reply", tag_field="type"):
    id: str
    result: Any = None


class Error(msgspec.Struct, tag="error", tag_field="type", omit_defaults=True):
    code: ErrorCode
    message: str
    id: str | None = None
    details: dict[str, Any] = {}


class Event(msgspec.Struct, tag="event", tag_field="type"):
    seq: int
    name: str  # "referral.upsert" | "referral.removed"
    at: datetime
    data: Any


class Resync(msgspec.Struct, tag="resync", tag_field="type"):
    seq: int
    reason: str


ServerFrame = Reply | Error | Event | Resync

EVENT_UPSERT = "referral.upsert"

EVENT_REMOVED = "referral.removed"

EVENT_MESSAGE = "message.new"  # data: MessageView

EVENT_TEAM = "team.changed"  # data: TeamChanged (shared/protocol/team.py)

encoder = msgspec.json.Encoder()

server_frame_decoder = msgspec.json.Decoder(ServerFrame)

request_decoder = msgspec.json.Decoder(Request)


def decode_args(args: dict[str, Any], type_: type[msgspec.Struct]) -> Any:
    """Validate a request's args against its op's struct (raises msgspec.ValidationError)."""
    return msgspec.convert(args, type=type_)
