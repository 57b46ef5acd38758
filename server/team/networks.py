"""Network groups: an agent's pre-approved agents, for network-mode referrals."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.events.transaction import Tx
from server.storage.ids import new_id
from server.storage.models import GroupMember, NetworkGroup, Person
from server.team import checks
from server.team.profiles import person_or_error
from server.team.pushes import changed
from shared.domain import Role
from shared.protocol import ErrorCode
from shared.protocol.team import NetworkView


async def _members(session: AsyncSession, group_id: str) -> list[str]:
    rows = await session.execute(
        select(GroupMember.person_id).where(GroupMember.group_id == group_id).order_by(GroupMember.person_id)
    )
    return [pid for (pid,) in rows]


async def _view(session: AsyncSession, group: NetworkGroup) -> NetworkView:
    owner = await session.get(Person, group.owner_id)
    return NetworkView(
        id=group.id, name=group.name, owner_id=group.owner_id, owner_name=owner.name if owner else "",
        members=await _members(session, group.id),
    )


async def list_networks(session: AsyncSession) -> list[NetworkView]:
    groups = (await session.execute(select(NetworkGroup).order_by(NetworkGroup.name, NetworkGroup.id))).scalars()
    return [await _view(session, g) for g in groups]


async def _agents(session: AsyncSession, field: str, person_ids: Iterable[str], owner_id: str) -> list[str]:
    chosen: list[str] = []
    for pid in person_ids:
        person = await person_or_error(session, pid, field=field)
        if Role.AGENT not in person.role_list:
            raise checks.bad(field, f"{field}: {person.id} {person.name} is not an agent")
        if person.id == owner_id:
            raise checks.bad(field, f"{field}: the owner {person.id} is not a member of their own network")
        if person.id not in chosen:
            chosen.append(person.id)
    if not chosen:
        raise checks.bad(field, f"{field}: a network group needs at least one member")
    return sorted(chosen)


async def _owner(session: AsyncSession, owner_id: str) -> Person:
    owner = await person_or_error(session, owner_id, field="owner")
    if Role.AGENT not in owner.role_list:
        raise checks.bad("owner", f"owner: {owner.id} {owner.name} is not an agent")
    return owner


async def add_network(tx: Tx, actor_id: str, name: str, owner_id: str, members: list[str]) -> NetworkView:
    label = checks.text("name", name, required=True)
    owner = await _owner(tx.session, owner_id)
    chosen = await _agents(tx.session, "members", members, owner.id)
    group = NetworkGroup(id=new_id("NET-"), name=label, owner_id=owner.id)
    tx.session.add(group)
    await tx.session.flush()
    tx.session.add_all(GroupMember(group_id=group.id, person_id=pid) for pid in chosen)
    await tx.session.flush()
    await changed(tx, actor_id, group.id, "network_added",
                  f"name {label}; owner {owner.id}; members {', '.join(chosen)}", concerned=[owner.id, *chosen])
    return await _view(tx.session, group)


async def set_network(
    tx: Tx, actor_id: str, group_id: str, *, name: str | None = None, owner_id: str | None = None,
    members: list[str] | None = None, add: Iterable[str] = (), remove: Iterable[str] = (),
) -> NetworkView:
    """Rename, give another owner, or change the members (the whole list, or some added and
    some removed); all or nothing, and never an empty group."""
    group = await tx.session.get(NetworkGroup, group_id, with_for_update={"key_share": True})
    if group is None:
        raise HubError(ErrorCode.NOT_FOUND, f"no network group {group_id}", field="id")
    before = await _view(tx.session, group)
    label = before.name if name is None else checks.text("name", name, required=True)
    owner = before.owner_id if owner_id is None else (await _owner(tx.session, owner_id)).id
    wanted = list(before.members if members is None else members)
    gone = set(remove)
    unknown = gone - set(wanted)
    if unknown:
        raise checks.bad("remove", f"remove: {', '.join(sorted(unknown))} not in {group.id}")
    wanted = [pid for pid in [*wanted, *add] if pid not in gone]
    chosen = await _agents(tx.session, "members", wanted, owner)
    group.name, group.owner_id = label, owner
    await tx.session.execute(delete(GroupMember).where(GroupMember.group_id == group.id))
    tx.session.add_all(GroupMember(group_id=group.id, person_id=pid) for pid in chosen)
    await tx.session.flush()
    said = []
    if label != before.name:
        said.append(f"name {before.name} -> {label}")
    if owner != before.owner_id:
        said.append(f"owner {before.owner_id} -> {owner}")
    if chosen != before.members:
        said.append(f"members {', '.join(before.members)} -> {', '.join(chosen)}")
    if said:
        await changed(tx, actor_id, group.id, "network_changed", "; ".join(said),
                      concerned={before.owner_id, owner, *before.members, *chosen})
    return await _view(tx.session, group)
