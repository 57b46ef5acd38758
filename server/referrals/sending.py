"""A sender's agent referral before a receiver is picked: edit the draft, send it in private,
network or open mode, add receivers to a private referral later."""

from __future__ import annotations

import msgspec
from sqlalchemy import select

from server.errors import HubError
from server.events.transaction import Tx
from server.geo import nearest_miles
from server.storage.ids import new_id
from server.storage.models import AgentZip, GroupMember, NetworkGroup, Person, Recipient, Referral
from server.views.audience import viewer_for
from shared.domain import Kind, Mode, Role, Status
from shared.protocol import ErrorCode, ReferralInput

EDITABLE = frozenset(ReferralInput.__struct_fields__) - {"kind", "mode", "receivers", "send", "program"}


async def load_own(tx: Tx, ref_id: str, sender: Person) -> Referral:
    """The sender's own agent referral. Someone who may not see it is told it does not exist,
    exactly as for an id that was never used; a party who is not its sender, that they may not."""
    ref = await tx.referral(ref_id)
    if ref is not None and ref.kind == Kind.AGENT and ref.sender_id == sender.id:
        return ref
    if ref is None or await viewer_for(tx.session, ref, sender.id) is None:
        raise HubError(ErrorCode.NOT_FOUND, f"no referral {ref_id} that you may see")
    if ref.kind != Kind.AGENT:
        raise HubError(ErrorCode.BAD_REQUEST, f"{ref_id} is not an agent referral")
    raise HubError(ErrorCode.FORBIDDEN, f"only the sender of {ref_id} may do that")


async def _agents(tx: Tx, ids: list[str], sender: Person) -> list[Person]:
    rows = await tx.session.execute(select(Person).where(Person.id.in_(ids)))
    agents = [p for p in rows.scalars() if Role.AGENT in p.role_list and p.id != sender.id]
    missing = set(ids) - {p.id for p in agents}
    if missing:
        raise HubError(
            ErrorCode.BAD_REQUEST,
            f"not agents you can send to: {', '.join(sorted(missing))}",
            receivers=sorted(missing),
        )
    return agents


async def _add_recipients(tx: Tx, ref: Referral, agents: list[Person]) -> int:
    existing = set(
        (
            await tx.session.execute(
                select(Recipient.person_id).where(Recipient.referral_id == ref.id)
            )
        ).scalars()
    )
    added = 0
    for agent in agents:
        if agent.id in existing:
            continue
        distance = nearest_miles(ref.zip, [z.zip for z in agent.zips])
        tx.session.add(
            Recipient(referral_id=ref.id, person_id=agent.id, answer="", distance_miles=distance)
        )
        added += 1
    return added


async def _network_members(tx: Tx, sender: Person) -> list[Person]:
    groups = select(NetworkGroup.id).where(NetworkGroup.owner_id == sender.id)
    rows = await tx.session.execute(
        select(Person)
        .join(GroupMember, GroupMember.person_id == Person.id)
        .where(GroupMember.group_id.in_(groups), Person.id != sender.id)
    )
    return list(rows.scalars().unique())


async def edit(tx: Tx, ref_id: str, sender: Person, changes: dict[str, object]) -> Referral:
    ref = await load_own(tx, ref_id, sender)
    if ref.status != Status.DRAFT:
        raise HubError(
            ErrorCode.FORBIDDEN_MOVE,
            f"only drafts can be edited; {ref.id} is {ref.status}",
            status=ref.status,
        )
    unknown = set(changes) - EDITABLE
    if unknown:
        raise HubError(
            ErrorCode.BAD_REQUEST,
            f"cannot edit: {', '.join(sorted(unknown))}",
            editable=sorted(EDITABLE),
        )
    try:
        data = msgspec.convert({"kind": "agent", **changes}, ReferralInput)
    except msgspec.ValidationError as exc:
        raise HubError(ErrorCode.BAD_REQUEST, f"bad change: {exc}") from None
    await tx.touch(ref)
    for name in changes:
        value = getattr(data, name)
        setattr(ref, name, value.strip() if isinstance(value, str) else value)
    tx.audit(ref, sender.id, "edited", reason=", ".join(sorted(changes)))
    return ref


async def send(
    tx: Tx, ref_id: str, sender: Person, mode: Mode, receivers: list[str]
) -> Referral:
    """Share a draft: to chosen receivers, to the sender's network, or to the whole area."""
    ref = await load_own(tx, ref_id, sender)
    if ref.status != Status.DRAFT:
        raise HubError(
            ErrorCode.FORBIDDEN_MOVE,
            f"{ref.id} was already sent (status {ref.status})",
            status=ref.status,
            allowed=[],
        )
    if mode == Mode.PRIVATE:
        if not receivers:
            raise HubError(ErrorCode.BAD_REQUEST, "a private referral needs at least one receiver")
        agents = await _agents(tx, receivers, sender)
    elif mode == Mode.NETWORK:
        agents = await _network_members(tx, sender)
        if not agents:
            raise HubError(ErrorCode.BAD_REQUEST, "your network group has no members yet")
    else:
        agents = []
        area = await tx.session.scalar(select(AgentZip.person_id).where(AgentZip.zip == ref.zip))
        if area is None:
            raise HubError(
                ErrorCode.BAD_REQUEST, f"no agent serves {ref.zip}; send it privately instead"
            )
    await tx.touch(ref)
    ref.mode = mode
    if mode == Mode.OPEN:
        ref.link = new_id("L-", 10)
    await _add_recipients(tx, ref, agents)
    tx.audit(ref, sender.id, "sent", Status.DRAFT, Status.NEW, reason=f"{mode} mode")
    ref.status = Status.NEW
    return ref


async def add_receivers(tx: Tx, ref_id: str, sender: Person, receivers: list[str]) -> Referral:
    ref = await load_own(tx, ref_id, sender)
    if ref.mode != Mode.PRIVATE or ref.status not in (Status.NEW, Status.ACCEPTED):
        raise HubError(
            ErrorCode.FORBIDDEN,
            f"receivers can be added only to a private referral that is new or accepted; "
            f"{ref.id} is {ref.mode or 'a draft'} and {ref.status}",
            status=ref.status,
        )
    agents = await _agents(tx, receivers, sender)
    await tx.touch(ref)
    added = await _add_recipients(tx, ref, agents)
    tx.audit(ref, sender.id, "receivers_added", reason=", ".join(a.name for a in agents))
    if not added:
        raise HubError(ErrorCode.BAD_REQUEST, "those agents already have this referral")
    return ref
