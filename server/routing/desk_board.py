"""The routing desk's board, read in a few queries however many appointments are live: each
offered appointment's phase, holder, clock, passes and next agent in line; the unclaimed ones;
the active leads and who works them. Areas and lead types only: the board shows no contact."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.routing.eligibility import rank_order
from server.storage.models import AgentZip, Offer, Person, Referral, has_role
from server.views.fields import person_refs
from shared.domain import Kind, OfferPhase, OfferState, Role, Status
from shared.protocol import PersonRef
from shared.protocol.desk import BoardRow, DeskBoard

_LIVE_ACTIVE = (Status.NEW, Status.WORKING)


def _row(ref: Referral, phase: str, **more: object) -> BoardRow:
    return BoardRow(
        id=ref.id, kind=ref.kind, status=ref.status, phase=phase, zip=ref.zip, city=ref.city,  # type: ignore[arg-type]
        lead_type=ref.lead_type, appointment_at=ref.appointment_at, created_at=ref.created_at, **more,
    )


async def board(session: AsyncSession, now: datetime) -> DeskBoard:
    refs = list((await session.execute(
        select(Referral).where(
            ((Referral.kind == Kind.APPOINTMENT) & Referral.status.in_([Status.OFFERED, Status.UNCLAIMED]))
            | ((Referral.kind == Kind.ACTIVE) & Referral.status.in_(_LIVE_ACTIVE))
        )
    )).scalars())
    offered = [r for r in refs if r.kind == Kind.APPOINTMENT and r.status == Status.OFFERED]
    offers: dict[str, list[Offer]] = defaultdict(list)
    if offered:
        for offer in (await session.execute(
            select(Offer).where(Offer.referral_id.in_([r.id for r in offered]))
        )).scalars():
            offers[offer.referral_id].append(offer)
    agents = await _agents_by_zip(session, {r.zip for r in offered})
    names = await person_refs(session, {
        *(o.agent_id for os in offers.values() for o in os if o.state == OfferState.OPEN),
        *(r.receiver_id for r in refs if r.kind == Kind.ACTIVE and r.receiver_id),
    })
    appointments, unclaimed, active = [], [], []
    for ref in refs:
        if ref.kind == Kind.ACTIVE:
            working = [names[ref.receiver_id]] if ref.receiver_id in names else []
            active.append(_row(ref, "working" if ref.status == Status.WORKING else "open", working=working))
        elif ref.status == Status.UNCLAIMED:
            unclaimed.append(_row(ref, "unclaimed"))
        else:
            appointments.append(_appointment(ref, offers[ref.id], agents.get(ref.zip, []), names, now))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    appointments.sort(key=lambda r: (r.deadline or far, r.created_at, r.id))
    unclaimed.sort(key=lambda r: (r.created_at, r.id))
    active.sort(key=lambda r: (r.created_at, r.id))
    return DeskBoard(server_time=now, appointments=appointments, unclaimed=unclaimed, active=active)


def _appointment(
    ref: Referral, offers: list[Offer], area: list[Person], names: dict[str, PersonRef], now: datetime
) -> BoardRow:
    open_now = [o for o in offers if o.state == OfferState.OPEN]
    passes = sum(o.state == OfferState.PASSED for o in offers)
    expired = sum(o.state == OfferState.EXPIRED for o in offers)
    if not open_now:
        return _row(ref, "waiting", passes=passes, expired=expired)
    deadline = min(o.deadline for o in open_now)
    if open_now[0].phase == OfferPhase.OPEN:
        return _row(ref, "open", offered_to=len(open_now), deadline=deadline, passes=passes, expired=expired)
    holder = names.get(open_now[0].agent_id)
    candidates = [a for a in area if a.id != ref.sender_id]
    after = rank_order(candidates, now, exclude={o.agent_id for o in offers})
    next_agent = PersonRef(id=after[0].id, name=after[0].name, brokerage=after[0].brokerage) if after else None
    return _row(ref, "ranked", holder=holder, deadline=deadline, passes=passes, expired=expired,
                next_agent=next_agent)


async def _agents_by_zip(session: AsyncSession, zips: set[str]) -> dict[str, list[Person]]:
    if not zips:
        return {}
    rows = await session.execute(
        select(AgentZip.zip, Person).join(Person, Person.id == AgentZip.person_id)
        .where(AgentZip.zip.in_(zips), has_role(Role.AGENT))
    )
    by_zip: dict[str, list[Person]] = defaultdict(list)
    for zip_code, person in rows:
        by_zip[zip_code].append(person)
    return by_zip
