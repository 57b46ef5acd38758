"""The operations a client may request, each with its argument schema and its handler.

Every handler takes the hub, the calling client's person and the validated args, and returns the
reply's result. A `HubError` becomes an error frame; a transaction that raises changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.events.transaction import Tx, many_referral_fields, person_refs, referral_fields
from server.operations import preferences
from server.referrals import actions, agreements, sending, threads
from server.referrals.intake import submit
from server.referrals.invoices import invoices_for
from server.routing import availability, offers
from server.storage.models import Audit, Person, Referral
from server.views.audience import viewer_for
from server.views.inbox_pages import inbox_page
from server.views.masking import render
from server.views.open_search import by_link, check_area, open_referrals
from server.views.visibility import Viewer
from shared.inbox_query import MAX_PAGE, InboxFilter
from shared.protocol import (
    AgentSearchArgs,
    AgentsResult,
    AuditEntry,
    AvailabilityArgs,
    AvailabilityView,
    DetailResult,
    DryRunArgs,
    DryRunResult,
    EditArgs,
    EmptyArgs,
    ErrorCode,
    InboxArgs,
    InboxResult,
    InvoicesResult,
    InvoiceView,
    LinkArgs,
    MessageResult,
    MoveArgs,
    NotificationArgs,
    OpenSearchArgs,
    PickArgs,
    ReasonArgs,
    ReceiversArgs,
    RefArgs,
    ReferralResult,
    ReferralsResult,
    ReferralView,
    SendArgs,
    SignArgs,
    SubmitArgs,
    ThreadResult,
    ThreadSendArgs,
)

if TYPE_CHECKING:
    from server.hub import Hub

Handler = Callable[["Hub", Person, Any], Awaitable[Any]]


@dataclass(frozen=True)
class Operation:
    args: type[msgspec.Struct]
    handler: Handler
    # wraps loading the person and the handler: may wait for its turn, and may answer at once
    # by raising the error the handler would raise (a claim of an appointment someone else won)
    gate: Callable[[Hub, str, Any], AbstractAsyncContextManager[None]] | None = None


async def _view(
    hub: Hub, ref_id: str, person: Person, before: Viewer | None = None
) -> ReferralResult:
    """The referral as `person` sees it right after a change (read in a fresh transaction).

    When the change itself took it out of the person's view (a pass, a decline), `before` is how
    they saw it just before: the reply shows that much again, with no offer, actions or moves.
    """
    async with hub.db.read() as session:
        ref = await session.get(Referral, ref_id)
        viewer = await viewer_for(session, ref, person.id) if ref else None
        if ref is not None and viewer is None and before is not None:
            viewer = dataclasses.replace(before, offer=None, actions=(), moves=())
        if ref is None or viewer is None:
            raise HubError(ErrorCode.NOT_FOUND, f"{ref_id} is no longer yours to see")
        return ReferralResult(render(await referral_fields(session, ref), ref, viewer))


async def inbox(hub: Hub, person: Person, args: InboxArgs) -> InboxResult:
    if args.offset < 0:
        raise HubError(ErrorCode.BAD_REQUEST, "offset must not be negative", field="offset")
    limit = max(1, min(args.limit, MAX_PAGE))
    async with hub.db.read() as session:
        fresh = await session.get(Person, person.id, populate_existing=True)
        assert fresh is not None
        page = await inbox_page(
            session, fresh, args.view, InboxFilter.parse(args.filter), args.offset, limit
        )
        views = await _views(session, page.rows)
        readable = [v.id for v in views if "message" in v.actions]  # threads they are party to
        unread = await threads.unread_counts(session, person.id, readable)
        return InboxResult(
            seq=fresh.last_seq, server_time=hub.now(), total=page.total, referrals=views,
            unread=unread, offset=args.offset, counts=page.counts,
        )


async def detail(hub: Hub, person: Person, args: RefArgs) -> DetailResult:
    view = (await _view(hub, args.id, person)).referral
    async with hub.db.read() as session:
        rows = (
            await session.execute(
                select(Audit).where(Audit.referral_id == args.id).order_by(Audit.id)
            )
        ).scalars().all()
        names = await person_refs(session, {a.actor_id for a in rows})
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
        if a.action != "contact_revealed" or a.actor_id == person.id or view.visibility == "full"
    ]
    return DetailResult(referral=view, audit=audit)


def _write(change: Callable[..., Awaitable[Referral]]) -> Handler:
    """A handler that runs `change` in a write transaction and replies with the new view."""

    async def handler(hub: Hub, person: Person, args: Any) -> ReferralResult:
        async with hub.transaction() as tx:
            ref = await change(hub, tx, person, args)
            before = tx.viewer_before(ref.id, person.id)
        view = tx.view_after(ref.id, person.id)  # as committed, without reading it again
        if view is not None:
            return ReferralResult(view)
        return await _view(hub, ref.id, person, before)

    return handler


async def _claim(hub: Hub, tx: Any, person: Person, args: RefArgs) -> Referral:
    return await offers.claim(tx, args.id, person)


@asynccontextmanager
async def _claim_turn(hub: Hub, person_id: str, args: RefArgs) -> AsyncIterator[None]:
    """One claim of an appointment at a time; those behind a winner are answered from the
    hub's book of committed awards, without the database."""
    offers.lost_already(hub.awards, args.id, person_id)
    async with hub.awards.deciding(args.id):
        offers.lost_already(hub.awards, args.id, person_id)
        yield


async def _pass(hub: Hub, tx: Any, person: Person, args: ReasonArgs) -> Referral:
    return await offers.pass_offer(tx, args.id, person, args.reason, hub.settings.claim_window_seconds)


async def _submit(hub: Hub, tx: Any, person: Person, args: SubmitArgs) -> Referral:
    return await submit(tx, person, args.referral, hub.settings.claim_window_seconds)


async def _move(hub: Hub, tx: Any, person: Person, args: MoveArgs) -> Referral:
    return await actions.move(tx, args.id, person, args.to, args.reason)


def _vendor(action: str) -> Callable[..., Awaitable[Referral]]:
    async def change(hub: Hub, tx: Any, person: Person, args: ReasonArgs) -> Referral:
        return await actions.vendor_decision(tx, args.id, person, action, args.reason)

    return change


async def _interest(hub: Hub, tx: Any, person: Person, args: RefArgs) -> Referral:
    return await actions.interest(tx, args.id, person)


async def _decline(hub: Hub, tx: Any, person: Person, args: ReasonArgs) -> Referral:
    return await actions.decline(tx, args.id, person, args.reason)


async def _work(hub: Hub, tx: Any, person: Person, args: RefArgs) -> Referral:
    return await actions.work(tx, args.id, person)


OPERATIONS: dict[str, Operation] = {
    "inbox": Operation(InboxArgs, inbox),
    "referral.get": Operation(RefArgs, detail),
    "claim": Operation(RefArgs, _write(_claim), gate=_claim_turn),
    "pass": Operation(ReasonArgs, _write(_pass)),
    "interest": Operation(RefArgs, _write(_interest)),
    "decline": Operation(ReasonArgs, _write(_decline)),
    "accept": Operation(ReasonArgs, _write(_vendor("accept"))),
    "reject": Operation(ReasonArgs, _write(_vendor("reject"))),
    "archive": Operation(ReasonArgs, _write(_vendor("archive"))),
    "work": Operation(RefArgs, _write(_work)),
    "move": Operation(MoveArgs, _write(_move)),
    "submit": Operation(SubmitArgs, _write(_submit)),
}


# ---------------------------------------------------------------- agent referrals, threads, search


async def _edit(hub: Hub, tx: Tx, person: Person, args: EditArgs) -> Referral:
    return await sending.edit(tx, args.id, person, args.changes)


async def _send(hub: Hub, tx: Tx, person: Person, args: SendArgs) -> Referral:
    return await sending.send(tx, args.id, person, args.mode, args.receivers)


async def _add_receivers(hub: Hub, tx: Tx, person: Person, args: ReceiversArgs) -> Referral:
    return await sending.add_receivers(tx, args.id, person, args.receivers)


async def _pick(hub: Hub, tx: Tx, person: Person, args: PickArgs) -> Referral:
    return await agreements.pick(tx, args.id, person, args.receiver, args.fee_percent)


async def _sign(hub: Hub, tx: Tx, person: Person, args: SignArgs) -> Referral:
    return await agreements.sign(tx, args.id, person, args.fee_percent)


async def thread_get(hub: Hub, person: Person, args: RefArgs) -> ThreadResult:
    async with hub.transaction() as tx:
        messages = await threads.read(tx, args.id, person)
    return ThreadResult(referral_id=args.id, messages=messages)


async def thread_send(hub: Hub, person: Person, args: ThreadSendArgs) -> MessageResult:
    async with hub.transaction() as tx:
        message = await threads.post(tx, args.id, person, args.body)
    return MessageResult(message=message)


async def _views(session: AsyncSession, rows: list[tuple[Referral, Viewer]]) -> list[ReferralView]:
    fields = await many_referral_fields(session, [ref for ref, _ in rows])
    return [render(f, ref, viewer) for f, (ref, viewer) in zip(fields, rows, strict=True)]


async def open_search(hub: Hub, person: Person, args: OpenSearchArgs) -> ReferralsResult:
    async with hub.db.read() as session:
        rows = await open_referrals(session, person, args.zip, args.radius_miles, args.limit)
        return ReferralsResult(referrals=await _views(session, rows))


async def open_get(hub: Hub, person: Person, args: LinkArgs) -> ReferralResult:
    async with hub.db.read() as session:
        ref, viewer = await by_link(session, person, args.link)
        return ReferralResult((await _views(session, [(ref, viewer)]))[0])


async def agents_search(hub: Hub, person: Person, args: AgentSearchArgs) -> AgentsResult:
    check_area(args.zip, args.radius_miles)
    if args.min_years < 0:
        raise HubError(ErrorCode.BAD_REQUEST, "min_years must not be negative", field="min_years")
    return AgentsResult(agents=await hub.directory.search(args, hub.now()))


async def availability_get(hub: Hub, person: Person, args: EmptyArgs) -> AvailabilityView:
    return availability.view(person, hub.now())


async def availability_set(hub: Hub, person: Person, args: AvailabilityArgs) -> AvailabilityView:
    async with hub.transaction() as tx:
        me = await tx.session.get(Person, person.id)
        assert me is not None
        changed = availability.apply(me, args)
        view = availability.view(me, tx.now)
    hub.directory.invalidate()
    if changed:
        await hub.resume_waiting()
    return view


async def dry_run(hub: Hub, person: Person, args: DryRunArgs) -> DryRunResult:
    if "concierge" not in person.role_list:
        raise HubError(ErrorCode.FORBIDDEN, "the routing dry run is for the concierge desk")
    async with hub.db.read() as session:
        return await availability.dry_run(session, args.zip.strip(), hub.now())


async def invoices(hub: Hub, person: Person, args: EmptyArgs) -> InvoicesResult:
    async with hub.db.read() as session:
        rows = await invoices_for(session, person.id)
    return InvoicesResult(
        invoices=[
            InvoiceView(
                id=i.id, referral_id=i.referral_id, program_id=i.program_id, partner_id=i.partner_id,
                amount=i.amount, status=i.status, created_at=i.created_at,
            )
            for i in rows
        ]
    )


OPERATIONS.update(
    {
        "edit": Operation(EditArgs, _write(_edit)),
        "send": Operation(SendArgs, _write(_send)),
        "add_receivers": Operation(ReceiversArgs, _write(_add_receivers)),
        "pick": Operation(PickArgs, _write(_pick)),
        "sign": Operation(SignArgs, _write(_sign)),
        "thread.get": Operation(RefArgs, thread_get),
        "thread.send": Operation(ThreadSendArgs, thread_send),
        "open.search": Operation(OpenSearchArgs, open_search),
        "open.get": Operation(LinkArgs, open_get),
        "agents.search": Operation(AgentSearchArgs, agents_search),
        "invoices": Operation(EmptyArgs, invoices),
        "availability.get": Operation(EmptyArgs, availability_get),
        "availability.set": Operation(AvailabilityArgs, availability_set),
        "routing.dry_run": Operation(DryRunArgs, dry_run),
        "notifications.get": Operation(EmptyArgs, preferences.get),
        "notifications.set": Operation(NotificationArgs, preferences.set_),
    }
)


# ---------------------------------------------------------------- reports and export

from server.operations import reports  # noqa: E402
from shared.protocol import ExportArgs, ReportArgs  # noqa: E402

OPERATIONS["report"] = Operation(ReportArgs, reports.report)
OPERATIONS["export"] = Operation(ExportArgs, reports.export)
