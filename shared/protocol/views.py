"""What the hub shows: a referral as one person may see it (contact fields absent unless
entitled), people, offers, messages, agents, invoices."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.domain import Kind, Mode, OfferPhase, OfferState, Role, Status, Visibility


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


class AuditEntry(msgspec.Struct, omit_defaults=True):
    at: datetime
    actor: str
    action: str
    from_status: Status | None = None
    to_status: Status | None = None
    reason: str = ""


class InvoiceView(msgspec.Struct):
    id: str
    referral_id: str
    program_id: str
    partner_id: str
    amount: float
    status: str
    created_at: datetime


class NotificationView(msgspec.Struct):
    email: str
    offers: bool
    messages: bool
    mail_enabled: bool  # whether this hub sends e-mail at all


class RemovedData(msgspec.Struct, omit_defaults=True):
    """Why a referral left someone's inbox: claimed by another, offer moved on, ..."""

    id: str
    reason: str
    winner: PersonRef | None = None
    at: datetime | None = None
