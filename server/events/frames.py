"""The frames a committed change pushes: one event row per distinct view, one delivery per
recipient with that person's next sequence number, and the event frames spliced from them.

Events and deliveries are written as plain rows (Core), not through the ORM's bulk insert and its
per-row bookkeeping (about 3 ms of a claim storm's 200 deliveries per offer).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, insert, select, update
from sqlalchemy.engine import Compiled
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.id_lists import among
from server.storage.models import Delivery, Event, Person, UTCDateTime

_EVENTS = Event.__table__
_DELIVERIES = Delivery.__table__
_DELIVERY_COLUMNS = ("person_id", "seq", "event_id", "at")
_COMPILED: dict[str, Compiled] = {}  # the deliveries' INSERT, by dialect
_PEOPLE = Person.__table__
# built once, the ids one list parameter (server/storage/id_lists.py): built anew for 200 people
# each time, the statements cost more Python than SQLite spent running them
_ADVANCE = (
    update(_PEOPLE).where(among(_PEOPLE.c.id, "ids"))
    .values(last_seq=_PEOPLE.c.last_seq + bindparam("count", type_=Integer))
    .returning(_PEOPLE.c.id, _PEOPLE.c.last_seq)
)
# the same for people also offered something by the transaction: their last offer time moves
# with their sequence number, in one UPDATE of their rows rather than two (an open to 200 agents
# wrote each of their rows twice)
_ADVANCE_OFFERED = (
    update(_PEOPLE).where(among(_PEOPLE.c.id, "ids"))
    .values(
        last_seq=_PEOPLE.c.last_seq + bindparam("count", type_=Integer),
        last_offer_at=bindparam("at", type_=UTCDateTime()),
    )
    .returning(_PEOPLE.c.id, _PEOPLE.c.last_seq)
)
_LOCK_PEOPLE = (
    select(_PEOPLE.c.id).where(among(_PEOPLE.c.id, "ids"))
    .order_by(_PEOPLE.c.id)
    .with_for_update(key_share=True)  # FOR NO KEY UPDATE: inserts that reference them go on
)


@dataclass(frozen=True, slots=True)
class View:
    """One event's pieces, encoded once for all its recipients: its name, its time (JSON) and
    its body (JSON)."""

    name: str
    at_json: str
    body: str


@dataclass(slots=True)
class Push:
    """One frame for one person, pushed to their live connections after the commit (and the
    view it was spliced from, so other hubs can be handed it without asking the database)."""

    person_id: str
    seq: int
    frame: str
    view: View | None = None


@dataclass
class Outgoing:
    """One rendered view of one change and the people it goes to."""

    ref_id: str
    name: str
    body: str
    person_ids: list[str]


def event_frame(seq: int, name: str, at_json: str, body: str) -> str:
    """An event frame, spliced from pieces encoded once for all its recipients."""
    return f'{{"type":"event","seq":{seq},"name":"{name}","at":{at_json},"data":{body}}}'


async def deliver(
    session: AsyncSession, outgoing: list[Outgoing], now: datetime, at_json: str,
    offered: frozenset[str] = frozenset(),
) -> list[Push]:
    """One event row per outgoing view, the recipients' next sequence numbers, one delivery
    per recipient; the frames to push, in the order given. Those of `offered` (people the
    transaction offered something) who are recipients have their last offer time set to `now`
    with their sequence number (the others are the caller's to stamp)."""
    outgoing = [o for o in outgoing if o.person_ids]
    if not outgoing:
        return []
    # one multi-row INSERT ... RETURNING (asking for the ids in parameter order made it one
    # statement per row: 2,000 at a start that moves 1,000 offers on); each row comes back
    # with its content, and rows of the same content are interchangeable
    bodies = [o.body.encode() for o in outgoing]
    columns = _EVENTS.c
    returned = await session.execute(
        insert(_EVENTS).returning(columns.id, columns.referral_id, columns.name, columns.body),
        [
            {"referral_id": o.ref_id, "name": o.name, "at": now, "body": body}
            for o, body in zip(outgoing, bodies, strict=True)
        ],
    )
    ids_of: dict[tuple[str, str, bytes], list[int]] = {}
    for event_id, ref_id, name, body in returned:
        ids_of.setdefault((ref_id, name, body), []).append(event_id)
    event_ids = [
        ids_of[(o.ref_id, o.name, body)].pop() for o, body in zip(outgoing, bodies, strict=True)
    ]
    counts = Counter(pid for o in outgoing for pid in o.person_ids)
    last = await _advance_sequences(session, counts, offered, now)
    first = {pid: last[pid] - counts[pid] for pid in last}  # the seq before this transaction's
    deliveries: list[dict[str, object]] = []
    pushes: list[Push] = []
    for item, event_id in zip(outgoing, event_ids, strict=True):
        view = View(item.name, at_json, item.body)
        for pid in item.person_ids:
            if pid not in first:
                continue
            seq = first[pid] = first[pid] + 1
            deliveries.append({"person_id": pid, "seq": seq, "event_id": event_id, "at": now})
            pushes.append(Push(pid, seq, event_frame(seq, item.name, at_json, item.body), view))
    if deliveries:
        await _insert_deliveries(session, deliveries)
    return pushes


async def _insert_deliveries(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """The deliveries in one driver-level executemany: the statement compiled once per
    dialect, the one time of them all converted once. SQLAlchemy's own executemany converts
    each row's parameters on its own, 2 ms of a claim storm's 201 deliveries per event."""
    conn = await session.connection()
    dialect = conn.dialect
    compiled = _COMPILED.get(dialect.name)
    if compiled is None:
        compiled = _COMPILED[dialect.name] = insert(_DELIVERIES).compile(
            dialect=dialect, column_keys=list(_DELIVERY_COLUMNS)
        )
    convert = _DELIVERIES.c.at.type.bind_processor(dialect)
    at = {row["at"] for row in rows}  # one time for all (a transaction's `now`)
    stored = {when: convert(when) if convert else when for when in at}
    order = compiled.positiontup or []  # both dialects' paramstyles are positional
    assert sorted(order) == sorted(_DELIVERY_COLUMNS), order
    params = [tuple(stored[row[name]] if name == "at" else row[name] for name in order) for row in rows]
    await conn.exec_driver_sql(compiled.string, params)


async def _advance_sequences(
    session: AsyncSession, counts: Counter[str], offered: frozenset[str], now: datetime
) -> dict[str, int]:
    """Move each person's sequence number on by their count of deliveries; their new last
    sequence numbers (people who no longer exist are left out).

    The UPDATE reads and writes `last_seq` in one step: on PostgreSQL a second hub delivering to
    the same person waits for this transaction's row lock and then continues from its result,
    so sequence numbers stay unique and gapless across hubs. The rows are locked in id order
    first, so two transactions never wait on each other in a circle. One UPDATE per distinct
    count (usually one), not a parameter set per person."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(_LOCK_PEOPLE, {"ids": sorted(counts)})
    by_count: dict[tuple[int, bool], list[str]] = {}
    for pid, count in counts.items():
        by_count.setdefault((count, pid in offered), []).append(pid)
    last: dict[str, int] = {}
    for (count, was_offered), pids in by_count.items():
        if was_offered:
            rows = await session.execute(_ADVANCE_OFFERED, {"ids": pids, "count": count, "at": now})
        else:
            rows = await session.execute(_ADVANCE, {"ids": pids, "count": count})
        last.update((pid, seq) for pid, seq in rows)
    return last
