"""Database-level administration for the command line: people and their tokens, the team's
programs, network groups and claim windows, and the audit chain's verification and evidence.

Each function opens the database, brings its schema up to date, does one thing and closes it, so
`triage agent ...` works on a fresh file and next to a running hub (SQLite WAL, one short write).
"""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from server.events import audit_chain
from server.events.transaction import Tx
from server.settings import utc_now
from server.storage import people
from server.storage.database import Database
from server.storage.models import Person
from server.team import checks, networks, programs, windows
from server.team.profiles import profile, set_person
from server.team.pushes import changed
from shared.protocol.team import (
    AreaWindowView,
    NetworkView,
    PersonChanges,
    PersonProfile,
    ProgramTerms,
    ProgramView,
)

T = TypeVar("T")


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


def host_actor() -> str:
    """Who made a change from the hub host's command line, as the audit names them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"host:{user}"[:40]


async def _change(url: str, change: Callable[[Tx], Awaitable[T]]) -> T:
    """One audited change in one transaction: all of it is written, or (on an error) none."""
    async with opened(url) as db, db.write_lock, db.write_session() as session:
        tx = Tx(session, utc_now())
        result = await change(tx)
        await tx.finish()
        return result


async def add_person(url: str, **fields: Any) -> tuple[str, str]:
    """Create a person (every field checked first); return the id and the first token (shown
    once, stored hashed)."""
    fields["name"] = checks.text("name", fields["name"], required=True)
    fields["zips"] = checks.zip_codes("zips", fields.get("zips", ()))
    fields["sponsor_zips"] = checks.zip_codes("sponsor_zips", fields.get("sponsor_zips", ()))
    fields["roles"] = checks.roles(fields.get("roles") or ["agent"])
    fields["rank_score"] = checks.rank(fields.get("rank_score", 50.0))

    async def add(tx: Tx) -> tuple[str, str]:
        wanted = fields.get("person_id")
        if wanted and await tx.session.get(Person, wanted) is not None:
            raise checks.bad("id", f"id: {wanted} is taken (see `triage agent list`)")
        person, token = await people.add_person(tx.session, tx.now, **fields)
        await tx.session.flush()
        await changed(tx, host_actor(), person.id, "person_added",
                      f"name {person.name}; roles {', '.join(fields['roles'])}", concerned=[person.id])
        return person.id, token

    return await _change(url, add)


async def change_person(url: str, person_id: str, changes: PersonChanges) -> PersonProfile:
    return await _change(url, lambda tx: set_person(tx, host_actor(), person_id, changes))


async def person_profiles(url: str) -> list[PersonProfile]:
    async with opened(url) as db, db.read() as session:
        return [profile(p, count) for p, count in await people.list_people(session)]


async def add_program(url: str, terms: ProgramTerms, program_id: str | None = None) -> ProgramView:
    return await _change(url, lambda tx: programs.add_program(tx, host_actor(), terms, program_id))


async def change_program(url: str, program_id: str, terms: ProgramTerms) -> ProgramView:
    return await _change(url, lambda tx: programs.set_program(tx, host_actor(), program_id, terms))


async def list_programs(url: str) -> list[ProgramView]:
    async with opened(url) as db, db.read() as session:
        return await programs.list_programs(session)


async def add_network(url: str, name: str, owner_id: str, members: list[str]) -> NetworkView:
    return await _change(url, lambda tx: networks.add_network(tx, host_actor(), name, owner_id, members))


async def change_network(url: str, group_id: str, **changes: Any) -> NetworkView:
    return await _change(url, lambda tx: networks.set_network(tx, host_actor(), group_id, **changes))


async def list_networks(url: str) -> list[NetworkView]:
    async with opened(url) as db, db.read() as session:
        return await networks.list_networks(session)


async def set_window(url: str, area: str, seconds: int | None) -> AreaWindowView | None:
    return await _change(url, lambda tx: windows.set_window(tx, host_actor(), area, seconds))


async def list_windows(url: str) -> list[AreaWindowView]:
    async with opened(url) as db, db.read() as session:
        return await windows.list_windows(session)


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
