"""The unmasked fields of referrals and the names of people, read for rendering views.

`masking.full_fields` turns one referral's row and its related rows into the fields a view is cut
from; these readers load those rows for many referrals in a few queries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.id_lists import among
from server.storage.models import Person, Program, Recipient, Referral, Signature
from server.views.masking import full_fields
from shared.domain import Kind
from shared.protocol import PersonRef, RecipientView

_PEOPLE = Person.__table__.c
# built once, the ids one list parameter (server/storage/id_lists.py): every change reads names
_NAMES = select(_PEOPLE.id, _PEOPLE.name, _PEOPLE.brokerage).where(among(_PEOPLE.id, "ids"))


async def person_refs(session: AsyncSession, ids: set[str]) -> dict[str, PersonRef]:
    rows = await session.execute(_NAMES, {"ids": sorted(ids)})
    return {pid: PersonRef(id=pid, name=name, brokerage=brokerage) for pid, name, brokerage in rows}


async def referral_fields(session: AsyncSession, ref: Referral) -> dict[str, object]:
    return (await many_referral_fields(session, [ref]))[0]


async def many_referral_fields(
    session: AsyncSession, refs: list[Referral]
) -> list[dict[str, object]]:
    """The unmasked fields of many referrals, with names, programs, recipients and signatures
    loaded in a few queries."""
    agent_ids = [r.id for r in refs if r.kind == Kind.AGENT]
    recipients: dict[str, list[Recipient]] = {}
    signed: dict[str, list[str]] = {}
    if agent_ids:
        for row in (
            await session.execute(select(Recipient).where(Recipient.referral_id.in_(agent_ids)))
        ).scalars():
            recipients.setdefault(row.referral_id, []).append(row)
        for ref_id, role in await session.execute(
            select(Signature.referral_id, Signature.role).where(Signature.referral_id.in_(agent_ids))
        ):
            signed.setdefault(ref_id, []).append(role)
    ids = {r.sender_id for r in refs} | {r.receiver_id for r in refs if r.receiver_id}
    ids |= {row.person_id for rows in recipients.values() for row in rows}
    names = await person_refs(session, ids) if ids else {}
    program_ids = {r.program_id for r in refs if r.program_id}
    programs: dict[str, str] = {}
    if program_ids:
        rows = await session.execute(
            select(Program.id, Program.name).where(Program.id.in_(program_ids))
        )
        programs = {pid: name for pid, name in rows}
    return [
        full_fields(
            r,
            names,
            programs.get(r.program_id or "", ""),
            recipients=[
                RecipientView(
                    person=names[row.person_id], answer=row.answer, distance_miles=row.distance_miles
                )
                for row in sorted(
                    recipients.get(r.id, []),
                    key=lambda row: (row.distance_miles is None, row.distance_miles or 0.0),
                )
                if row.person_id in names
            ],
            signed_by=sorted(signed.get(r.id, [])),
        )
        for r in refs
    ]
