"""Domain vocabulary shared by the hub and the terminal app.

Plain enums and constants only: no I/O, no framework imports.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """The four kinds of referral (docs/domain.md, "Four kinds of referral")."""

    AGENT = "agent"
    PARTNER = "partner"
    APPOINTMENT = "appointment"
    ACTIVE = "active"


class Mode(StrEnum):
    """How an agent referral is sent."""

    PRIVATE = "private"
    NETWORK = "network"
    OPEN = "open"


class Role(StrEnum):
    AGENT = "agent"
    PARTNER = "partner"
    VENDOR = "vendor"
    CONCIERGE = "concierge"


class Status(StrEnum):
    DRAFT = "draft"
    NEW = "new"
    ACCEPTED = "accepted"
    PENDING = "pending"
    AWARDED = "awarded"
    WORKING = "working"
    IN_ESCROW = "in_escrow"
    FEE_SENT = "fee_sent"
    FEE_RECEIVED = "fee_received"
    CLOSED = "closed"
    LOST = "lost"
    ARCHIVED = "archived"
    REJECTED = "rejected"
    OFFERED = "offered"
    UNCLAIMED = "unclaimed"


class OfferState(StrEnum):
    """The state of one offer of an appointment to one agent."""

    OPEN = "open"
    CLAIMED = "claimed"
    PASSED = "passed"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class OfferPhase(StrEnum):
    RANKED = "ranked"  # offered to one agent at a time, in rank order
    OPEN = "open"  # rank list exhausted: open to every eligible agent, first claim wins


class Visibility(StrEnum):
    """How much of a referral one person may see (docs/domain.md, "Who sees the client's contact")."""

    FULL = "full"  # contact included
    NAME_ADDRESS = "name_address"  # active lead, eligible agent who does not sponsor the zip
    MASKED = "masked"  # first name, last initial, city, zip, price, timeframe, intent, notes
    AREA_ONLY = "area_only"  # appointment before the claim: area, lead type and time only


# Fields that are contact details. They leave the hub only towards a person entitled to them.
CONTACT_FIELDS: frozenset[str] = frozenset(
    {"email", "phone", "street", "contact_email", "contact_phone"}
)

DEFAULT_FEE_PERCENT = 25.0
DEFAULT_CLAIM_WINDOW_SECONDS = 30 * 60
