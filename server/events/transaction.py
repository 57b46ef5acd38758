"""One write transaction and the events it produces.

Operations change rows through a `Tx`, `touch` every referral they change (before changing it),
and write audit entries through it. When the operation is done, `finish` works out, for each
touched referral, who sees it now and how, writes one event row per distinct view and one
delivery per recipient with that person's next sequence number, and appends the audit entries to
the hash chain (server/events/audit_chain.py), all in the same transaction.
The hub pushes the returned frames only after the commit, in commit order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.events import audit_chain
from server.events.awards import Award, AwardBook
from server.events.mail import Mail
from server.storage.models import (
    Audit,
    Delivery,
    Event,
    Person,
    Program,
    Recipient,
    Referral,
    Signature,
)
from server.views.audience import audience_of
from server.views.bulk_audience import audiences_of
from server.views.masking import full_fields, render
from server.views.visibility import RefFacts, Viewer
from shared.domain import Kind, Visibility
from shared.lifecycle import Party
from shared.protocol import (
    EVENT_REMOVED,
    EVENT_UPSERT,
    PersonRef,
    RecipientView,
    ReferralView,
    RemovedData,
    encoder,
)

# events and deliveries are written as plain rows (Core), not through the ORM's bulk insert and
# its per-row bookkeeping (about 3 ms of a claim storm's 200 deliveries per offer)
_EVENTS = Event.__table__
_DELIVERIES = Delivery.__table__


@dataclass
class Push:
    person_id: str
    seq: int
    frame: str


@dataclass
class _Outgoing:
    """One rendered view of one change and the people it goes to."""

    ref_id: str
    name: str
    body: str
    person_ids: list[str]


@dataclass
class _Touched:
    ref: Referral
    before: dict[str, Viewer]
    reason: str = ""
    winner: PersonRef | None = None


def event_frame(seq: int, name: str, at_json: str, body: str) -> str:
    """An event frame, spliced from pieces encoded once for all its recipients."""
    return f'{{"type":"event","seq":{seq},"name":"{name}","at":{at_json},"data":{body}}}'


async def person_refs(session: AsyncSession, ids: set[str]) -> dict[str, PersonRef]:
    rows = await session.execute(
        select(Person.id, Person.name, Person.brokerage).where(Person.id.in_(ids))
    )
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


@dataclass
class Tx:
    session: AsyncSession
    now: datetime
    _touched: dict[str, _Touched] = field(default_factory=dict)
    _notes: list[tuple[str, list[str], str, object]] = field(default_factory=list)
    _audits: list[Audit] = field(default_factory=list)
    mails: list[Mail] = field(default_factory=list)
    awards: AwardBook | None = None  # the hub's book of committed awards, when it keeps one
    _won: list[Award] = field(default_factory=list)
    _final: dict[str, tuple[dict[str, object], dict[str, Viewer]]] = field(default_factory=dict)
    earliest_new_deadline: datetime | None = None  # of the claim clocks this transaction started

    def new_deadline(self, deadline: datetime) -> None:
        """An offer with a claim clock running until `deadline` was made."""
        if self.earliest_new_deadline is None or deadline < self.earliest_new_deadline:
            self.earliest_new_deadline = deadline

    def won(self, award: Award) -> None:
        """Remember `award` in the hub's book once this transaction commits."""
        self._won.append(award)

    def committed(self) -> None:
        """Called by the hub after the commit: what this transaction decided is now fact."""
        if self.awards is not None:
            self.awards.record(self._won)

    def mail(self, person_id: str, kind: str, subject: str, body: str) -> None:
        """E-mail `person_id` after the commit, if they asked for `kind` notifications."""
        self.mails.append(Mail(person_id, kind, subject, body))

    def notify(self, ref_id: str, person_ids: list[str], name: str, data: object) -> None:
        """Push event `name` with `data` to `person_ids` after the commit (e.g. a new message)."""
        self._notes.append((ref_id, person_ids, name, data))

    async def touch(
        self,
        ref: Referral,
        *,
        reason: str = "",
        winner: PersonRef | None = None,
        new: bool = False,
    ) -> None:
        """Mark `ref` as changing. Call before changing it; `reason` tells those who lose it why."""
        touched = self._touched.get(ref.id)
        if touched is None:
            before = {} if new else await audience_of(self.session, ref)
            self._touched[ref.id] = touched = _Touched(ref, before)
        if reason:
            touched.reason = reason
        if winner is not None:
            touched.winner = winner
        ref.updated_at = self.now

    def view_after(self, ref_id: str, person_id: str) -> ReferralView | None:
        """How `person_id` sees `ref_id` as this finished transaction left it: what a fresh read
        after the commit would answer, without one. None when the transaction did not touch it;
        when the change took it out of their view, how they saw it before, with no offer,
        actions or moves (a pass, a decline)."""
        final = self._final.get(ref_id)
        if final is None:
            return None
        fields, after = final
        viewer = after.get(person_id)
        if viewer is None:
            before = self.viewer_before(ref_id, person_id)
            if before is None:
                return None
            viewer = replace(before, offer=None, actions=(), moves=())
        return render(fields, self._touched[ref_id].ref, viewer)

    def viewer_before(self, ref_id: str, person_id: str) -> Viewer | None:
        """How `person_id` saw the touched referral `ref_id` before this transaction changed it."""
        touched = self._touched.get(ref_id)
        return touched.before.get(person_id) if touched is not None else None

    def audit(
        self,
        ref: Referral,
        actor_id: str,
        action: str,
        from_status: str | None = None,
        to_status: str | None = None,
        reason: str = "",
    ) -> None:
        """Record a move; entries are chained and written when the transaction finishes."""
        self._audits.append(
            Audit(
                referral_id=ref.id,
                actor_id=actor_id,
                action=action,
                from_status=from_status,
                to_status=to_status,
                reason=reason,
                at=self.now,
            )
        )

    async def touch_many(self, refs: list[Referral], *, reason: str = "") -> None:
        """`touch` for many referrals, their audiences loaded together."""
        fresh = {ref.id: ref for ref in refs if ref.id not in self._touched}
        for ref_id, (before, _) in (await audiences_of(self.session, list(fresh.values()))).items():
            self._touched[ref_id] = _Touched(fresh[ref_id], before)
        for ref in refs:
            await self.touch(ref, reason=reason)

    async def finish(self) -> list[Push]:
        """Write the events of every touched referral; return the frames to push after commit.

        Audiences and fields of all touched referrals are loaded together, and all events,
        sequence numbers and deliveries are written in a few statements, however many."""
        await self.session.flush()
        outgoing: list[_Outgoing] = []
        touched = list(self._touched.values())
        after = await audiences_of(self.session, [t.ref for t in touched])
        fields = await many_referral_fields(self.session, [t.ref for t in touched])
        for item, item_fields in zip(touched, fields, strict=True):
            outgoing += self._publish(item, item_fields, *after[item.ref.id])
            self._final[item.ref.id] = (item_fields, after[item.ref.id][0])
        for ref_id, person_ids, name, data in self._notes:
            outgoing.append(_Outgoing(ref_id, name, encoder.encode(data).decode(), person_ids))
        pushes = await self._deliver(outgoing, encoder.encode(self.now).decode())
        await audit_chain.append(self.session, self._audits)
        self._audits.clear()
        return pushes

    def _publish(
        self, touched: _Touched, fields: dict[str, object], after: dict[str, Viewer], facts: RefFacts
    ) -> list[_Outgoing]:
        ref = touched.ref
        groups: dict[tuple[object, ...], list[Viewer]] = {}
        for viewer in _nearest_first(ref, facts, list(after.values())):
            groups.setdefault(viewer.key(), []).append(viewer)
        outgoing = [
            _Outgoing(
                ref.id, EVENT_UPSERT, encoder.encode(render(fields, ref, viewers[0])).decode(),
                [v.person_id for v in viewers],
            )
            for viewers in groups.values()
        ]
        gone = [pid for pid in touched.before if pid not in after]
        if gone:
            removed = RemovedData(
                id=ref.id, reason=touched.reason or "no longer yours to see", winner=touched.winner,
                at=self.now,
            )
            outgoing.append(_Outgoing(ref.id, EVENT_REMOVED, encoder.encode(removed).decode(), gone))
        for viewer in after.values():
            self._audit_reveal(ref, viewer, touched.before.get(viewer.person_id))
        return outgoing

    def _audit_reveal(self, ref: Referral, viewer: Viewer, before: Viewer | None) -> None:
        """Each reveal of contact to a party other than its owner is an audit entry."""
        if viewer.visibility != Visibility.FULL:
            return
        if before is not None and before.visibility == Visibility.FULL:
            return
        if viewer.parties & {Party.SENDER, Party.CONCIERGE, Party.VENDOR}:
            return
        self.audit(ref, viewer.person_id, "contact_revealed", reason="contact shared")

    async def _deliver(self, outgoing: list[_Outgoing], at_json: str) -> list[Push]:
        """One event row per outgoing view, the recipients' next sequence numbers, one delivery
        per recipient; the frames to push, in the order given."""
        outgoing = [o for o in outgoing if o.person_ids]
        if not outgoing:
            return []
        # one multi-row INSERT ... RETURNING (asking for the ids in parameter order made it one
        # statement per row: 2,000 at a start that moves 1,000 offers on); each row comes back
        # with its content, and rows of the same content are interchangeable
        bodies = [o.body.encode() for o in outgoing]
        columns = _EVENTS.c
        returned = await self.session.execute(
            insert(_EVENTS).returning(columns.id, columns.referral_id, columns.name, columns.body),
            [
                {"referral_id": o.ref_id, "name": o.name, "at": self.now, "body": body}
                for o, body in zip(outgoing, bodies, strict=True)
            ],
        )
        ids_of: dict[tuple[str, str, bytes], list[int]] = {}
        for event_id, ref_id, name, body in returned:
            ids_of.setdefault((ref_id, name, body), []).append(event_id)
        event_ids = [
            ids_of[(o.ref_id, o.name, body)].pop() for o, body in zip(outgoing, bodies, strict=True)
        ]
        people = {pid for o in outgoing for pid in o.person_ids}
        last = dict(
            (await self.session.execute(select(Person.id, Person.last_seq).where(Person.id.in_(people)))).all()
        )
        deliveries: list[dict[str, object]] = []
        pushes: list[Push] = []
        for item, event_id in zip(outgoing, event_ids, strict=True):
            for pid in item.person_ids:
                if pid not in last:
                    continue
                seq = last[pid] = last[pid] + 1
                deliveries.append({"person_id": pid, "seq": seq, "event_id": event_id, "at": self.now})
                pushes.append(Push(pid, seq, event_frame(seq, item.name, at_json, item.body)))
        # each recipient's sequence number moves on by its count of deliveries: one UPDATE per
        # distinct count (usually one) rather than a parameter set per person
        by_count: dict[int, list[str]] = {}
        for pid, count in Counter(d["person_id"] for d in deliveries).items():
            by_count.setdefault(count, []).append(pid)
        for count, pids in by_count.items():
            await self.session.execute(
                update(Person).where(Person.id.in_(pids)).values(last_seq=Person.last_seq + count)
                .execution_options(synchronize_session=False)
            )
        await self.session.execute(insert(_DELIVERIES), deliveries)
        return pushes


def _nearest_first(ref: Referral, facts: RefFacts, viewers: list[Viewer]) -> list[Viewer]:
    """Viewers in the order their events go out: the recipients of an agent referral
    nearest the client's location first (domain.md, network mode), then everyone else."""
    if ref.kind != Kind.AGENT:
        return viewers
    miles = {pid: row.distance_miles for pid, row in facts.recipients.items()}

    def key(viewer: Viewer) -> tuple[bool, float]:
        d = miles.get(viewer.person_id)
        return (d is None, d or 0.0)

    return sorted(viewers, key=key)
