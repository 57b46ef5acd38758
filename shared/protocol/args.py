"""What each operation takes: the `args` of a request, validated with msgspec."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from shared.domain import Kind, Mode, Status
from shared.inbox_query import MAX_PAGE

MAX_OPEN_SEARCH = 1000  # the most open referrals one `open.search` answers with
MAX_AGENT_SEARCH = 500  # the most agents one `agents.search` answers with
Offset = Annotated[int, msgspec.Meta(ge=0, le=2**31)]  # a row number; SQLite's is 64-bit


def page_limit(maximum: int) -> Any:
    """A `limit` argument: at least 1, at most `maximum`; a bigger one is refused, not clamped."""
    return Annotated[int, msgspec.Meta(ge=1, le=maximum)]


class EmptyArgs(msgspec.Struct, forbid_unknown_fields=True):
    pass


class HelloArgs(msgspec.Struct, forbid_unknown_fields=True):
    since: int | None = None  # the last event sequence this client saw
    client: str = ""


class InboxArgs(msgspec.Struct, forbid_unknown_fields=True):
    """One page of the inbox: rows `offset` to `offset + limit` of a view, filtered by `filter`
    (the app's `/` text: words, `kind:`, `status:`), deadlines first, then newest first."""

    limit: page_limit(MAX_PAGE) = 1000
    offset: Offset = 0
    view: Literal["all", "inbound", "outbound", "archived"] = "all"
    filter: str = ""


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
    limit: page_limit(MAX_OPEN_SEARCH) = 200


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
    limit: page_limit(MAX_AGENT_SEARCH) = 50


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


class NotificationArgs(msgspec.Struct, forbid_unknown_fields=True):
    """Per-person e-mail notifications; fields left out stay as they are."""

    email: str | None = None
    offers: bool | None = None  # mail me each new offer
    messages: bool | None = None  # mail me each new message on my threads


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
