"""What an operation answers with: a referral as the person sees it after a change, and many
referrals rendered together."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.events.transaction import Tx
from server.operations.context import OpContext
from server.storage.database import WriteConflict
from server.storage.models import Referral
from server.views.audience import viewer_for
from server.views.fields import many_referral_fields, referral_fields
from server.views.masking import render
from server.views.visibility import Viewer
from shared.protocol import ErrorCode, ReferralResult, ReferralView

Change = Callable[[OpContext, Tx, Any], Awaitable[Referral]]
ATTEMPTS = 5  # a write that conflicts with another hub's runs again, this many times at most


async def view_now(ctx: OpContext, ref_id: str, before: Viewer | None = None) -> ReferralResult:
    """The referral as the person sees it now (read in a fresh transaction, off the loop).

    When a change took it out of the person's view (a pass, a decline), `before` is how they
    saw it just before: the reply shows that much again, with no offer, actions or moves.
    """
    person_id = ctx.person.id

    async def read(session: AsyncSession) -> ReferralResult:
        ref = await session.get(Referral, ref_id)
        viewer = await viewer_for(session, ref, person_id) if ref else None
        if ref is not None and viewer is None and before is not None:
            viewer = dataclasses.replace(before, offer=None, actions=(), moves=())
        if ref is None or viewer is None:
            raise HubError(ErrorCode.NOT_FOUND, f"{ref_id} is no longer yours to see")
        return ReferralResult(render(await referral_fields(session, ref), ref, viewer))

    return await ctx.quick_read(read)


async def views_of(session: AsyncSession, rows: list[tuple[Referral, Viewer]]) -> list[ReferralView]:
    """Many referrals, each as its viewer sees it, their fields loaded together."""
    fields = await many_referral_fields(session, [ref for ref, _ in rows])
    return [render(f, ref, viewer) for f, (ref, viewer) in zip(fields, rows, strict=True)]


async def transact(ctx: OpContext, change: Callable[[Tx], Awaitable[Any]]) -> Any:
    """Run `change` in a write transaction (maybe shared with others waiting at the same time),
    again if another hub's write got in its way."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            result, _ = await ctx.write(change)
            return result
        except WriteConflict:  # it changed nothing
            if attempt == ATTEMPTS:
                raise
            await asyncio.sleep(random.uniform(0, 0.01 * attempt))
    raise AssertionError("unreachable")


Refusal = Callable[[OpContext, Any], Awaitable[None]]


def write(change: Change, refusal: Refusal | None = None) -> Callable[[OpContext, Any], Awaitable[ReferralResult]]:
    """A handler that runs `change` in a write transaction and replies with the new view.

    `refusal`, if given, reads whether committed rows already refuse the change (raising the
    error the change would raise); while the writer is busy it runs as the change waits, so a
    change bound to fail is answered without waiting for the writer."""

    async def handler(ctx: OpContext, args: Any) -> ReferralResult:
        key = getattr(args, "id", None)
        check = None
        if refusal is not None and ctx.services.writer_busy():
            check = lambda: refusal(ctx, args)  # noqa: E731
        for attempt in range(1, ATTEMPTS + 1):
            try:
                ref, tx = await ctx.write(lambda tx: change(ctx, tx, args), key, check)
                break
            except WriteConflict:  # another hub's write got in the way: it changed nothing
                if attempt == ATTEMPTS:
                    raise
                await asyncio.sleep(random.uniform(0, 0.01 * attempt))
        view = tx.view_after(ref.id, ctx.person.id)  # as committed, without reading it again
        if view is not None:
            return ReferralResult(view)
        return await view_now(ctx, ref.id, tx.viewer_before(ref.id, ctx.person.id))

    return handler
