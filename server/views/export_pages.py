"""Export pages: what a person may see, masked exactly as the app shows it.

- referrals: `visible_referrals` then `render`, as the inbox (contact only where entitled);
- audit: the entries of those referrals only, with a contact reveal shown as `referral.get` does
  (to the person who was shown the contact, or to a viewer who sees the contact anyway); and the
  team's changes (people, programs, network groups, claim windows): all of them to the desk, a
  person's own to that person;
- invoices: the person's own (`invoices_for`: as the partner or as the program's vendor).
Each list is ordered oldest first (then by id), so pages stay stable while the export runs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models import Audit, Person
from server.views.audience import visible_referrals
from server.views.fields import many_referral_fields, person_refs
from server.views.invoices import invoice_view, invoices_for
from server.views.masking import render
from shared.domain import Role, Visibility
from shared.protocol import ExportAuditRow, ExportResult

WHAT = ("referrals", "audit", "invoices")
# the audit actions of team changes (server/team): their `referral_id` names what changed
TEAM_ACTIONS = ("person_added", "person_changed", "program_added", "program_changed",
                "network_added", "network_changed", "window_set")


async def page(
    session: AsyncSession, person: Person, what: str, since: datetime | None, offset: int, limit: int
) -> ExportResult:
    if what == "referrals":
        return await _referrals(session, person, since, offset, limit)
    if what == "audit":
        return await _audit(session, person, since, offset, limit)
    return await _invoices(session, person, since, offset, limit)


async def _referrals(
    session: AsyncSession, person: Person, since: datetime | None, offset: int, limit: int
) -> ExportResult:
    rows = [(ref, viewer) for ref, viewer in await visible_referrals(session, person)
            if since is None or ref.created_at >= since]
    rows.sort(key=lambda rv: (rv[0].created_at, rv[0].id))
    chunk = rows[offset:offset + limit]
    fields = await many_referral_fields(session, [ref for ref, _ in chunk])
    views = [render(f, ref, viewer) for f, (ref, viewer) in zip(fields, chunk, strict=True)]
    return ExportResult(what="referrals", total=len(rows), offset=offset, referrals=views)


async def _audit(
    session: AsyncSession, person: Person, since: datetime | None, offset: int, limit: int
) -> ExportResult:
    full = {ref.id: viewer.visibility == Visibility.FULL
            for ref, viewer in await visible_referrals(session, person)}
    team = Audit.action.in_(TEAM_ACTIONS)
    if Role.CONCIERGE not in person.role_list:
        team = and_(team, Audit.referral_id == person.id)
    query = select(Audit).where(or_(Audit.referral_id.in_(list(full)), team)).order_by(Audit.at, Audit.id)
    if since is not None:
        query = query.where(Audit.at >= since)
    entries = [
        a for a in (await session.execute(query)).scalars()
        if a.action != "contact_revealed" or a.actor_id == person.id or full.get(a.referral_id)
    ]
    chunk = entries[offset:offset + limit]
    names = await person_refs(session, {a.actor_id for a in chunk}) if chunk else {}
    out = [
        ExportAuditRow(
            referral_id=a.referral_id, at=a.at,
            actor=names[a.actor_id].name if a.actor_id in names else a.actor_id,
            action=a.action, from_status=a.from_status, to_status=a.to_status, reason=a.reason,
        )
        for a in chunk
    ]
    return ExportResult(what="audit", total=len(entries), offset=offset, audit=out)


async def _invoices(
    session: AsyncSession, person: Person, since: datetime | None, offset: int, limit: int
) -> ExportResult:
    rows = [i for i in await invoices_for(session, person.id) if since is None or i.created_at >= since]
    rows.sort(key=lambda i: (i.created_at, i.id))
    out = [invoice_view(i) for i in rows[offset:offset + limit]]
    return ExportResult(what="invoices", total=len(rows), offset=offset, invoices=out)
