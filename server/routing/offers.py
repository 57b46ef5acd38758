"""Appointment routing and claim clocks (docs/domain.md, "Appointments" and "Claim clocks").

An appointment is offered to one eligible agent at a time, in rank order, each offer with an
absolute deadline stored in the database. A pass or a timeout moves it to the next eligible agent;
when the rank list is exhausted it opens to every eligible agent (first claim wins); if none
claims, it goes back to the concierge as unclaimed.

All functions run inside the hub's single write transaction (`Tx`), so "check, then update" is
safe; the conditional UPDATE in `claim` is kept as a second guard for multi-hub PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from server.errors import HubError
from server.events.awards import Award, AwardBook
from server.events.transaction import Tx
from server.routing.areas import AreaAgent, Areas
from server.routing.eligibility import rank_order, why_line
from server.storage.id_lists import among
from server.storage.models import Offer, Person, Referral, UTCDateTime
from server.views.audience import OFFER_COLUMNS, viewer_for
from server.views.fields import person_refs
from server.views.visibility import OpenOffer
from shared.domain import Kind, OfferPhase, OfferState, Status
from shared.protocol import ErrorCode, PersonRef

HUB_ACTOR = "hub"
# the statements of every offer and claim, built once (built on each call, they cost the writer
# more of the interpreter than SQLite spent running them)
_ALL_OFFERS_OF = select(*OFFER_COLUMNS).where(Offer.__table__.c.referral_id == bindparam("ref_id"))
_MY_OFFERS = (
    select(Offer)
    .where(Offer.referral_id == bindparam("ref_id"), Offer.agent_id == bindparam("agent_id"))
    .order_by(Offer.id.desc())
)


async def _offers(tx: Tx, ref: Referral) -> list[OpenOffer]:
    """Every offer of `ref`, as the columns routing reads (not 200 `Offer` objects)."""
    return list(await tx.session.execute(_ALL_OFFERS_OF, {"ref_id": ref.id}))


def _offer_mail(tx: Tx, ref: Referral, agents: list[AreaAgent], deadline: datetime, why: str) -> None:
    """The e-mail notice of a new offer, written once for all the agents offered it."""
    if not tx.mailing:
        return
    where = " ".join(part for part in (ref.city, ref.zip) if part)
    subject = f"New offer {ref.id}: {ref.lead_type or ref.kind} in {where}"
    body = (
        f"You have been offered appointment {ref.id} ({ref.lead_type or 'appointment'}, {where}).\n"
        f"Claim it before {deadline:%Y-%m-%d %H:%M} UTC in the triage app.\n\nWhy you: {why}\n"
    )
    for agent in agents:
        tx.mail(agent.id, "offer", subject, body)


def _new_offer(
    tx: Tx, ref: Referral, agent: AreaAgent, phase: OfferPhase, window: int, why: str
) -> Offer:
    deadline = tx.now + timedelta(seconds=window)
    tx.offered([agent.id])  # stored at the end of the transaction
    agent.last_offer_at = tx.now  # ranks later in this transaction see it
    _offer_mail(tx, ref, [agent], deadline, why)
    tx.new_deadline(deadline)
    offer = Offer(referral_id=ref.id, agent_id=agent.id, phase=phase, state=OfferState.OPEN,
                  offered_at=tx.now, deadline=deadline, why=why)
    tx.session.add(offer)
    return offer


async def _new_offers(
    tx: Tx, ref: Referral, agents: list[AreaAgent], phase: OfferPhase, window: int, why: str
) -> None:
    """Offers to many agents in one INSERT ... SELECT and their last offer time in one UPDATE:
    the ORM wrote (and type-converted) each row on its own, 30 ms for 200 agents."""
    deadline = tx.now + timedelta(seconds=window)
    _offer_mail(tx, ref, agents, deadline, why)
    tx.new_deadline(deadline)
    ids = [agent.id for agent in agents]
    offers = select(
        literal(ref.id), Person.id, literal(phase), literal(OfferState.OPEN),
        literal(tx.now, UTCDateTime()), literal(deadline, UTCDateTime()), literal(why),
    ).where(among(Person.id, "ids", ids))
    columns = ["referral_id", "agent_id", "phase", "state", "offered_at", "deadline", "why"]
    await tx.session.execute(insert(Offer).from_select(columns, offers))
    tx.offered(ids)
    for agent in agents:
        agent.last_offer_at = tx.now


async def offer_next(
    tx: Tx,
    ref: Referral,
    default_window: int,
    *,
    offers: Sequence[OpenOffer] | None = None,
    areas: Areas | None = None,
) -> None:
    """Offer `ref` to whoever is next; open it to all, or mark it unclaimed, when no one is.

    While no eligible agent of the area is available (paused, off hours, on vacation) the
    appointment waits without a running clock; `resume_waiting` offers it once someone is.
    `offers` (all of `ref`'s offers) and `areas` let a caller moving many referrals on load
    them once for all.
    """
    window = ref.claim_window_seconds or default_window
    if offers is None:
        offers = await _offers(tx, ref)
    if any(o.state == OfferState.OPEN for o in offers):
        return
    if not any(o.phase == OfferPhase.OPEN for o in offers):
        agents = await (areas or Areas(tx.session)).agents_for(ref)
        ranked = rank_order(agents, tx.now, exclude={o.agent_id for o in offers})
        if ranked:
            first = ranked[0]
            why = why_line(first, tx.now, ref.zip, len(ranked) - 1)
            _new_offer(tx, ref, first, OfferPhase.RANKED, window, why)
            tx.audit(ref, HUB_ACTOR, "offered", reason=f"offered to {first.name}: {why}")
            return
        passed = {o.agent_id for o in offers if o.state == OfferState.PASSED}
        everyone = rank_order(agents, tx.now, exclude=passed)
        if everyone:
            why = f"rank list exhausted: open to all {len(everyone)} eligible agents, first claim wins"
            await _new_offers(tx, ref, everyone, OfferPhase.OPEN, window, why)
            tx.audit(ref, HUB_ACTOR, "opened", reason=why)
            return
        if any(a.id not in passed for a in agents):
            tx.audit(ref, HUB_ACTOR, "waiting", reason="no eligible agent is available now")
            return
    tx.audit(ref, HUB_ACTOR, "status", ref.status, Status.UNCLAIMED, "no eligible agent claimed it")
    ref.status = Status.UNCLAIMED


async def reopen(tx: Tx, ref: Referral, actor: Person, window: int) -> int:
    """The desk offers an unclaimed appointment again: open to every eligible agent of its
    area at once, first claim wins, with a fresh clock; how many it is open to (none: it stays
    unclaimed and the desk is told why)."""
    agents = await Areas(tx.session).agents_for(ref)
    everyone = rank_order(agents, tx.now)
    if not everyone:
        raise HubError(ErrorCode.BAD_REQUEST, f"no agent of {ref.zip} is available now; hand it to one instead",
                       field="id")
    await tx.touch(ref)
    why = f"reopened by the desk: open to all {len(everyone)} eligible agents, first claim wins"
    tx.audit(ref, actor.id, "reopened", ref.status, Status.OFFERED, why)
    ref.status, ref.updated_at = Status.OFFERED, tx.now
    await _new_offers(tx, ref, everyone, OfferPhase.OPEN, ref.claim_window_seconds or window, why)
    return len(everyone)


async def _load_offer_ref(tx: Tx, ref_id: str) -> Referral:
    ref = await tx.referral(ref_id)
    if ref is None or ref.kind != Kind.APPOINTMENT:
        raise HubError(ErrorCode.NOT_FOUND, f"no appointment {ref_id}")
    return ref


async def _my_offer(tx: Tx, ref: Referral, agent_id: str) -> Offer:
    """The agent's open offer of `ref`, or the error that says why there is none."""
    learned: list[Award] = []
    try:
        return await _open_offer_of(tx.session, ref, agent_id, tx.now, learned)
    finally:
        if tx.awards is not None:
            tx.awards.record(learned)


async def refused_at_once(
    session: AsyncSession, ref_id: str, agent_id: str, now: datetime, learned: list[Award] | None = None
) -> None:
    """Raise the error a claim of `ref_id` would get, if committed rows already say it fails
    (not offered to the agent, expired, won by someone else, no such appointment): such a claim
    is answered from a read, without waiting for the writer. One that may win goes on. An award
    found in the database is added to `learned`, for the hub's book."""
    ref = await session.get(Referral, ref_id)
    if ref is None or ref.kind != Kind.APPOINTMENT:
        raise HubError(ErrorCode.NOT_FOUND, f"no appointment {ref_id}")
    await _open_offer_of(session, ref, agent_id, now, learned)


async def _open_offer_of(
    session: AsyncSession, ref: Referral, agent_id: str, now: datetime, learned: list[Award] | None = None
) -> Offer:
    rows = await session.execute(_MY_OFFERS, {"ref_id": ref.id, "agent_id": agent_id})
    mine = list(rows.scalars())
    if not mine and await viewer_for(session, ref, agent_id) is None:
        raise HubError(ErrorCode.NOT_FOUND, f"no appointment {ref.id}")  # as for an unknown id
    if mine and mine[0].state == OfferState.WITHDRAWN and not ref.receiver_id:
        # on PostgreSQL each statement of a read sees what was committed when it began: the
        # award that withdrew this offer may have committed between the referral's read and
        # this one, and the referral read again names its winner (the racer lost; it was offered)
        await session.refresh(ref)
    if ref.receiver_id and ref.receiver_id != agent_id:
        winner = (await person_refs(session, {ref.receiver_id}))[ref.receiver_id]
        if learned is not None and ref.awarded_at is not None:
            learned.append(await _award_found(session, ref, winner))
        raise _claim_lost(ref.id, winner, ref.awarded_at)
    open_offer = next((o for o in mine if o.state == OfferState.OPEN), None)
    if open_offer is None:
        if mine and mine[0].state == OfferState.EXPIRED:
            raise HubError(
                ErrorCode.CLAIM_EXPIRED,
                f"your offer of {ref.id} expired at {mine[0].deadline.isoformat(timespec='seconds')}",
                deadline=mine[0].deadline,
            )
        raise HubError(
            ErrorCode.NOT_OFFERED,
            f"{ref.id} is not offered to you (status {ref.status})",
            status=ref.status,
        )
    if open_offer.deadline <= now:
        raise HubError(
            ErrorCode.CLAIM_EXPIRED,
            f"your offer of {ref.id} expired at {open_offer.deadline.isoformat(timespec='seconds')}",
            deadline=open_offer.deadline,
        )
    return open_offer


async def _award_found(session: AsyncSession, ref: Referral, winner: PersonRef) -> Award:
    """An award this hub did not make (another hub's, or one from before it started), for its
    book: the claims racing behind this one are then answered lost at once, not each with a
    trip to the database. Its contenders are everyone who held an offer of it."""
    held = await session.execute(select(Offer.agent_id).where(Offer.referral_id == ref.id).distinct())
    assert ref.awarded_at is not None
    return Award(ref.id, winner, ref.awarded_at.astimezone(timezone.utc), frozenset(held.scalars()))


def _claim_lost(ref_id: str, winner: PersonRef, awarded_at: datetime | None) -> HubError:
    """`details.at` is a wire time like every other (msgspec's ISO 8601 with a Z), or null."""
    said = f" at {awarded_at.isoformat(timespec='seconds')}" if awarded_at else ""
    return HubError(
        ErrorCode.CLAIM_LOST,
        f"{winner.name} claimed {ref_id}{said}",
        winner={"id": winner.id, "name": winner.name},
        at=awarded_at,
    )


def lost_already(awards: AwardBook | None, ref_id: str, agent_id: str) -> None:
    """Raise claim_lost if the hub's book of committed awards has `ref_id` won by someone else."""
    known = awards.get(ref_id) if awards is not None else None
    if known is not None and known.winner.id != agent_id:
        if agent_id not in known.contenders:
            raise HubError(ErrorCode.NOT_FOUND, f"no appointment {ref_id}")  # a stranger to it
        raise _claim_lost(ref_id, known.winner, known.at)


async def claim(tx: Tx, ref_id: str, agent: Person) -> Referral:
    """Award `ref_id` to `agent` if the agent holds an open, unexpired offer and no one won yet.

    A claim of an appointment the hub has already seen won by someone else is lost at once,
    without the database: a storm of claims for one offer costs one transaction, not twenty."""
    lost_already(tx.awards, ref_id, agent.id)
    ref = await _load_offer_ref(tx, ref_id)
    offer = await _my_offer(tx, ref, agent.id)
    winner = PersonRef(id=agent.id, name=agent.name, brokerage=agent.brokerage)  # as read for this request
    await tx.touch(
        ref,
        reason=f"claimed by {agent.name} at {tx.now.isoformat(timespec='seconds')}",
        winner=winner,
    )
    # the conditional UPDATE below stores the touch's time with the award; flushed first as a
    # change of its own, it was an UPDATE more of the same row
    set_committed_value(ref, "updated_at", tx.now)
    won = await tx.session.execute(
        update(Referral)
        .where(Referral.id == ref.id, Referral.status == Status.OFFERED)
        .values(status=Status.AWARDED, receiver_id=agent.id, awarded_at=tx.now, updated_at=tx.now)
        .execution_options(synchronize_session="fetch")
    )
    if won.rowcount != 1:
        await tx.session.refresh(ref)
        await _my_offer(tx, ref, agent.id)  # raises claim_lost with the winner
        raise HubError(ErrorCode.CLAIM_LOST, f"{ref.id} is no longer on offer")
    # the fetch-synchronized UPDATE has set the new status, receiver and times on `ref`
    offer.state = OfferState.CLAIMED
    offer.closed_at = tx.now
    await tx.session.execute(
        update(Offer)
        .where(Offer.referral_id == ref.id, Offer.state == OfferState.OPEN)
        .values(state=OfferState.WITHDRAWN, closed_at=tx.now)
        # the offers this session holds are matched in Python: no RETURNING of 199 ids
        .execution_options(synchronize_session="evaluate")
    )
    tx.audit(ref, agent.id, "claimed", Status.OFFERED, Status.AWARDED)
    contenders = frozenset(tx.audience_before(ref.id))  # who saw it on offer: told who won
    tx.won(Award(ref.id, winner, tx.now.astimezone(timezone.utc), contenders))
    return ref


async def pass_offer(tx: Tx, ref_id: str, agent: Person, reason: str, window: int) -> Referral:
    ref = await _load_offer_ref(tx, ref_id)
    offer = await _my_offer(tx, ref, agent.id)
    await tx.touch(ref, reason="you passed")
    offer.state = OfferState.PASSED
    offer.closed_at = tx.now
    tx.audit(ref, agent.id, "passed", reason=reason)
    await tx.session.flush()
    await offer_next(tx, ref, window)
    return ref


async def expire_overdue(tx: Tx, window: int) -> int:
    """Expire every open offer whose deadline has passed and move its referral on.

    The referrals, their offers, their audiences and their areas' agents are loaded once for
    all of them, so a start after a long stop moves a thousand overdue offers on in seconds."""
    due = (Offer.state == OfferState.OPEN, Offer.deadline <= tx.now)
    ref_ids = list((await tx.session.execute(select(Offer.referral_id).where(*due).distinct())).scalars())
    if not ref_ids:
        return 0
    # lock them first, then read their overdue offers again: a claim or pass that another hub
    # committed meanwhile is seen, never overwritten
    refs = await tx.lock_referrals(ref_ids)
    rows = await tx.session.execute(
        select(Offer).where(*due, Offer.referral_id.in_(list(refs)))
        .execution_options(populate_existing=True)
    )
    overdue = list(rows.scalars())
    by_ref: dict[str, list[Offer]] = {}
    for offer in overdue:
        by_ref.setdefault(offer.referral_id, []).append(offer)
    all_offers: dict[str, list[Offer]] = {}
    for offer in (
        await tx.session.execute(
            select(Offer).where(Offer.referral_id.in_(list(by_ref)))
            .execution_options(populate_existing=True)
        )
    ).scalars():
        all_offers.setdefault(offer.referral_id, []).append(offer)
    moving = [refs[ref_id] for ref_id in by_ref if ref_id in refs]
    await tx.touch_many(moving, reason="offer expired: moved on to the next agent")
    areas = Areas(tx.session)
    for ref in moving:
        offers = by_ref[ref.id]
        for offer in offers:
            offer.state = OfferState.EXPIRED
            offer.closed_at = tx.now
        tx.audit(ref, HUB_ACTOR, "expired", reason=f"{len(offers)} offer(s) timed out")
        if ref.status == Status.OFFERED:
            await offer_next(tx, ref, window, offers=all_offers.get(ref.id, []), areas=areas)
    return len(overdue)


async def resume_waiting(tx: Tx, window: int) -> int:
    """Offer every waiting appointment (on offer, no open offer) whose area has someone
    available again; return how many were offered."""
    open_offers = select(Offer.referral_id).where(Offer.state == OfferState.OPEN)
    waiting = await tx.session.execute(
        select(Referral.id).where(
            Referral.kind == Kind.APPOINTMENT,
            Referral.status == Status.OFFERED,
            Referral.id.not_in(open_offers),
        )
    )
    resumed = 0
    areas = Areas(tx.session)
    for ref in (await tx.lock_referrals(waiting.scalars())).values():
        offers = await _offers(tx, ref)  # read after the lock: another hub may have offered it
        if ref.status != Status.OFFERED or any(o.state == OfferState.OPEN for o in offers):
            continue
        passed = {o.agent_id for o in offers if o.state == OfferState.PASSED}
        if rank_order(await areas.agents_for(ref), tx.now, exclude=passed):
            await tx.touch(ref)
            await offer_next(tx, ref, window, offers=offers, areas=areas)
            resumed += 1
    return resumed


async def next_deadline(session: AsyncSession) -> datetime | None:
    """The earliest deadline among open offers."""
    return await session.scalar(
        select(func.min(Offer.deadline)).where(Offer.state == OfferState.OPEN)
    )
