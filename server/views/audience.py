"""Load the facts `server.views.visibility` needs: for one referral and everyone, or one person and many
referrals (the inbox)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.id_lists import among
from server.storage.models import (
    OFFER_IS_OPEN,
    AgentZip,
    Offer,
    Person,
    PersonRole,
    Program,
    Recipient,
    Referral,
    Signature,
)
from server.views.visibility import RefFacts, Viewer, audience, viewer_of
from shared.domain import Kind, Mode, OfferState, Role, Status

_OFFERS = Offer.__table__.c
# the columns of an open offer the rules and views read, loaded without building `Offer` objects
# (the table's own columns: a statement of them runs as plain SQL, with no ORM loading)
OFFER_COLUMNS = (
    _OFFERS.referral_id, _OFFERS.agent_id, _OFFERS.phase, _OFFERS.state, _OFFERS.offered_at,
    _OFFERS.deadline, _OFFERS.why,
)
# the statements every change of an appointment runs (its audience before and after), built
# once: built on each call they cost the writer more of the interpreter than SQLite spent on them
_CONCIERGES = select(PersonRole.__table__.c.person_id).where(
    PersonRole.__table__.c.role == Role.CONCIERGE.value
)
# the open offers of the referrals whose ids are bound to `ids` (server/storage/id_lists.py)
OPEN_OFFERS_OF = select(*OFFER_COLUMNS).where(
    among(_OFFERS.referral_id, "ids"), _OFFERS.state == OfferState.OPEN.value
)
_ZIPS = AgentZip.__table__.c
_ZIP_SERVERS = select(_ZIPS.person_id, _ZIPS.sponsor).where(_ZIPS.zip == bindparam("zip"))


async def concierge_ids(session: AsyncSession) -> set[str]:
    """The concierges, read once per session: roles are given when a person is created (in a
    session of its own), so a transaction that asks before and after a change reads them once."""
    known = session.info.get("concierge_ids")
    if known is None:
        rows = await session.execute(_CONCIERGES)
        known = session.info["concierge_ids"] = frozenset(pid for (pid,) in rows)
    return set(known)


async def facts_for(session: AsyncSession, ref: Referral) -> RefFacts:
    """Every fact about `ref` for every person who might see it."""
    facts = RefFacts()
    kind = Kind(ref.kind)
    if kind in (Kind.APPOINTMENT, Kind.ACTIVE):
        facts.concierges = await concierge_ids(session)
    if kind == Kind.APPOINTMENT:
        offers = await session.execute(OPEN_OFFERS_OF, {"ids": [ref.id]})
        facts.offers = {o.agent_id: o for o in offers}
    if kind == Kind.ACTIVE or (kind == Kind.AGENT and ref.mode == Mode.OPEN):
        rows = await session.execute(_ZIP_SERVERS, {"zip": ref.zip})
        facts.zip_servers = {pid: sponsor for pid, sponsor in rows}
    if kind == Kind.AGENT:
        recipients = await session.execute(select(Recipient).where(Recipient.referral_id == ref.id))
        facts.recipients = {r.person_id: r for r in recipients.scalars()}
        signed = await session.execute(
            select(Signature.person_id).where(Signature.referral_id == ref.id)
        )
        facts.signed = set(signed.scalars())
    if kind == Kind.PARTNER and ref.program_id:
        facts.vendor_id = await session.scalar(
            select(Program.vendor_id).where(Program.id == ref.program_id)
        )
    return facts


async def audience_of(session: AsyncSession, ref: Referral) -> dict[str, Viewer]:
    return audience(ref, await facts_for(session, ref))


async def viewer_for(
    session: AsyncSession, ref: Referral, person_id: str, *, by_link: bool = False
) -> Viewer | None:
    """How one person sees `ref`; `by_link` for an agent who opened it by its shareable link."""
    facts = await facts_for(session, ref)
    if by_link:
        facts.link_viewer = person_id
    return viewer_of(ref, person_id, facts)


async def visible_referrals(
    session: AsyncSession, person: Person, limit: int | None = None
) -> list[tuple[Referral, Viewer]]:
    """The referrals `person` may see, each with how they see it."""
    pid = person.id
    concierge = "concierge" in person.role_list
    zips = {z.zip: z.sponsor for z in person.zips}
    open_offers = select(Offer.referral_id).where(
        Offer.agent_id == pid, OFFER_IS_OPEN
    )
    my_recipient = select(Recipient.referral_id).where(Recipient.person_id == pid)
    my_programs = select(Program.id).where(Program.vendor_id == pid)
    conditions = [
        Referral.sender_id == pid,
        Referral.receiver_id == pid,
        Referral.id.in_(open_offers),
        Referral.id.in_(my_recipient),
        Referral.program_id.in_(my_programs),
    ]
    if zips:
        conditions.append(
            and_(Referral.kind == Kind.ACTIVE, Referral.status == Status.NEW, Referral.zip.in_(zips))
        )
        conditions.append(
            and_(
                Referral.kind == Kind.AGENT,
                Referral.mode == Mode.OPEN,
                Referral.status.in_([Status.NEW, Status.ACCEPTED]),
                Referral.zip.in_(zips),
            )
        )
    if concierge:
        conditions.append(Referral.kind.in_([Kind.APPOINTMENT, Kind.ACTIVE]))
    query = select(Referral).where(or_(*conditions)).order_by(Referral.updated_at.desc())
    if limit is not None:
        query = query.limit(limit)
    refs: Sequence[Referral] = (await session.execute(query)).scalars().all()
    return await viewers_of(session, person, refs)


async def viewers_of(
    session: AsyncSession, person: Person, refs: Sequence[Referral]
) -> list[tuple[Referral, Viewer]]:
    """How `person` sees each of `refs` (those they may not see are left out), with the facts
    about that one person loaded in a few queries."""
    pid = person.id
    concierge = "concierge" in person.role_list
    zips = {z.zip: z.sponsor for z in person.zips}
    my_programs = select(Program.id).where(Program.vendor_id == pid)
    ids = [r.id for r in refs]
    offers = {
        o.referral_id: o
        for o in (
            await session.execute(
                select(*OFFER_COLUMNS).where(
                    Offer.agent_id == pid, OFFER_IS_OPEN, Offer.referral_id.in_(ids)
                )
            )
        )
    }
    recipients = {
        r.referral_id: r
        for r in (
            await session.execute(
                select(Recipient).where(Recipient.person_id == pid, Recipient.referral_id.in_(ids))
            )
        ).scalars()
    }
    vendor_programs = set((await session.execute(my_programs)).scalars())
    signed = set(
        (
            await session.execute(
                select(Signature.referral_id).where(
                    Signature.person_id == pid, Signature.referral_id.in_(ids)
                )
            )
        ).scalars()
    )
    result = []
    for ref in refs:
        facts = RefFacts(
            concierges={pid} if concierge else set(),
            zip_servers={pid: zips[ref.zip]} if ref.zip in zips else {},
            offers={pid: offers[ref.id]} if ref.id in offers else {},
            recipients={pid: recipients[ref.id]} if ref.id in recipients else {},
            vendor_id=pid if ref.program_id in vendor_programs else None,
            signed={pid} if ref.id in signed else set(),
        )
        viewer = viewer_of(ref, pid, facts)
        if viewer is not None:
            result.append((ref, viewer))
    return result
