"""The operations that change a referral: each runs one domain change in a write transaction
(`replies.write`) and answers with the referral as the person sees it after the commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from server.events.awards import Award
from server.events.transaction import Tx
from server.operations.context import OpContext, Services
from server.referrals import actions, agreements, sending, threads
from server.referrals.intake import submit as submit_referral
from server.routing import offers
from server.storage.models import Referral
from shared.protocol import (
    EditArgs,
    MessageResult,
    MoveArgs,
    PickArgs,
    ReasonArgs,
    ReceiversArgs,
    RefArgs,
    SendArgs,
    SignArgs,
    SubmitArgs,
    ThreadResult,
    ThreadSendArgs,
)


async def claim(ctx: OpContext, tx: Tx, args: RefArgs) -> Referral:
    return await offers.claim(tx, args.id, ctx.person)


async def claim_refused(ctx: OpContext, args: RefArgs) -> None:
    """Raise the error committed rows already give this claim (not offered to the claimant,
    expired, won, unknown): such a claim does not wait for the writer. An award it finds that
    the hub's book lacks (won through another hub) goes into the book."""
    learned: list[Award] = []
    person_id, now = ctx.person.id, ctx.now()
    if ctx.awards.holds_offer(args.id, person_id, now):
        return  # bound for the writer: committed rows, as the hub last saw them, refuse nothing
    try:
        await ctx.quick_read(lambda session: offers.refused_at_once(session, args.id, person_id, now, learned))
    finally:
        ctx.awards.record(learned)  # on the hub's loop: the book wakes the claims waiting on it


@asynccontextmanager
async def claim_turn(services: Services, person_id: str, args: RefArgs) -> AsyncIterator[None]:
    """One claim of an appointment at a time; those behind a winner are answered from the
    hub's book of committed awards, without the database."""
    offers.lost_already(services.awards, args.id, person_id)
    async with services.awards.deciding(args.id):
        offers.lost_already(services.awards, args.id, person_id)
        yield


async def pass_offer(ctx: OpContext, tx: Tx, args: ReasonArgs) -> Referral:
    return await offers.pass_offer(tx, args.id, ctx.person, args.reason, ctx.settings.claim_window_seconds)


async def submit(ctx: OpContext, tx: Tx, args: SubmitArgs) -> Referral:
    return await submit_referral(tx, ctx.person, args.referral, ctx.settings.claim_window_seconds)


async def move(ctx: OpContext, tx: Tx, args: MoveArgs) -> Referral:
    return await actions.move(tx, args.id, ctx.person, args.to, args.reason)


async def accept(ctx: OpContext, tx: Tx, args: ReasonArgs) -> Referral:
    return await actions.vendor_decision(tx, args.id, ctx.person, "accept", args.reason)


async def reject(ctx: OpContext, tx: Tx, args: ReasonArgs) -> Referral:
    return await actions.vendor_decision(tx, args.id, ctx.person, "reject", args.reason)


async def archive(ctx: OpContext, tx: Tx, args: ReasonArgs) -> Referral:
    return await actions.vendor_decision(tx, args.id, ctx.person, "archive", args.reason)


async def interest(ctx: OpContext, tx: Tx, args: RefArgs) -> Referral:
    return await actions.interest(tx, args.id, ctx.person)


async def decline(ctx: OpContext, tx: Tx, args: ReasonArgs) -> Referral:
    return await actions.decline(tx, args.id, ctx.person, args.reason)


async def work(ctx: OpContext, tx: Tx, args: RefArgs) -> Referral:
    return await actions.work(tx, args.id, ctx.person)


async def edit(ctx: OpContext, tx: Tx, args: EditArgs) -> Referral:
    return await sending.edit(tx, args.id, ctx.person, args.changes)


async def send(ctx: OpContext, tx: Tx, args: SendArgs) -> Referral:
    return await sending.send(tx, args.id, ctx.person, args.mode, args.receivers)


async def add_receivers(ctx: OpContext, tx: Tx, args: ReceiversArgs) -> Referral:
    return await sending.add_receivers(tx, args.id, ctx.person, args.receivers)


async def pick(ctx: OpContext, tx: Tx, args: PickArgs) -> Referral:
    return await agreements.pick(tx, args.id, ctx.person, args.receiver, args.fee_percent)


async def sign(ctx: OpContext, tx: Tx, args: SignArgs) -> Referral:
    return await agreements.sign(tx, args.id, ctx.person, args.fee_percent)


async def thread_get(ctx: OpContext, args: RefArgs) -> ThreadResult:
    """A read; the writer is taken only when the thread has messages the person had not read."""
    messages, unread = await ctx.quick_read(lambda session: threads.read(session, args.id, ctx.person))
    if unread:
        async with ctx.transaction() as tx:
            await threads.mark_read(tx, args.id, ctx.person, messages[-1].id)
    return ThreadResult(referral_id=args.id, messages=messages)


async def thread_send(ctx: OpContext, args: ThreadSendArgs) -> MessageResult:
    async with ctx.transaction() as tx:
        message = await threads.post(tx, args.id, ctx.person, args.body)
    return MessageResult(message=message)
