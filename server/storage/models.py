"""SQLAlchemy 2 typed models: the hub's whole state.

The schema itself is created and upgraded by the Alembic migrations in `server/storage/migrations`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    literal_column,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from server.storage.base import Base, UTCDateTime
from shared.domain import OfferState, Role


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    brokerage: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    rank_score: Mapped[float] = mapped_column(Float, default=0.0)
    last_offer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    work_start_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    work_end_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    vacation_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    vacation_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    specializations: Mapped[str] = mapped_column(String(300), default="", server_default="")
    languages: Mapped[str] = mapped_column(String(300), default="", server_default="")
    years_experience: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    mail_offers: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    mail_messages: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    zips: Mapped[list[AgentZip]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )
    roles: Mapped[list[PersonRole]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_list(self) -> list[str]:
        """The person's roles as plain strings, always in `Role`'s order."""
        held = {r.role for r in self.roles}
        return [role.value for role in Role if role.value in held]


# the CHECK of `person_roles.role`; migration 0008 writes the same list
ROLE_VALUES = tuple(role.value for role in Role)


class PersonRole(Base):
    """One role a person holds; the database refuses any value not in `shared.domain.Role`."""

    __tablename__ = "person_roles"

    person_id: Mapped[str] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    person: Mapped[Person] = relationship(back_populates="roles")

    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(f"'{value}'" for value in ROLE_VALUES) + ")",
            name="ck_person_roles_role",
        ),
        # every concierge; the agents among a zip code's servers come through the primary key
        Index("ix_person_roles_role", "role", "person_id"),
    )


def has_role(role: Role) -> ColumnElement[bool]:
    """`Person` holds `role`: an EXISTS on `person_roles`, for a WHERE clause."""
    return (
        select(PersonRole.person_id)
        .where(PersonRole.person_id == Person.id, PersonRole.role == role.value)
        .exists()
    )


class AgentZip(Base):
    """A zip code an agent serves; `sponsor` marks the zip codes the agent sponsors."""

    __tablename__ = "agent_zips"

    person_id: Mapped[str] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    zip: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)
    sponsor: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship(back_populates="zips")


class Token(Base):
    """An access token, stored only as its SHA-256 hash."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Program(Base):
    """A vendor's partner program."""

    __tablename__ = "programs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    vendor_id: Mapped[str] = mapped_column(ForeignKey("persons.id"))
    fee_type: Mapped[str] = mapped_column(String(20), default="intro")  # intro | percent
    fee_amount: Mapped[float] = mapped_column(Float, default=0.0)
    claim_window_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)


class AreaWindow(Base):
    """The claim window of appointments in an area: a zip code or a prefix of one (the longest
    prefix matching a referral's zip code wins)."""

    __tablename__ = "area_windows"

    area: Mapped[str] = mapped_column(String(5), primary_key=True)
    claim_window_seconds: Mapped[int] = mapped_column(Integer)


class DirectoryVersion(Base):
    """One row, moved on by every change to people (the triggers of migration 0011), read by
    each hub's directory before a search and by its book of people before each request: a change made anywhere (another hub, the command line) is searched at once."""

    __tablename__ = "directory_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Referral(Base):
    __tablename__ = "referrals"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str | None] = mapped_column(String(20), nullable=True)
    sender_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    receiver_id: Mapped[str | None] = mapped_column(
        ForeignKey("persons.id"), nullable=True, index=True
    )
    program_id: Mapped[str | None] = mapped_column(ForeignKey("programs.id"), nullable=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="")
    zip: Mapped[str] = mapped_column(String(10), default="", index=True)
    price_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    price_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    timeframe: Mapped[str] = mapped_column(String(100), default="")
    intent: Mapped[str] = mapped_column(String(50), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    lead_type: Mapped[str] = mapped_column(String(100), default="")
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    company: Mapped[str] = mapped_column(String(200), default="")
    contact_person: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    title: Mapped[str] = mapped_column(String(100), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    duplicate_of: Mapped[str] = mapped_column(String(40), default="")
    duplicate_reason: Mapped[str] = mapped_column(String(200), default="")
    link: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True, index=True)
    fee_percent: Mapped[float | None] = mapped_column(Float, nullable=True)
    claim_window_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_referrals_kind_status", "kind", "status"),
        Index("ix_referrals_created_at_id", "created_at", "id"),  # the inbox, newest first
    )


class Recipient(Base):
    """An agent an agent referral was sent to, and what that agent answered."""

    __tablename__ = "recipients"

    referral_id: Mapped[str] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), primary_key=True, index=True)
    distance_miles: Mapped[float | None] = mapped_column(Float, nullable=True)
    answer: Mapped[str] = mapped_column(String(20), default="")  # "" | interested | declined
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


_OPEN_VALUE = literal_column(f"'{OfferState.OPEN.value}'")  # in the SQL, not a bound parameter
_OPEN = literal_column("state") == _OPEN_VALUE  # the open-offer index's condition


class Offer(Base):
    """One offer of an appointment to one agent, with its absolute deadline."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(ForeignKey("persons.id"))
    phase: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    why: Mapped[str] = mapped_column(String(300), default="", server_default="")

    __table_args__ = (
        Index("ix_offers_state_deadline", "state", "deadline"),
        # A referral's offers, and one agent's offers of it (a claim). No change of state
        # rewrites it.
        Index("ix_offers_referral_agent", "referral_id", "agent_id"),
        # Every offer an agent was made, for reports: a new offer is appended to its agent's
        # entries, and no change of state rewrites it.
        Index("ix_offers_agent", "agent_id"),
        # The agent's open offers (inbox, audience): only open offers are in it, so opening an
        # appointment to 200 agents and withdrawing it writes a few of its pages instead of one
        # page per agent in an index of every offer ever made (migration 0007).
        Index("ix_offers_open_agent", "agent_id", sqlite_where=_OPEN, postgresql_where=_OPEN),
    )


# `offers.state = 'open'` with the value written into the SQL, as `ix_offers_open_agent` is
# defined. With a bound parameter instead, SQLite can only choose the partial index by preparing
# the statement again for each value bound, and PostgreSQL's generic plans cannot choose it.
OFFER_IS_OPEN = Offer.state == _OPEN_VALUE


class Event(Base):
    """Append-only: one rendered view of one change, as some of its recipients see it."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the event's `data`, JSON encoded


class Delivery(Base):
    """Event `event_id` is number `seq` in person `person_id`'s own sequence."""

    __tablename__ = "deliveries"

    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    # the prune's cascade from an event finds its deliveries by it (migration 0012)
    __table_args__ = (Index("ix_deliveries_event", "event_id"),)


class Audit(Base):
    """Append-only audit log: who, when, from, to, why; contact reveals too. Hash-chained
    (server/events/audit_chain.py); in SQLite, triggers refuse UPDATE and DELETE (migration 0005)."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")  # the entry before's hash
    hash: Mapped[str] = mapped_column(String(64), default="")  # see server/events/audit_chain.py


class Signature(Base):
    """A signature of an agent referral's agreement (fee percent) by its sender or receiver."""

    __tablename__ = "signatures"

    referral_id: Mapped[str] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10))  # sender | receiver
    fee_percent: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Message(Base):
    """One message of a referral's thread."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[str] = mapped_column(ForeignKey("persons.id"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ThreadRead(Base):
    """The last message of a thread a person has read."""

    __tablename__ = "thread_reads"

    referral_id: Mapped[str] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    last_read_id: Mapped[int] = mapped_column(Integer, default=0)


class NetworkGroup(Base):
    """An agent's pre-approved network of agents, for network-mode referrals."""

    __tablename__ = "network_groups"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[str] = mapped_column(
        ForeignKey("network_groups.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), primary_key=True, index=True)


class Customer(Base):
    """A program's existing customer: a partner referral matching it is flagged as a duplicate."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    company: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    website: Mapped[str] = mapped_column(String(200), default="")


class Invoice(Base):
    """A partner's commission invoice, created when the vendor accepts in a fee program."""

    __tablename__ = "invoices"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), unique=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"))
    partner_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    amount: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
