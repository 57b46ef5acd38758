"""The `report` and `export` operations: load rows, compute figures (server.views.report_figures), or page an
export through the same visibility and masking as the app (visible_referrals + render)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.operations.context import OpContext
from server.storage.models import Audit, Invoice, Offer, Person, Program, Recipient, Referral
from server.views import export_pages
from server.views.fields import person_refs
from server.views.report_figures import (
    InvoiceRow,
    MoveRow,
    OfferRow,
    RecipientRow,
    RefRow,
    Rows,
    compute,
    default_period,
)
from shared.domain import Role
from shared.protocol import (
    ErrorCode,
    ExportArgs,
    ExportResult,
    ReportArgs,
    ReportResult,
)

SCOPES = ("me", "desk")


def utc(when: datetime | None) -> datetime | None:
    """A time given without a zone is taken as UTC."""
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


async def load_rows(session: AsyncSession, who: str | None) -> Rows:
    """Every row a report on `who` (None: the whole desk) needs."""
    query = select(Referral, Program.vendor_id).outerjoin(Program, Referral.program_id == Program.id)
    if who is not None:
        query = query.where(
            or_(
                Referral.sender_id == who,
                Referral.receiver_id == who,
                Referral.id.in_(select(Recipient.referral_id).where(Recipient.person_id == who)),
                Referral.id.in_(select(Offer.referral_id).where(Offer.agent_id == who)),
                Program.vendor_id == who,
            )
        )
    rows = Rows()
    for ref, vendor_id in (await session.execute(query)).all():
        rows.referrals.append(RefRow(
            id=ref.id, kind=ref.kind, status=ref.status, sender_id=ref.sender_id,
            receiver_id=ref.receiver_id, created_at=ref.created_at, awarded_at=ref.awarded_at,
            fee_percent=ref.fee_percent, vendor_id=vendor_id,
        ))
    ids = [r.id for r in rows.referrals]
    for rec in (await session.execute(select(Recipient).where(Recipient.referral_id.in_(ids)))).scalars():
        rows.recipients.append(RecipientRow(rec.referral_id, rec.person_id, rec.answer))
    for o in (await session.execute(select(Offer).where(Offer.referral_id.in_(ids)))).scalars():
        rows.offers.append(OfferRow(o.referral_id, o.agent_id, o.state, o.offered_at, o.closed_at))
    moves = select(Audit.referral_id, Audit.to_status, Audit.at).where(
        Audit.referral_id.in_(ids), Audit.to_status.is_not(None)
    )
    for ref_id, to_status, at in await session.execute(moves):
        rows.moves.append(MoveRow(ref_id, to_status, at))
    invoices = select(Invoice, Program.vendor_id).join(Program, Invoice.program_id == Program.id)
    if who is not None:
        invoices = invoices.where(or_(Invoice.partner_id == who, Program.vendor_id == who))
    for inv, vendor_id in (await session.execute(invoices)).all():
        rows.invoices.append(InvoiceRow(inv.partner_id, vendor_id, inv.amount, inv.created_at))
    return rows


async def report(ctx: OpContext, args: ReportArgs) -> ReportResult:
    if args.scope not in SCOPES:
        raise HubError(ErrorCode.BAD_REQUEST, f"scope must be one of {', '.join(SCOPES)}", field="scope")
    person = ctx.person
    if args.scope == "desk" and Role.CONCIERGE not in person.role_list:
        raise HubError(ErrorCode.FORBIDDEN, "the desk report is for the concierge desk")
    since, until = default_period(ctx.now(), utc(args.since), utc(args.until))
    if since >= until:
        raise HubError(ErrorCode.BAD_REQUEST, "since must be before until", field="since")
    who = person.id if args.scope == "me" else None
    async with ctx.read() as session:
        rows = await load_rows(session, who)
        me = (await person_refs(session, {person.id})).get(person.id) if who else None
    return compute(rows, who, since, until, args.scope, me)


async def export(ctx: OpContext, args: ExportArgs) -> ExportResult:
    if args.what not in export_pages.WHAT:
        raise HubError(ErrorCode.BAD_REQUEST, f"what must be one of {', '.join(export_pages.WHAT)}",
                       field="what")
    async with ctx.read() as session:
        fresh = await session.get(Person, ctx.person.id, populate_existing=True)
        assert fresh is not None
        return await export_pages.page(session, fresh, args.what, utc(args.since), args.offset, args.limit)
