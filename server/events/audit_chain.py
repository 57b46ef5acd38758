"""The audit log as a hash chain: each entry carries the SHA-256 of its own fields and of the
entry before it, so editing or deleting an entry breaks the chain where it happened.

The hash covers id, referral, actor, action, from and to status, reason and time, plus the
previous entry's hash (64 zeros before the first entry), encoded as compact JSON with sorted keys
and the time as UTC ISO 8601 with microseconds. The encoding is frozen: changing it would break
the verification of every chain already stored (migration 0005 chains older entries with it).

Entries are appended inside the hub's single writer (`Tx.finish`), which gives each its id
explicitly (the last id plus one), so the chain is serial and has no gaps: a missing id is a
deleted entry. Deleting the newest entries leaves a shorter chain that still verifies; keep the
head hash `triage audit verify` prints to notice that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.audit_hash import GENESIS, as_text, canonical_at, entry_hash
from server.storage.models import Audit, Person, Referral

__all__ = ["GENESIS", "canonical_at", "entry_hash"]  # the chain's stored format, for callers
CHAIN_LOCK = 0x7472_6961_6761  # "triaga": the audit chain, one appender at a time

# the chain's newest entry, read by every write transaction (built once)
_AUDIT = Audit.__table__.c
_HEAD = select(_AUDIT.id, _AUDIT.hash).order_by(_AUDIT.id.desc()).limit(1)
_LOCK_CHAIN = text(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})")
_HASHED = ("id", "referral_id", "actor_id", "action", "from_status", "to_status", "reason", "at")


def hash_of(entry: Audit, prev_hash: str) -> str:
    return entry_hash(
        id=entry.id, referral_id=entry.referral_id, actor_id=entry.actor_id, action=entry.action,
        from_status=entry.from_status, to_status=entry.to_status, reason=entry.reason,
        at=entry.at, prev_hash=prev_hash,
    )


async def append(session: AsyncSession, entries: Iterable[Audit]) -> None:
    """Chain `entries` after the newest stored entry and add them to the session.

    Call last in a write transaction: on PostgreSQL, where several hubs append at once, it
    takes the chain's lock (released at the commit), so no other entry lands in between."""
    entries = list(entries)
    if not entries:
        return
    if session.bind.dialect.name == "postgresql":
        await session.execute(_LOCK_CHAIN)
    head = (await session.execute(_HEAD)).first()
    last_id, prev = (head[0], head[1]) if head is not None else (0, GENESIS)
    for entry in entries:
        last_id += 1
        entry.id = last_id
        entry.prev_hash = prev
        entry.hash = prev = hash_of(entry, prev)
        session.add(entry)


@dataclass
class Problem:
    """One broken check: the entry it names, which check failed, and what that means."""

    entry_id: int
    check: str  # "deleted" | "edited" | "link"
    detail: str
    last_id: int | None = None  # for a run of deleted entries, the last missing id

    def describe(self) -> str:
        if self.last_id is not None and self.last_id != self.entry_id:
            return f"entries {self.entry_id}-{self.last_id}: {self.check}: {self.detail}"
        return f"entry {self.entry_id}: {self.check}: {self.detail}"

    def names(self, entry_id: int) -> bool:
        return self.entry_id <= entry_id <= (self.last_id or self.entry_id)


@dataclass
class ChainReport:
    entries: int = 0
    head_id: int = 0
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def checks_of(self, entry_id: int) -> list[str]:
        return [p.describe() for p in self.problems if p.names(entry_id)]


async def verify(session: AsyncSession, page: int = 5000) -> ChainReport:
    """Walk the whole chain in id order; every entry is checked against its own hash, its link to
    the entry before, and the ids for gaps. One bad entry does not hide the ones after it."""
    report = ChainReport()
    prev_id, prev_hash = 0, GENESIS
    async for entry in _in_id_order(session, page):
        if entry.id != prev_id + 1:
            report.problems.append(Problem(
                prev_id + 1, "deleted", "missing from the chain", last_id=entry.id - 1,
            ))
        if entry.prev_hash != prev_hash:
            before = f"entry {prev_id}'s hash" if prev_id else "the chain's start"
            report.problems.append(Problem(
                entry.id, "link",
                f"its prev_hash does not match {before}: an entry before it was deleted or rewritten",
            ))
        fields = {name: getattr(entry, name) for name in _HASHED}
        if entry_hash(**fields, prev_hash=entry.prev_hash) != entry.hash:
            report.problems.append(Problem(
                entry.id, "edited", "its fields no longer match its hash",
            ))
        report.entries += 1
        prev_id, prev_hash = entry.id, entry.hash
    report.head_id, report.head_hash = prev_id, prev_hash
    return report


async def _in_id_order(session: AsyncSession, page: int = 5000) -> AsyncIterator[Row[Any]]:
    """Every entry's hashed fields and hashes, in id order, a page at a time (keyset paging:
    one round trip to the driver per page, memory for one page)."""
    columns = [getattr(Audit, name) for name in _HASHED] + [Audit.prev_hash, Audit.hash]
    after = None
    while True:
        query = select(*columns).order_by(Audit.id).limit(page)
        if after is not None:
            query = query.where(Audit.id > after)
        rows = (await session.execute(query)).all()
        for row in rows:
            yield row
        if len(rows) < page:
            return
        after = rows[-1].id


@dataclass
class EvidenceEntry:
    id: int
    at: str
    actor_id: str
    actor_name: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str
    prev_hash: str
    hash: str
    verified: str  # "intact", or the failed checks naming this entry


@dataclass
class Evidence:
    """What a dispute over one referral needs: its status now and every audit entry of it, in
    order, with hashes and the chain's verification. No client contact: a reveal of contact is an
    entry ("contact_revealed"), never the contact itself."""

    referral_id: str
    exported_at: str
    kind: str
    status: str
    created_at: str
    updated_at: str
    chain: ChainReport
    entries: list[EvidenceEntry]


async def evidence(session: AsyncSession, referral_id: str, now: datetime) -> Evidence:
    ref = await session.get(Referral, referral_id)
    rows = (
        await session.execute(select(Audit).where(Audit.referral_id == referral_id).order_by(Audit.id))
    ).scalars().all()
    if ref is None and not rows:
        raise LookupError(f"no referral {referral_id} and no audit entry for it")
    actors = {a.actor_id for a in rows}
    names = {
        pid: name
        for pid, name in await session.execute(select(Person.id, Person.name).where(Person.id.in_(actors)))
    }
    chain = await verify(session)
    entries = [
        EvidenceEntry(
            id=a.id, at=canonical_at(a.at), actor_id=a.actor_id,
            actor_name=names.get(a.actor_id, a.actor_id), action=a.action,
            from_status=as_text(a.from_status), to_status=as_text(a.to_status), reason=a.reason,
            prev_hash=a.prev_hash, hash=a.hash,
            verified="; ".join(chain.checks_of(a.id)) or "intact",
        )
        for a in rows
    ]
    return Evidence(
        referral_id=referral_id,
        exported_at=canonical_at(now),
        kind=(as_text(ref.kind) or "") if ref else "",
        status=(as_text(ref.status) or "") if ref else "(no longer stored)",
        created_at=canonical_at(ref.created_at) if ref else "",
        updated_at=canonical_at(ref.updated_at) if ref else "",
        chain=chain,
        entries=entries,
    )
