"""One write transaction and the events it produces.

Operations change rows through a `Tx`, `touch` every referral they change (before changing it),
and write audit entries through it. When the operation is done, `finish` works out, for each
touched referral, who sees it now and how, writes one event row per distinct view and one
delivery per recipient with that person's next sequence number, and appends the audit entries to
the hash chain (server/events/audit_chain.py), all in the same transaction.
The hub pushes the returned frames only after the commit, in commit order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.events import audit_chain
from server.events.awards import Award, AwardBook
from server.events.frames import Outgoing, Push, deliver
from server.events.mail import Mail
from server.storage.id_lists import among
from server.storage.models import Audit, Person, Referral, UTCDateTime
from server.views.audience import audience_of
from server.views.bulk_audience import audiences_of
from server.views.fields import many_referral_fields
from server.views.masking import render
from server.views.visibility import RefFacts, Viewer
from shared.domain import Kind, Visibility
from shared.lifecycle import Party
from shared.protocol import (
    EVENT_REMOVED,
    EVENT_UPSERT,
    PersonRef,
    ReferralView,
    RemovedData,
    encoder,
)

__all__ = ["Push", "Tx"]

_PEOPLE = Person.__table__
# the last offer time of the people offered something (sorted: PostgreSQL locks them in id order)
_OFFERED = (
    update(_PEOPLE).where(among(_PEOPLE.c.id, "ids"))
    .values(last_offer_at=bindparam("at", type_=UTCDateTime()))
)


@dataclass
class _Touched:
    ref: Referral
    before: dict[str, Viewer]
    reason: str = ""
    winner: PersonRef | None = None


@dataclass(frozen=True)
class Mark:
    """What a `Tx` had gathered at one point, to go back to when a change after it is undone
    (group commit's savepoints)."""

    touched: dict[str, _Touched]
    notes: int
    audits: int
    mails: int
    won: int
    offered: frozenset[str]
    earliest_new_deadline: datetime | None


@dataclass
class Tx:
    session: AsyncSession
    now: datetime
    _touched: dict[str, _Touched] = field(default_factory=dict)
    _notes: list[tuple[str, list[str], str, object]] = field(default_factory=list)
    _audits: list[Audit] = field(default_factory=list)
    mails: list[Mail] = field(default_factory=list)
    awards: AwardBook | None = None  # the hub's book of committed awards, when it keeps one
    mailing: bool = True  # e-mail is sent at all (the hub's SMTP is on): else `mail` keeps none
    _won: list[Award] = field(default_factory=list)
    _final: dict[str, tuple[dict[str, object], dict[str, Viewer]]] = field(default_factory=dict)
    earliest_new_deadline: datetime | None = None  # of the claim clocks this transaction started
    _offered: set[str] = field(default_factory=set)
    _open_offers: dict[str, dict[str, datetime]] = field(default_factory=dict)  # as finished

    async def referral(self, ref_id: str) -> Referral | None:
        """The referral, locked for this transaction (PostgreSQL: `SELECT ... FOR UPDATE`, so
        hubs changing one referral at once take turns and each sees the other's commit; SQLite's
        single writer needs no lock) and read afresh."""
        return await self.session.get(
            Referral, ref_id, with_for_update={"key_share": True}, populate_existing=True
        )

    async def lock_referrals(self, ref_ids: Iterable[str]) -> dict[str, Referral]:
        """Several referrals locked in id order (two transactions never wait on each other in a
        circle over them), read afresh."""
        rows = await self.session.execute(
            select(Referral).where(Referral.id.in_(sorted(set(ref_ids)))).order_by(Referral.id)
            .with_for_update(key_share=True).execution_options(populate_existing=True)
        )
        return {ref.id: ref for ref in rows.scalars()}

    def mark(self) -> Mark:
        """Where this transaction stands now; `back_to` returns to it."""
        return Mark(
            {ref_id: replace(t) for ref_id, t in self._touched.items()}, len(self._notes),
            len(self._audits), len(self.mails), len(self._won), frozenset(self._offered),
            self.earliest_new_deadline,
        )

    def back_to(self, mark: Mark) -> None:
        """Forget what was gathered since `mark` (its rows were rolled back to a savepoint)."""
        self._touched = dict(mark.touched)
        del self._notes[mark.notes:], self._audits[mark.audits:], self.mails[mark.mails:]
        del self._won[mark.won:]
        self._offered = set(mark.offered)
        self.earliest_new_deadline = mark.earliest_new_deadline

    def offered(self, agent_ids: Iterable[str]) -> None:
        """These agents were offered something now: their last offer time moves on at the end,
        after the people of this transaction are locked in id order (an UPDATE of them earlier
        locked them out of order, and two hubs' transactions waited on each other in a circle)."""
        self._offered.update(agent_ids)

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
            for ref_id, deadlines in self._open_offers.items():
                self.awards.saw_offers(ref_id, deadlines)

    def mail(self, person_id: str, kind: str, subject: str, body: str) -> None:
        """E-mail `person_id` after the commit, if they asked for `kind` notifications."""
        if self.mailing:
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

    def audience_before(self, ref_id: str) -> set[str]:
        """Who saw the touched referral `ref_id` before this transaction changed it."""
        touched = self._touched.get(ref_id)
        return set(touched.before) if touched is not None else set()

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
        self.record(ref.id, actor_id, action, reason, from_status, to_status)

    def record(
        self, subject_id: str, actor_id: str, action: str, reason: str,
        from_status: str | None = None, to_status: str | None = None,
    ) -> None:
        """Record a change to `subject_id`: a referral's move (`audit`), or something other than a
        referral (a person, a program, a network group, a claim window), in the same chain."""
        self._audits.append(Audit(
            referral_id=subject_id, actor_id=actor_id, action=action, from_status=from_status,
            to_status=to_status, reason=reason, at=self.now,
        ))

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
        outgoing: list[Outgoing] = []
        touched = list(self._touched.values())
        after = await audiences_of(self.session, [t.ref for t in touched])
        fields = await many_referral_fields(self.session, [t.ref for t in touched])
        for item, item_fields in zip(touched, fields, strict=True):
            outgoing += self._publish(item, item_fields, *after[item.ref.id])
            self._final[item.ref.id] = (item_fields, after[item.ref.id][0])
            if item.ref.kind == Kind.APPOINTMENT:
                offers = after[item.ref.id][1].offers
                self._open_offers[item.ref.id] = {aid: o.deadline for aid, o in offers.items()}
        for ref_id, person_ids, name, data in self._notes:
            outgoing.append(Outgoing(ref_id, name, encoder.encode(data).decode(), person_ids))
        offered = frozenset(self._offered)  # stamped with their sequence, if they get an event
        pushes = await deliver(
            self.session, outgoing, self.now, encoder.encode(self.now).decode(), offered
        )
        unstamped = offered.difference(*(o.person_ids for o in outgoing))
        if unstamped:
            await self.session.execute(_OFFERED, {"ids": sorted(unstamped), "at": self.now})
        await audit_chain.append(self.session, self._audits)
        self._audits.clear()
        return pushes

    def _publish(
        self, touched: _Touched, fields: dict[str, object], after: dict[str, Viewer], facts: RefFacts
    ) -> list[Outgoing]:
        ref = touched.ref
        groups: dict[tuple[object, ...], list[Viewer]] = {}
        for viewer in _nearest_first(ref, facts, list(after.values())):
            groups.setdefault(viewer.key(), []).append(viewer)
        outgoing = [
            Outgoing(
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
            outgoing.append(Outgoing(ref.id, EVENT_REMOVED, encoder.encode(removed).decode(), gone))
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


def _nearest_first(ref: Referral, facts: RefFacts, viewers: list[Viewer]) -> list[Viewer]:
    """Viewers in the order their events go out: the recipients of an agent referral
    nearest the client's location first (docs/domain.md, "Agent referral modes"), then everyone else."""
    if ref.kind != Kind.AGENT:
        return viewers
    miles = {pid: row.distance_miles for pid, row in facts.recipients.items()}

    def key(viewer: Viewer) -> tuple[bool, float]:
        d = miles.get(viewer.person_id)
        return (d is None, d or 0.0)

    return sorted(viewers, key=key)
