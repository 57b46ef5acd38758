"""People and their access tokens.

A token is shown once, when it is made, and stored only as its SHA-256 hash. Tokens carry a
recognisable prefix so a leaked one is easy to spot in a repository or a chat.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.ids import new_id
from server.storage.models import AgentZip, Person, PersonRole, Token
from shared.domain import Role

TOKEN_PREFIX = "trg_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add_person(
    session: AsyncSession,
    now: datetime,
    *,
    name: str,
    roles: Iterable[str] = ("agent",),
    zips: Iterable[str] = (),
    sponsor_zips: Iterable[str] = (),
    brokerage: str = "",
    city: str = "",
    rank_score: float = 50.0,
    timezone: str = "UTC",
    person_id: str | None = None,
    specializations: Iterable[str] = (),
    languages: Iterable[str] = (),
    years_experience: int = 0,
) -> tuple[Person, str]:
    """Create a person and a first token; return both (the token is never stored in clear)."""
    role_list = list(dict.fromkeys(Role(r).value for r in roles))
    sponsored = set(sponsor_zips)
    served = list(dict.fromkeys([*zips, *sponsored]))
    person = Person(
        id=person_id or new_id("P-"),
        name=name,
        roles=[PersonRole(role=r) for r in role_list],
        brokerage=brokerage,
        city=city,
        rank_score=rank_score,
        timezone=timezone,
        specializations=",".join(specializations),
        languages=",".join(languages),
        years_experience=years_experience,
        created_at=now,
        last_seq=0,
        paused=False,
        zips=[AgentZip(zip=z, sponsor=z in sponsored) for z in served],
    )
    session.add(person)
    token = await issue_token(session, person.id, now)
    return person, token


async def issue_token(session: AsyncSession, person_id: str, now: datetime) -> str:
    token = new_token()
    session.add(
        Token(
            person_id=person_id,
            token_hash=hash_token(token),
            prefix=token[: len(TOKEN_PREFIX) + 4],
            created_at=now,
        )
    )
    return token


async def token_holder(session: AsyncSession, token: str) -> tuple[Person, int] | None:
    """The person a live (not revoked) token belongs to, with the token's id; or None."""
    row = await session.execute(
        select(Person, Token.id)
        .join(Token, Token.person_id == Person.id)
        .where(Token.token_hash == hash_token(token), Token.revoked_at.is_(None))
    )
    found = row.one_or_none()
    return None if found is None else (found[0], found[1])


async def revoke_tokens(session: AsyncSession, person_id: str, now: datetime) -> int:
    """Revoke every live token of a person; return how many."""
    result = await session.execute(
        update(Token)
        .where(Token.person_id == person_id, Token.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount or 0


async def list_people(session: AsyncSession) -> list[tuple[Person, int]]:
    """Every person with the number of live tokens."""
    people = (await session.execute(select(Person).order_by(Person.name))).scalars().all()
    tokens = (await session.execute(select(Token.person_id).where(Token.revoked_at.is_(None)))).all()
    counts: dict[str, int] = {}
    for (pid,) in tokens:
        counts[pid] = counts.get(pid, 0) + 1
    return [(p, counts.get(p.id, 0)) for p in people]
