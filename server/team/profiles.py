"""Changing a person: rank, zip codes served and sponsored, specializations, languages, years,
office, brokerage, roles, pause. Every field is checked first; the audit entry says who changed
what from what to what."""

from __future__ import annotations

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.events.transaction import Tx
from server.storage.models import AgentZip, Person, PersonRole, Program, Token
from server.team import checks
from server.team.pushes import changed
from shared.protocol import ErrorCode
from shared.protocol.team import PersonChanges, PersonProfile


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def profile(person: Person, live_tokens: int = 0) -> PersonProfile:
    return PersonProfile(
        id=person.id, name=person.name, roles=person.role_list,
        zips=[z.zip for z in person.zips], sponsor_zips=[z.zip for z in person.zips if z.sponsor],
        brokerage=person.brokerage, office=person.city, rank=person.rank_score,
        specializations=_split(person.specializations), languages=_split(person.languages),
        years=person.years_experience, paused=person.paused, live_tokens=live_tokens,
    )


async def person_or_error(session: AsyncSession, person_id: str, field: str = "id") -> Person:
    person = await session.get(Person, person_id, with_for_update={"key_share": True})
    if person is None:
        raise HubError(ErrorCode.NOT_FOUND, f"no person {person_id}", field=field)
    return person


async def live_tokens(session: AsyncSession, person_id: str) -> int:
    return await session.scalar(
        select(func.count()).select_from(Token)
        .where(Token.person_id == person_id, Token.revoked_at.is_(None))
    ) or 0


def _show(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if value != "" else "none"


async def set_person(tx: Tx, actor_id: str, person_id: str, changes: PersonChanges) -> PersonProfile:
    """Apply `changes` to a person (all or nothing); audit and return the result."""
    person = await person_or_error(tx.session, person_id)
    before = profile(person)
    after = msgspec.structs.replace(before)
    c = changes
    if c.name is not msgspec.UNSET:
        after.name = checks.text("name", c.name, required=True)
    if c.rank is not msgspec.UNSET:
        after.rank = checks.rank(c.rank)
    if c.years is not msgspec.UNSET:
        after.years = checks.years(c.years)
    if c.office is not msgspec.UNSET:
        after.office = checks.text("office", c.office, limit=100)
    if c.brokerage is not msgspec.UNSET:
        after.brokerage = checks.text("brokerage", c.brokerage)
    if c.specializations is not msgspec.UNSET:
        after.specializations = checks.labels("specializations", c.specializations)
    if c.languages is not msgspec.UNSET:
        after.languages = checks.labels("languages", c.languages)
    if c.paused is not msgspec.UNSET:
        after.paused = c.paused
    if c.zips is not msgspec.UNSET:
        after.zips = checks.zip_codes("zips", c.zips)
        after.sponsor_zips = [z for z in before.sponsor_zips if z in after.zips]
    if c.sponsor_zips is not msgspec.UNSET:
        after.sponsor_zips = checks.zip_codes("sponsor_zips", c.sponsor_zips)
        after.zips += [z for z in after.sponsor_zips if z not in after.zips]  # a sponsor serves
    if c.roles is not msgspec.UNSET:
        after.roles = checks.roles(c.roles)
        if "vendor" in before.roles and "vendor" not in after.roles:
            owned = await tx.session.scalar(select(Program.id).where(Program.vendor_id == person.id).limit(1))
            if owned is not None:
                raise checks.bad("roles", f"roles: {person.id} is the vendor of {owned}; give the program another vendor first")
    said = [
        f"{field} {_show(getattr(before, field))} -> {_show(getattr(after, field))}"
        for field in PersonProfile.__struct_fields__
        if getattr(before, field) != getattr(after, field)
    ]
    if not said:
        return profile(person, await live_tokens(tx.session, person.id))
    person.name, person.rank_score, person.years_experience = after.name, after.rank, after.years
    person.city, person.brokerage, person.paused = after.office, after.brokerage, after.paused
    person.specializations = ",".join(after.specializations)
    person.languages = ",".join(after.languages)
    # rows kept are changed in place (a row deleted and added again in one flush conflicts)
    person.roles[:] = [r for r in person.roles if r.role in after.roles]
    person.roles += [PersonRole(role=r) for r in after.roles if r not in before.roles]
    person.zips[:] = [z for z in person.zips if z.zip in after.zips]
    for row in person.zips:
        row.sponsor = row.zip in after.sponsor_zips
    person.zips += [
        AgentZip(zip=z, sponsor=z in after.sponsor_zips) for z in after.zips if z not in before.zips
    ]
    await tx.session.flush()
    await changed(tx, actor_id, person.id, "person_changed", "; ".join(said), concerned=[person.id])
    return profile(person, await live_tokens(tx.session, person.id))
