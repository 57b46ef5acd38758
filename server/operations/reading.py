"""The operations that only read: the inbox, a referral's detail, open-referral and agent search,
invoices, and the routing dry run. None of them waits for a write."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.operations.context import OpContext
from server.operations.replies import view_now, views_of
from server.referrals import threads
from server.routing.dry_run import dry_run as routing_dry_run
from server.storage.models import Audit, Person
from server.views.fields import person_refs
from server.views.inbox_pages import inbox_page
from server.views.invoices import invoice_view, invoices_for
from server.views.open_search import by_link, check_area, open_referrals
from shared.inbox_query import InboxFilter
from shared.protocol import (
    AgentSearchArgs,
    AgentsResult,
    AuditEntry,
    DetailResult,
    DryRunArgs,
    DryRunResult,
    EmptyArgs,
    ErrorCode,
    InboxArgs,
    InboxResult,
    InvoicesResult,
    LinkArgs,
    OpenSearchArgs,
    PersonRef,
    RefArgs,
    ReferralResult,
    ReferralsResult,
)


async def inbox(ctx: OpContext, args: InboxArgs) -> InboxResult:
    person_id, query = ctx.person.id, InboxFilter.parse(args.filter)

    async def read(session: AsyncSession) -> InboxResult:
        fresh = await session.get(Person, person_id, populate_existing=True)
        assert fresh is not None
        page = await inbox_page(session, fresh, args.view, query, args.offset, args.limit)
        views = await views_of(session, page.rows)
        readable = [v.id for v in views if "message" in v.actions]  # threads they are party to
        unread = await threads.unread_counts(session, fresh.id, readable)
        return InboxResult(
            seq=fresh.last_seq, server_time=ctx.now(), total=page.total, referrals=views,
            unread=unread, offset=args.offset, counts=page.counts,
        )

    return await ctx.quick_read(read)


async def detail(ctx: OpContext, args: RefArgs) -> DetailResult:
    view = (await view_now(ctx, args.id)).referral

    async def read(session: AsyncSession) -> tuple[list[Audit], dict[str, PersonRef]]:
        rows = (
            await session.execute(
                select(Audit).where(Audit.referral_id == args.id).order_by(Audit.id)
            )
        ).scalars().all()
        return list(rows), await person_refs(session, {a.actor_id for a in rows})

    rows, names = await ctx.quick_read(read)
    audit = [
        AuditEntry(
            at=a.at,
            actor=names[a.actor_id].name if a.actor_id in names else a.actor_id,
            action=a.action,
            from_status=a.from_status,
            to_status=a.to_status,
            reason=a.reason,
        )
        for a in rows
        if a.action != "contact_revealed" or a.actor_id == ctx.person.id or view.visibility == "full"
    ]
    return DetailResult(referral=view, audit=audit)


async def open_search(ctx: OpContext, args: OpenSearchArgs) -> ReferralsResult:
    async with ctx.read() as session:
        rows = await open_referrals(session, ctx.person, args.zip, args.radius_miles, args.limit)
        return ReferralsResult(referrals=await views_of(session, rows))


async def open_get(ctx: OpContext, args: LinkArgs) -> ReferralResult:
    async with ctx.read() as session:
        ref, viewer = await by_link(session, ctx.person, args.link)
        return ReferralResult((await views_of(session, [(ref, viewer)]))[0])


async def agents_search(ctx: OpContext, args: AgentSearchArgs) -> AgentsResult:
    check_area(args.zip, args.radius_miles)
    if args.min_years < 0:
        raise HubError(ErrorCode.BAD_REQUEST, "min_years must not be negative", field="min_years")
    return AgentsResult(agents=await ctx.directory.search(args, ctx.now()))


async def invoices(ctx: OpContext, args: EmptyArgs) -> InvoicesResult:
    async with ctx.read() as session:
        rows = await invoices_for(session, ctx.person.id)
    return InvoicesResult(invoices=[invoice_view(i) for i in rows])


async def dry_run(ctx: OpContext, args: DryRunArgs) -> DryRunResult:
    async with ctx.read() as session:
        return await routing_dry_run(session, args.zip.strip(), ctx.now())
