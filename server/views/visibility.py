"""Who sees a referral, how much of it, and what they may do with it (docs/domain.md,
"Who sees the client's contact" and "Status lifecycle").

Pure functions over a referral row and the facts around it; `server.views.audience` loads the facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from server.storage.models import Recipient, Referral
from shared.domain import Kind, Mode, OfferState, Status, Visibility
from shared.lifecycle import Party, allowed_moves

# Moves made through their own operation (claim, interest, signatures, ...), not through `move`.
DEDICATED_MOVES: frozenset[tuple[Kind, Status, Status]] = frozenset(
    {
        (Kind.AGENT, Status.DRAFT, Status.NEW),  # send: with a mode and its receivers
        (Kind.AGENT, Status.NEW, Status.ACCEPTED),
        (Kind.AGENT, Status.ACCEPTED, Status.PENDING),
        (Kind.AGENT, Status.PENDING, Status.AWARDED),
        (Kind.PARTNER, Status.PENDING, Status.ACCEPTED),  # accept: with its intro-fee invoice
        (Kind.APPOINTMENT, Status.OFFERED, Status.AWARDED),
        (Kind.APPOINTMENT, Status.OFFERED, Status.UNCLAIMED),
        (Kind.APPOINTMENT, Status.UNCLAIMED, Status.OFFERED),  # desk.reopen
        (Kind.APPOINTMENT, Status.UNCLAIMED, Status.AWARDED),  # desk.assign
        (Kind.ACTIVE, Status.NEW, Status.WORKING),
    }
)


THREAD_PARTIES = frozenset({Party.SENDER, Party.RECEIVER, Party.VENDOR, Party.CONCIERGE})


def _agent_actions(
    ref: Referral, person_id: str, facts: RefFacts, parties: set[Party]
) -> list[str]:
    """What one person may do to an agent referral now; adds CANDIDATE to `parties`."""
    status = Status(ref.status)
    if Party.SENDER in parties:
        if status == Status.DRAFT:
            return ["edit", "send"]
        actions = []
        if ref.mode == Mode.PRIVATE and status in (Status.NEW, Status.ACCEPTED):
            actions.append("add_receivers")
        if status == Status.ACCEPTED:
            actions.append("pick")
        if status == Status.PENDING and person_id not in facts.signed:
            actions.append("sign")
        return actions
    if Party.RECEIVER in parties:
        return ["sign"] if status == Status.PENDING and person_id not in facts.signed else []
    recipient = facts.recipients.get(person_id)
    reachable = recipient is not None or (
        ref.mode == Mode.OPEN and (person_id in facts.zip_servers or person_id == facts.link_viewer)
    )
    if status not in (Status.NEW, Status.ACCEPTED) or not reachable:
        return []
    if recipient is not None and recipient.answer == "declined":
        return []
    parties.add(Party.CANDIDATE)
    return ["interest", "decline"] if recipient is None or not recipient.answer else []


class OpenOffer(Protocol):
    """What the rules and the views read of an offer: an `Offer` row, or just these columns
    (`server.views.audience.OFFER_COLUMNS`), which cost far less to load for 200 offers."""

    @property
    def agent_id(self) -> str: ...
    @property
    def phase(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def offered_at(self) -> datetime: ...
    @property
    def deadline(self) -> datetime: ...
    @property
    def why(self) -> str: ...


@dataclass
class RefFacts:
    """What is known around one referral, for the people being considered."""

    concierges: set[str] = field(default_factory=set)
    zip_servers: dict[str, bool] = field(default_factory=dict)  # person -> sponsors the zip
    offers: dict[str, OpenOffer] = field(default_factory=dict)  # person -> open offer
    recipients: dict[str, Recipient] = field(default_factory=dict)
    vendor_id: str | None = None
    signed: set[str] = field(default_factory=set)  # people who signed the agreement
    link_viewer: str | None = None  # an agent who opened an open referral by its link

    def candidates(self, ref: Referral) -> set[str]:
        people = {ref.sender_id, *self.concierges, *self.offers, *self.recipients}
        if ref.receiver_id:
            people.add(ref.receiver_id)
        if self.vendor_id:
            people.add(self.vendor_id)
        if ref.kind == Kind.ACTIVE or (ref.kind == Kind.AGENT and ref.mode == Mode.OPEN):
            people.update(self.zip_servers)
        if self.link_viewer:
            people.add(self.link_viewer)
        return people


@dataclass(frozen=True)
class Viewer:
    person_id: str
    visibility: Visibility
    parties: frozenset[Party]
    offer: OpenOffer | None = None
    actions: tuple[str, ...] = ()
    moves: tuple[Status, ...] = ()

    def key(self) -> tuple[object, ...]:
        """Viewers with equal keys see byte-identical views."""
        offer = self.offer
        offer_key = (
            (offer.phase, offer.state, offer.offered_at, offer.deadline, offer.why) if offer else None
        )
        return (self.visibility, offer_key, self.actions, self.moves, Party.SENDER in self.parties)


def viewer_of(ref: Referral, person_id: str, facts: RefFacts) -> Viewer | None:
    """How `person_id` sees `ref`, or None when the referral is not theirs to see."""
    kind = Kind(ref.kind)
    status = Status(ref.status)
    parties: set[Party] = set()
    if ref.sender_id == person_id:
        parties.add(Party.SENDER)
    if ref.receiver_id == person_id:
        parties.add(Party.RECEIVER)
    concierge = person_id in facts.concierges and kind in (Kind.APPOINTMENT, Kind.ACTIVE)
    if concierge:
        parties.update({Party.CONCIERGE, Party.SENDER})
    offer = facts.offers.get(person_id)
    actions: list[str] = []

    if kind == Kind.APPOINTMENT:
        if offer is not None and offer.state == OfferState.OPEN and status == Status.OFFERED:
            parties.add(Party.CANDIDATE)
            actions = ["claim", "pass"]
        else:
            offer = None
        full = bool(parties & {Party.SENDER, Party.RECEIVER})
        visibility = Visibility.FULL if full else Visibility.AREA_ONLY
    elif kind == Kind.ACTIVE:
        if person_id in facts.zip_servers and status == Status.NEW:
            parties.add(Party.CANDIDATE)
            actions = ["work"]
        sponsor = facts.zip_servers.get(person_id, False)
        full = concierge or Party.SENDER in parties or sponsor
        visibility = Visibility.FULL if full else Visibility.NAME_ADDRESS
    elif kind == Kind.AGENT:
        actions = _agent_actions(ref, person_id, facts, parties)
        awarded_receiver = Party.RECEIVER in parties and ref.awarded_at is not None
        full = Party.SENDER in parties or awarded_receiver
        visibility = Visibility.FULL if full else Visibility.MASKED
    else:  # partner
        if facts.vendor_id == person_id:
            parties.add(Party.VENDOR)
            if status == Status.PENDING:
                actions = ["accept", "reject", "archive"]
            elif status == Status.ACCEPTED:
                actions = ["archive"]  # accepted -> archived (docs/domain.md, "Lifecycle of partner referrals")
        visibility = Visibility.FULL

    if not parties:
        return None
    if parties & THREAD_PARTIES:
        actions.append("message")
    frozen = frozenset(parties)
    moves = tuple(
        to
        for to in allowed_moves(kind, status, frozen)
        if (kind, status, to) not in DEDICATED_MOVES
    )
    return Viewer(person_id, visibility, frozen, offer, tuple(actions), moves)


def audience(ref: Referral, facts: RefFacts) -> dict[str, Viewer]:
    """Everyone who may see `ref` now, with how they see it."""
    if ref.kind == Kind.APPOINTMENT:
        return _appointment_audience(ref, facts)
    viewers = {}
    for person_id in facts.candidates(ref):
        viewer = viewer_of(ref, person_id, facts)
        if viewer is not None:
            viewers[person_id] = viewer
    return viewers


def _appointment_audience(ref: Referral, facts: RefFacts) -> dict[str, Viewer]:
    """`audience` of an appointment, `viewer_of` worked out once per kind of viewer: how a
    person sees one depends only on whether they sent it, received it, are a concierge and hold
    an open offer of it (the 200 agents it is open to all see it alike, but for their offer)."""
    shapes: dict[tuple[bool, bool, bool, bool], Viewer | None] = {}
    viewers = {}
    for person_id in facts.candidates(ref):
        offer = facts.offers.get(person_id)
        holds = offer is not None and offer.state == OfferState.OPEN
        key = (person_id == ref.sender_id, person_id == ref.receiver_id,
               person_id in facts.concierges, holds)
        if key not in shapes:
            shapes[key] = viewer_of(ref, person_id, facts)
        shape = shapes[key]
        if shape is None:
            continue
        if shape.person_id != person_id:
            shape = Viewer(person_id, shape.visibility, shape.parties,
                           offer if shape.offer is not None else None, shape.actions, shape.moves)
        viewers[person_id] = shape
    return viewers

