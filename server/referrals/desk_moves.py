"""What the routing desk does with an appointment no one claimed: reopen it to the area's
eligible agents, or hand it to an agent it chooses (awarded at once, contact revealed to them)."""

from __future__ import annotations

from sqlalchemy import update

from server.errors import HubError
from server.events.transaction import Tx
from server.routing.offers import reopen as reopen_offers
from server.storage.models import Offer, Person, Referral
from shared.domain import Kind, OfferState, Role, Status
from shared.protocol import ErrorCode


async def _unclaimed(tx: Tx, ref_id: str) -> Referral:
    ref = await tx.referral(ref_id)
    if ref is None or ref.kind != Kind.APPOINTMENT:
        raise HubError(ErrorCode.NOT_FOUND, f"no appointment {ref_id}", field="id")
    if ref.status != Status.UNCLAIMED:
        raise HubError(
            ErrorCode.FORBIDDEN_MOVE,
            f"{ref.id} is {ref.status}: only an unclaimed appointment is reopened or handed to an agent",
            status=ref.status,
        )
    return ref


async def reopen(tx: Tx, ref_id: str, desk: Person, window: int) -> Referral:
    ref = await _unclaimed(tx, ref_id)
    await reopen_offers(tx, ref, desk, window)
    return ref


async def assign(tx: Tx, ref_id: str, desk: Person, agent_id: str) -> Referral:
    ref = await _unclaimed(tx, ref_id)
    agent = await tx.session.get(Person, agent_id)
    if agent is None:
        raise HubError(ErrorCode.NOT_FOUND, f"no person {agent_id}", field="agent")
    if Role.AGENT not in agent.role_list:
        raise HubError(ErrorCode.BAD_REQUEST, f"{agent.id} {agent.name} is not an agent", field="agent")
    await tx.touch(ref)
    tx.audit(ref, desk.id, "assigned", Status.UNCLAIMED, Status.AWARDED, f"handed to {agent.name} by the desk")
    await tx.session.execute(
        update(Offer).where(Offer.referral_id == ref.id, Offer.state == OfferState.OPEN)
        .values(state=OfferState.WITHDRAWN, closed_at=tx.now).execution_options(synchronize_session=False)
    )
    ref.status, ref.receiver_id, ref.awarded_at, ref.updated_at = Status.AWARDED, agent.id, tx.now, tx.now
    return ref
