"""The audiences of many referrals at once: the same facts `server.views.audience.facts_for` loads for
one referral, loaded for a whole transaction's worth of referrals in a handful of queries (a
start that moves a thousand overdue offers on would otherwise run thousands of them).

The rules stay in `server.views.visibility`; this module only gathers its inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models import AgentZip, Program, Recipient, Referral, Signature
from server.views.audience import OPEN_OFFERS_OF, concierge_ids
from server.views.visibility import OpenOffer, RefFacts, Viewer, audience
from shared.domain import Kind, Mode


def _reaches_zip(ref: Referral) -> bool:
    return ref.kind == Kind.ACTIVE or (ref.kind == Kind.AGENT and ref.mode == Mode.OPEN)


async def facts_for_many(session: AsyncSession, refs: Sequence[Referral]) -> dict[str, RefFacts]:
    """Every fact about each of `refs` for every person who might see it, by referral id."""
    by_kind: dict[Kind, list[str]] = {}
    for ref in refs:
        by_kind.setdefault(Kind(ref.kind), []).append(ref.id)
    appointments, agents = by_kind.get(Kind.APPOINTMENT, []), by_kind.get(Kind.AGENT, [])
    concierges = (
        await concierge_ids(session) if appointments or by_kind.get(Kind.ACTIVE) else set()
    )
    offers: dict[str, dict[str, OpenOffer]] = {}
    if appointments:
        rows = await session.execute(OPEN_OFFERS_OF, {"ids": appointments})
        for offer in rows:
            offers.setdefault(offer.referral_id, {})[offer.agent_id] = offer
    servers: dict[str, dict[str, bool]] = {}
    zips = {ref.zip for ref in refs if _reaches_zip(ref)}
    if zips:
        rows = await session.execute(
            select(AgentZip.zip, AgentZip.person_id, AgentZip.sponsor).where(AgentZip.zip.in_(zips))
        )
        for zip_code, person_id, sponsor in rows:
            servers.setdefault(zip_code, {})[person_id] = sponsor
    recipients: dict[str, dict[str, Recipient]] = {}
    signed: dict[str, set[str]] = {}
    if agents:
        for row in (
            await session.execute(select(Recipient).where(Recipient.referral_id.in_(agents)))
        ).scalars():
            recipients.setdefault(row.referral_id, {})[row.person_id] = row
        for ref_id, person_id in await session.execute(
            select(Signature.referral_id, Signature.person_id).where(
                Signature.referral_id.in_(agents)
            )
        ):
            signed.setdefault(ref_id, set()).add(person_id)
    program_ids = {ref.program_id for ref in refs if ref.kind == Kind.PARTNER and ref.program_id}
    vendors: dict[str, str] = {}
    if program_ids:
        rows = await session.execute(
            select(Program.id, Program.vendor_id).where(Program.id.in_(program_ids))
        )
        vendors = {pid: vendor for pid, vendor in rows}
    facts: dict[str, RefFacts] = {}
    for ref in refs:
        kind = Kind(ref.kind)
        facts[ref.id] = RefFacts(
            concierges=set(concierges) if kind in (Kind.APPOINTMENT, Kind.ACTIVE) else set(),
            zip_servers=dict(servers.get(ref.zip, {})) if _reaches_zip(ref) else {},
            offers=offers.get(ref.id, {}) if kind == Kind.APPOINTMENT else {},
            recipients=recipients.get(ref.id, {}),
            vendor_id=vendors.get(ref.program_id or "") if kind == Kind.PARTNER else None,
            signed=signed.get(ref.id, set()),
        )
    return facts


async def audiences_of(
    session: AsyncSession, refs: Sequence[Referral]
) -> dict[str, tuple[dict[str, Viewer], RefFacts]]:
    """Everyone who may see each of `refs` now, with how they see it, and the facts behind it."""
    facts = await facts_for_many(session, refs)
    return {ref.id: (audience(ref, facts[ref.id]), facts[ref.id]) for ref in refs}
