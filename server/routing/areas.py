"""The agents serving a zip code, as routing reads them: the few columns ranking and offering
need, not whole `Person` rows.

An appointment opened to all of an area's 200 agents loaded them as ORM objects, each with
identity bookkeeping and all twenty of its columns converted: about 6 ms of a claim storm's
open, more than SQLite spent writing its 200 offers. `AreaAgent` is a plain row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models import AgentZip, Person, Referral, has_role
from shared.domain import Role


@dataclass(slots=True)
class AreaAgent:
    """An agent as eligibility and ranking read them (`server.routing.eligibility`)."""

    id: str
    name: str
    rank_score: float
    last_offer_at: datetime | None  # moved on here by offers made in the same transaction
    paused: bool
    timezone: str
    work_start_minute: int | None
    work_end_minute: int | None
    vacation_start: datetime | None
    vacation_end: datetime | None


_COLUMNS = (
    Person.id, Person.name, Person.rank_score, Person.last_offer_at, Person.paused,
    Person.timezone, Person.work_start_minute, Person.work_end_minute, Person.vacation_start,
    Person.vacation_end,
)

# built once: every offer to an area reads it
_SERVING = (
    select(*_COLUMNS)
    .join(AgentZip, AgentZip.person_id == Person.id)
    .where(AgentZip.zip == bindparam("zip"), has_role(Role.AGENT))
    .distinct()
)


class Areas:
    """The agents of each zip code, loaded once per transaction however many referrals ask."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._by_zip: dict[str, list[AreaAgent]] = {}

    async def agents_for(self, ref: Referral) -> list[AreaAgent]:
        """The agents serving `ref`'s zip code, other than its sender."""
        agents = self._by_zip.get(ref.zip)
        if agents is None:
            rows = await self._session.execute(_SERVING, {"zip": ref.zip})
            agents = self._by_zip[ref.zip] = [AreaAgent(*row) for row in rows]
        return [a for a in agents if a.id != ref.sender_id]
