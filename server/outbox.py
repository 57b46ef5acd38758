"""One write transaction and the events it produces.

Operations change rows through a `Tx`, `touch` every referral they change (before changing it),
and write audit entries through it. When the operation is done, `finish` works out, for each
touched referral, who sees it now and how, writes one event row per distinct view and one
delivery per recipient with that person's next sequence number, and appends the audit entries to
the hash chain (server/audit_chain.py), all in the same transaction.
The hub pushes the returned frames only after the commit, in commit order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit_chain
from server.audience import audience_of
from server.mailer import Mail
from server.models import Audit, Delivery, Event, Person, Program, Recipient, Referral, Signature
from server.views import full_fields, render
from server.visibility import Viewer
from shared.domain import Kind, Visibility
from shared.lifecycle import Party
from shared.protocol import (
    EVENT_REMOVED,
    EVENT_UPSERT,
    PersonRef,
    RecipientView,
    RemovedData,
    encoder,
)


@dataclass
class Push:
    person_id: str
    seq: int
    frame: str


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

    async def finish(self) -> list[Push]:
        """Write the events of every touched referral; return the frames to push after commit."""
        await self.session.flush()
        pushes: list[Push] = []
        at_json = encoder.encode(self.now).decode()
        for touched in self._touched.values():
            pushes += await self._publish(touched, at_json)
        for ref_id, person_ids, name, data in self._notes:
            body = encoder.encode(data).decode()
            pushes += await self._deliver(ref_id, name, body, person_ids, at_json)
        await audit_chain.append(self.session, self._audits)
        self._audits.clear()
        return pushes

    async def _publish(self, touched: _Touched, at_json: str) -> list[Push]:
        ref = touched.ref
        after = await audience_of(self.session, ref)
        fields = await referral_fields(self.session, ref)
        groups: dict[tuple[object, ...], list[Viewer]] = {}
        for viewer in await self._nearest_first(ref, list(after.values())):
            groups.setdefault(viewer.key(), []).append(viewer)
        pushes: list[Push] = []
        for viewers in groups.values():
            body = encoder.encode(render(fields, ref, viewers[0])).decode()
            pushes += await self._deliver(ref.id, EVENT_UPSERT, body, [v.person_id for v in viewers], at_json)
        gone = [pid for pid in touched.before if pid not in after]
        if gone:
            removed = RemovedData(
                id=ref.id, reason=touched.reason or "no longer yours to see", winner=touched.winner,
                at=self.now,
            )
            body = encoder.encode(removed).decode()
            pushes += await self._deliver(ref.id, EVENT_REMOVED, body, gone, at_json)
        for viewer in after.values():
            self._audit_reveal(ref, viewer, touched.before.get(viewer.person_id))
        return pushes

    async def _nearest_first(self, ref: Referral, viewers: list[Viewer]) -> list[Viewer]:
        """Viewers in the order their events go out: the recipients of an agent referral
        nearest the client's location first (domain.md, network mode), then everyone else."""
        if ref.kind != Kind.AGENT:
            return viewers
        rows = await self.session.execute(
            select(Recipient.person_id, Recipient.distance_miles).where(Recipient.referral_id == ref.id)
        )
        miles = {pid: d for pid, d in rows}

        def key(viewer: Viewer) -> tuple[bool, float]:
            d = miles.get(viewer.person_id)
            return (d is None, d or 0.0)

        return sorted(viewers, key=key)

    def _audit_reveal(self, ref: Referral, viewer: Viewer, before: Viewer | None) -> None:
        """Each reveal of contact to a party other than its owner is an audit entry."""
        if viewer.visibility != Visibility.FULL:
            return
        if before is not None and before.visibility == Visibility.FULL:
            return
        if viewer.parties & {Party.SENDER, Party.CONCIERGE, Party.VENDOR}:
            return
        self.audit(ref, viewer.person_id, "contact_revealed", reason="contact shared")

    async def _deliver(
        self, ref_id: str, name: str, body: str, person_ids: list[str], at_json: str
    ) -> list[Push]:
        event_id = await self.session.scalar(
            insert(Event)
            .values(referral_id=ref_id, name=name, at=self.now, body=body.encode())
            .returning(Event.id)
        )
        rows = await self.session.execute(
            update(Person)
            .where(Person.id.in_(person_ids))
            .values(last_seq=Person.last_seq + 1)
            .returning(Person.id, Person.last_seq)
            .execution_options(synchronize_session=False)
        )
        order = {pid: i for i, pid in enumerate(person_ids)}
        seqs = sorted(rows.all(), key=lambda row: order[row[0]])  # pushed in the callers' order
        await self.session.execute(
            insert(Delivery),
            [{"person_id": pid, "seq": seq, "event_id": event_id, "at": self.now} for pid, seq in seqs],
        )
        return [Push(pid, seq, event_frame(seq, name, at_json, body)) for pid, seq in seqs]
