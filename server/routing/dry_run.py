"""The concierge's routing dry run: who would be offered an appointment in a zip code right now,
in order, and why not the others."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.geo import known_zip
from server.routing.eligibility import last_offer_text, rank_order, unavailable_because
from server.storage.models import AgentZip, Person, has_role
from shared.domain import Role
from shared.protocol import DryRunResult, DryRunRow, ErrorCode, PersonRef


async def dry_run(session: AsyncSession, zip_code: str, now: datetime) -> DryRunResult:
    """Every agent serving `zip_code`, in the order an appointment there would be offered now."""
    if not known_zip(zip_code):
        raise HubError(ErrorCode.BAD_REQUEST, f"unknown zip code {zip_code!r}", field="zip")
    rows = await session.execute(
        select(Person)
        .join(AgentZip, AgentZip.person_id == Person.id)
        .where(AgentZip.zip == zip_code, has_role(Role.AGENT))
    )
    agents = list(rows.scalars().unique())
    ranked = rank_order(agents, now)
    order = {a.id: i for i, a in enumerate(ranked, start=1)}
    result = []
    for agent in ranked + [a for a in agents if a.id not in order]:
        ref = PersonRef(id=agent.id, name=agent.name, brokerage=agent.brokerage)
        if agent.id in order:
            why = f"rank {agent.rank_score:g}, {last_offer_text(agent, now)}"
            result.append(DryRunRow(ref, True, order[agent.id], why))
        else:
            result.append(DryRunRow(ref, False, None, unavailable_because(agent, now)))
    return DryRunResult(zip=zip_code, at=now, agents=result)
