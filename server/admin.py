"""Database-level administration for the command line: people and their tokens, and the audit
chain's verification and evidence.

Each function opens the database, brings its schema up to date, does one thing and closes it, so
`triage agent ...` works on a fresh file and next to a running hub (SQLite WAL, one short write).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from server.events import audit_chain
from server.settings import utc_now
from server.storage import people
from server.storage.database import Database
from server.storage.models import Person


@dataclass
class PersonRow:
    id: str
    name: str
    roles: list[str]
    zips: list[str]
    sponsor_zips: list[str]
    brokerage: str
    rank_score: float
    live_tokens: int


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Database]:
    db = Database(url)
    try:
        await db.migrate()
        yield db
    finally:
        await db.close()


async def add_person(url: str, **fields: Any) -> tuple[str, str]:
    """Create a person; return the id and the first token (shown once, stored hashed)."""
    async with opened(url) as db, db.write_lock, db.write_session() as session:
        person, token = await people.add_person(session, utc_now(), **fields)
        return person.id, token


async def list_people(url: str) -> list[PersonRow]:
    async with opened(url) as db, db.read() as session:
        return [
            PersonRow(
                id=p.id, name=p.name, roles=p.role_list, zips=[z.zip for z in p.zips],
                sponsor_zips=[z.zip for z in p.zips if z.sponsor], brokerage=p.brokerage,
                rank_score=p.rank_score, live_tokens=count,
            )
            for p, count in await people.list_people(session)
        ]


async def _require(session: Any, person_id: str) -> Person:
    person = await session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person {person_id} (see `triage agent list`)")
    return person


async def revoke_tokens(url: str, person_id: str) -> int:
    async with opened(url) as db, db.write_lock, db.write_session() as session:
        await _require(session, person_id)
        return await people.revoke_tokens(session, person_id, utc_now())


async def issue_token(url: str, person_id: str) -> tuple[str, str]:
    """A new token for an existing person; return the person's name and the token."""
    async with opened(url) as db, db.write_lock, db.write_session() as session:
        person = await _require(session, person_id)
        return person.name, await people.issue_token(session, person_id, utc_now())


async def verify_audit(url: str) -> audit_chain.ChainReport:
    async with opened(url) as db, db.read() as session:
        return await audit_chain.verify(session)


async def audit_evidence(url: str, referral_id: str) -> audit_chain.Evidence:
    """The evidence for one referral; LookupError when the database knows nothing of it."""
    async with opened(url) as db, db.read() as session:
        return await audit_chain.evidence(session, referral_id, utc_now())
