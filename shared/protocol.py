"""Wire protocol v1: every frame that crosses the websocket, as msgspec structs.

JSON text frames. The client sends requests; the hub answers each with exactly one reply or
error, and pushes events and resync signals. `docs/protocol.md` documents each with an example.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec

from shared.domain import Kind, Mode, OfferPhase, OfferState, Role, Status, Visibility

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 64 * 1024  # larger frames are closed with 1009


class ErrorCode(StrEnum):
    """Stable error codes. Clients branch on these; the message is for people."""

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


# ---------------------------------------------------------------- client -> hub


class Request(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    op: str
    args: dict[str, Any] = {}


class HelloArgs(msgspec.Struct, forbid_unknown_fields=True):
    since: int | None = None  # the last event sequence this client saw
    client: str = ""


class InboxArgs(msgspec.Struct, forbid_unknown_fields=True):
    limit: int = 1000


class RefArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str


class ReasonArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    reason: str = ""


class MoveArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    to: Status
    reason: str = ""


class EditArgs(msgspec.Struct, forbid_unknown_fields=True):
    """Change fields of a draft: `changes` holds ReferralInput fields (not kind)."""

    id: str
    changes: dict[str, Any]


class SendArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    mode: Mode
    receivers: list[str] = []  # private mode


class ReceiversArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    receivers: list[str]


class PickArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    receiver: str
    fee_percent: float | None = None  # the agreement's fee; the referral's fee when omitted


class SignArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    fee_percent: float  # the fee the signer agrees to; must equal the agreement's


class OpenSearchArgs(msgspec.Struct, forbid_unknown_fields=True):
    zip: str = ""  # around this zip code; the agent's own zip codes when empty
    radius_miles: float = 0.0
    limit: int = 200


class LinkArgs(msgspec.Struct, forbid_unknown_fields=True):
    link: str


class ThreadSendArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    body: str


class AgentSearchArgs(msgspec.Struct, forbid_unknown_fields=True):
    text: str = ""  # fuzzy on name and brokerage
    zip: str = ""
    radius_miles: float = 0.0
    specialization: str = ""
    language: str = ""
    min_years: int = 0
    limit: int = 50


class AvailabilityArgs(msgspec.Struct, forbid_unknown_fields=True):
    """Fields left out stay as they are; `work_hours` "" clears them (available around the clock),
    `vacation_start`/`vacation_end` null clear the vacation."""

    paused: bool | None = None
    timezone: str | None = None
    work_hours: str | None = None  # "09:00-17:30" in the agent's own time zone
    vacation_start: datetime | None | msgspec.UnsetType = msgspec.UNSET
    vacation_end: datetime | None | msgspec.UnsetType = msgspec.UNSET


class DryRunArgs(msgspec.Struct, forbid_unknown_fields=True):
    zip: str


class ReferralInput(msgspec.Struct, forbid_unknown_fields=True):
    """What a sender supplies to create a referral (`submit`, `triage submit FILE.json`)."""

    kind: Kind
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    price_min: int | None = None
    price_max: int | None = None
    timeframe: str = ""
    intent: str = ""  # buy, sell, ...
    notes: str = ""
    lead_type: str = ""  # appointment: home valuation, cash offer, ...
    appointment_at: datetime | None = None
    mode: Mode | None = None  # agent referrals
    receivers: list[str] = []  # agent referrals, private mode: person ids
    fee_percent: float | None = None
    program: str = ""  # partner referrals: the program id
    company: str = ""
    contact_person: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    title: str = ""
    website: str = ""
    claim_window_seconds: int | None = None  # appointments: overrides the hub's default
    send: bool = True  # agent referrals: False keeps it as a draft


class SubmitArgs(msgspec.Struct, forbid_unknown_fields=True):
    referral: ReferralInput


# ---------------------------------------------------------------- views


class PersonRef(msgspec.Struct, omit_defaults=True):
    id: str
    name: str
    brokerage: str = ""


class PersonView(msgspec.Struct, omit_defaults=True):
    id: str
    name: str
    roles: list[Role]
    brokerage: str = ""
    zips: list[str] = []


class OfferView(msgspec.Struct, omit_defaults=True):
    """The viewer's own offer of an appointment."""

    phase: OfferPhase
    state: OfferState
    offered_at: datetime
    deadline: datetime
    why: str = ""  # why this agent: rank, area, last offer


class ReferralView(msgspec.Struct, omit_defaults=True):
    """One referral as one person may see it. Contact fields are absent unless entitled."""

    id: str
    kind: Kind
    status: Status
    visibility: Visibility
    created_at: datetime
    updated_at: datetime
    sender: PersonRef | None = None
    receiver: PersonRef | None = None
    mode: Mode | None = None
    client_name: str = ""
    email: str = ""
    phone: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    price_min: int | None = None
    price_max: int | None = None
    timeframe: str = ""
    intent: str = ""
    notes: str = ""
    lead_type: str = ""
    appointment_at: datetime | None = None
    company: str = ""
    contact_person: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    title: str = ""
    website: str = ""
    program: str = ""
    duplicate_of: str = ""
    duplicate_reason: str = ""
    link: str = ""  # open referrals: the shareable link id
    fee_percent: float | None = None
    signed_by: list[str] = []  # agreement signatures: "sender", "receiver"
    recipients: list[RecipientView] = []  # the sender's view of who was asked and who answered
    offer: OfferView | None = None  # the viewer's own open offer, with its deadline
    actions: list[str] = []  # what the viewer may do now: claim, pass, interest, decline, ...
    moves: list[Status] = []  # the status moves the viewer may make now


class RecipientView(msgspec.Struct, omit_defaults=True):
    """For the sender: an agent a referral was sent to, and the answer."""

    person: PersonRef
    answer: str = ""  # "" | interested | declined
    distance_miles: float | None = None


class MessageView(msgspec.Struct, omit_defaults=True):
    id: int
    referral_id: str
    author: PersonRef
    body: str
    at: datetime


class AgentCard(msgspec.Struct, omit_defaults=True):
    id: str
    name: str
    brokerage: str = ""
    city: str = ""
    zips: list[str] = []
    sponsored_zips: list[str] = []
    specializations: list[str] = []
    languages: list[str] = []
    years_experience: int = 0
    closed_referrals: int = 0
    median_response_seconds: float | None = None
    rank_score: float = 0.0
    available: bool = True
    distance_miles: float | None = None
    score: float = 0.0  # relevance of the text match, 0-100


class AvailabilityView(msgspec.Struct, omit_defaults=True):
    paused: bool
    timezone: str
    available: bool
    reason: str = ""  # why not available now
    work_hours: str = ""
    vacation_start: datetime | None = None
    vacation_end: datetime | None = None


class DryRunRow(msgspec.Struct, omit_defaults=True):
    agent: PersonRef
    eligible: bool
    order: int | None = None  # 1 = would get the offer now
    reason: str = ""


class DryRunResult(msgspec.Struct):
    zip: str
    at: datetime
    agents: list[DryRunRow]


class AuditEntry(msgspec.Struct, omit_defaults=True):
    at: datetime
    actor: str
    action: str
    from_status: Status | None = None
    to_status: Status | None = None
    reason: str = ""


# ---------------------------------------------------------------- hub -> client


class HelloResult(msgspec.Struct):
    protocol: int
    server_time: datetime
    person: PersonView
    seq: int  # the person's latest event sequence at this moment
    replay: str  # "none" (no `since`), "events" (missed events follow), or "resync"


class InboxResult(msgspec.Struct):
    seq: int  # events up to this sequence are already reflected in `referrals`
    server_time: datetime
    total: int
    referrals: list[ReferralView]
    unread: dict[str, int] = {}  # referral id -> unread messages in its thread


class ReferralResult(msgspec.Struct):
    referral: ReferralView


class DetailResult(msgspec.Struct):
    referral: ReferralView
    audit: list[AuditEntry]


class ThreadResult(msgspec.Struct):
    referral_id: str
    messages: list[MessageView]


class ReferralsResult(msgspec.Struct):
    referrals: list[ReferralView]


class EmptyArgs(msgspec.Struct, forbid_unknown_fields=True):
    pass


class AgentsResult(msgspec.Struct):
    agents: list[AgentCard]


class InvoiceView(msgspec.Struct):
    id: str
    referral_id: str
    program_id: str
    partner_id: str
    amount: float
    status: str
    created_at: datetime


class InvoicesResult(msgspec.Struct):
    invoices: list[InvoiceView]


class MessageResult(msgspec.Struct):
    message: MessageView


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


class RemovedData(msgspec.Struct, omit_defaults=True):
    """Why a referral left someone's inbox: claimed by another, offer moved on, ..."""

    id: str
    reason: str
    winner: PersonRef | None = None
    at: datetime | None = None


ServerFrame = Reply | Error | Event | Resync

EVENT_UPSERT = "referral.upsert"
EVENT_REMOVED = "referral.removed"
EVENT_MESSAGE = "message.new"  # data: MessageView
MAX_MESSAGE_CHARS = 4000

encoder = msgspec.json.Encoder()
server_frame_decoder = msgspec.json.Decoder(ServerFrame)
request_decoder = msgspec.json.Decoder(Request)


def decode_args(args: dict[str, Any], type_: type[msgspec.Struct]) -> Any:
    """Validate a request's args against its op's struct (raises msgspec.ValidationError)."""
    return msgspec.convert(args, type=type_)


class NotificationArgs(msgspec.Struct, forbid_unknown_fields=True):
    """Per-person e-mail notifications; fields left out stay as they are."""

    email: str | None = None
    offers: bool | None = None  # mail me each new offer
    messages: bool | None = None  # mail me each new message on my threads


class NotificationView(msgspec.Struct):
    email: str
    offers: bool
    messages: bool
    mail_enabled: bool  # whether this hub sends e-mail at all


# ---------------------------------------------------------------- reports and export


class ReportArgs(msgspec.Struct, forbid_unknown_fields=True):
    scope: str = "me"  # "me" | "desk" (the concierge only)
    since: datetime | None = None  # default: 12 weeks before `until`
    until: datetime | None = None  # default: now


class ReportWeek(msgspec.Struct):
    start: datetime
    received: int
    sent: int


class ReportFees(msgspec.Struct):
    """Agent referrals: moves to fee_sent / fee_received in the period and their mean fee percent
    (the amount is a percent of a commission the hub does not know); partner invoices: count, sum."""

    fee_sent: int
    fee_received: int
    mean_fee_percent: float | None
    invoices: int
    invoice_amount: float


class ReportResult(msgspec.Struct):
    """The figures of docs/reports.md for one person (`scope` me) or the whole desk."""

    scope: str
    person: PersonRef | None
    since: datetime
    until: datetime
    weeks: list[ReportWeek]
    received: int
    sent: int
    asked: int
    interested: int
    interest_rate: float | None
    sent_agent: int
    accepted: int
    acceptance_rate: float | None
    awarded: int
    closed: int
    conversion_rate: float | None
    claims: int
    median_claim_seconds: float | None
    earned: ReportFees
    owed: ReportFees


class ExportArgs(msgspec.Struct, forbid_unknown_fields=True):
    what: str  # "referrals" | "audit" | "invoices"
    since: datetime | None = None
    offset: int = 0
    limit: int = 200  # at most 1000 rows a page


class ExportAuditRow(msgspec.Struct, omit_defaults=True):
    referral_id: str
    at: datetime
    actor: str
    action: str
    from_status: Status | None = None
    to_status: Status | None = None
    reason: str = ""


class ExportResult(msgspec.Struct):
    """One page of an export: rows `offset` .. `offset + len(...)` of `total`, oldest first.
    Only the list named by `what` is filled."""

    what: str
    total: int
    offset: int
    referrals: list[ReferralView] = []
    audit: list[ExportAuditRow] = []
    invoices: list[InvoiceView] = []
