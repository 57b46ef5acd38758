"""The agent directory: every agent's profile and track record, held in memory so a search over
ten thousand agents answers in milliseconds. Reloaded before a search when people changed
anywhere (the database's directory version moved on: this hub, another hub, the command line),
and in the background when it is older than `max_age` (track records move with every claim)."""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.geo import zip_miles
from server.routing.eligibility import is_available
from server.storage.database import Database
from server.storage.models import AgentZip, DirectoryVersion, Offer, Person, Referral, has_role
from shared.domain import OfferState, Role, Status
from shared.protocol import AgentCard, AgentSearchArgs

MIN_TEXT_SCORE = 60.0


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@dataclass
class Entry:
    card: AgentCard
    person: Any  # the person's row (columns as attributes), for availability
    specializations: frozenset[str]
    languages: frozenset[str]
    text_key: str  # name, brokerage and city, normalised once for fuzzy matching


class Directory:
    """Agents' cards in memory. A stale directory answers at once and reloads in the background,
    so a search never waits for a reload once the first load is done."""

    def __init__(self, db: Database, max_age: float = 60.0) -> None:
        self.db = db
        self.max_age = max_age
        self._entries: list[Entry] | None = None
        self._version: int | None = None  # the directory version the entries were loaded at
        self._loaded_at = float("-inf")
        self._reload: asyncio.Task[None] | None = None

    async def _stored_version(self) -> int:
        async with self.db.read() as session:
            return await session.scalar(select(DirectoryVersion.version)) or 0

    async def _load(self) -> None:
        started = time.monotonic()
        first = self._entries is None
        async with self.db.read() as session:
            version = await session.scalar(select(DirectoryVersion.version)) or 0
            self._entries = await _load(session)
        self._version = version
        self._loaded_at = started
        if first:
            # The directory lives as long as the hub: keep the garbage collector's full passes
            # from rescanning it (they stall every request by tens of milliseconds).
            gc.freeze()

    async def entries(self) -> list[Entry]:
        if self._entries is None or await self._stored_version() != self._version:
            await self._load()
        elif time.monotonic() - self._loaded_at > self.max_age and (
            self._reload is None or self._reload.done()
        ):
            self._reload = asyncio.create_task(self._load(), name="directory-reload")
        assert self._entries is not None
        return self._entries

    async def search(self, args: AgentSearchArgs, now: datetime) -> list[AgentCard]:
        """Agents matching every filter, best text match first, then nearest, then rank."""
        entries = await self.entries()
        specialization = args.specialization.strip().lower()
        language = args.language.strip().lower()
        chosen: list[tuple[Entry, float | None]] = []
        miles_to = lru_cache(maxsize=None)(partial(zip_miles, args.zip))
        for entry in entries:
            if specialization and specialization not in entry.specializations:
                continue
            if language and language not in entry.languages:
                continue
            if entry.card.years_experience < args.min_years:
                continue
            distance = None
            if args.zip:
                distances = [d for z in entry.card.zips if (d := miles_to(z)) is not None]
                distance = min(distances) if distances else None
                if distance is None or distance > args.radius_miles + 1e-9:
                    continue
            chosen.append((entry, distance))
        scores = [100.0] * len(chosen)
        query = utils.default_process(args.text) if args.text.strip() else ""
        if query:
            scores = [0.0] * len(chosen)
            for _, score, index in process.extract(
                query, [e.text_key for e, _ in chosen], scorer=fuzz.WRatio, processor=None,
                limit=None, score_cutoff=MIN_TEXT_SCORE,
            ):
                scores[index] = score
        ranked = sorted(
            (
                (score, entry, distance)
                for score, (entry, distance) in zip(scores, chosen, strict=True)
                if score >= MIN_TEXT_SCORE
            ),
            key=lambda item: (-round(item[0]), item[2] or 0.0, -item[1].card.rank_score, item[1].card.name),
        )
        limit = args.limit
        return [
            _card(entry, score, distance, now) for score, entry, distance in ranked[:limit]
        ]


def _card(entry: Entry, score: float, distance: float | None, now: datetime) -> AgentCard:
    card = entry.card
    return AgentCard(
        **{f: getattr(card, f) for f in card.__struct_fields__ if f not in ("score", "distance_miles", "available")},
        available=is_available(entry.person, now),
        distance_miles=round(distance, 1) if distance is not None else None,
        score=round(score, 1),
    )


async def _load(session: AsyncSession) -> list[Entry]:
    # Plain rows, not ORM objects: ten times faster to load, and they carry every column the
    # availability rules read (paused, time zone, working hours, vacation).
    people = (await session.execute(select(Person.__table__).where(has_role(Role.AGENT)))).all()
    zips: dict[str, list[tuple[str, bool]]] = {}
    for pid, zip_code, sponsor in await session.execute(
        select(AgentZip.person_id, AgentZip.zip, AgentZip.sponsor)
    ):
        zips.setdefault(pid, []).append((zip_code, sponsor))
    closed = dict(
        (
            await session.execute(
                select(Referral.receiver_id, func.count())
                .where(Referral.status.in_([Status.CLOSED, Status.ARCHIVED]), Referral.awarded_at.is_not(None))
                .group_by(Referral.receiver_id)
            )
        ).all()
    )
    waits: dict[str, list[float]] = {}
    for agent_id, offered_at, closed_at in await session.execute(
        select(Offer.agent_id, Offer.offered_at, Offer.closed_at).where(
            Offer.state == OfferState.CLAIMED, Offer.closed_at.is_not(None)
        )
    ):
        waits.setdefault(agent_id, []).append((closed_at - offered_at).total_seconds())
    entries = []
    for person in people:
        own = zips.get(person.id, [])
        specializations, languages = _split(person.specializations), _split(person.languages)
        card = AgentCard(
            id=person.id,
            name=person.name,
            brokerage=person.brokerage,
            city=person.city,
            zips=[z for z, _ in own],
            sponsored_zips=[z for z, sponsor in own if sponsor],
            specializations=specializations,
            languages=languages,
            years_experience=person.years_experience,
            closed_referrals=closed.get(person.id, 0),
            median_response_seconds=statistics.median(waits[person.id]) if person.id in waits else None,
            rank_score=person.rank_score,
        )
        entries.append(
            Entry(
                card,
                person,
                frozenset(s.lower() for s in specializations),
                frozenset(lang.lower() for lang in languages),
                utils.default_process(f"{person.name} {person.brokerage} {person.city}"),
            )
        )
    return entries
