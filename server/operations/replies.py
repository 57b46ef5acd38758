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
    """The referral as the person sees it now (read in a fresh transaction).

    When a change took it out of the person's view (a pass, a decline), `before` is how they
    saw it just before: the reply shows that much again, with no offer, actions or moves.
    """
    async with ctx.read() as session:
        ref = await session.get(Referral, ref_id)
        viewer = await viewer_for(session, ref, ctx.person.id) if ref else None
        if ref is not None and viewer is None and before is not None:
            viewer = dataclasses.replace(before, offer=None, actions=(), moves=())
        if ref is None or viewer is None:
            raise HubError(ErrorCode.NOT_FOUND, f"{ref_id} is no longer yours to see")
        return ReferralResult(render(await referral_fields(session, ref), ref, viewer))


async def views_of(session: AsyncSession, rows: list[tuple[Referral, Viewer]]) -> list[ReferralView]:
    """Many referrals, each as its viewer sees it, their fields loaded together."""
    fields = await many_referral_fields(session, [ref for ref, _ in rows])
    return [render(f, ref, viewer) for f, (ref, viewer) in zip(fields, rows, strict=True)]


async def transact(ctx: OpContext, change: Callable[[Tx], Awaitable[Any]]) -> Any:
    """Run `change` in a write transaction, again if another hub's write got in its way."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with ctx.transaction() as tx:
                return await change(tx)
        except WriteConflict:  # it changed nothing
            if attempt == ATTEMPTS:
                raise
            await asyncio.sleep(random.uniform(0, 0.01 * attempt))
    raise AssertionError("unreachable")


def write(change: Change) -> Callable[[OpContext, Any], Awaitable[ReferralResult]]:
    """A handler that runs `change` in a write transaction and replies with the new view."""

    async def handler(ctx: OpContext, args: Any) -> ReferralResult:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with ctx.transaction() as tx:
                    ref = await change(ctx, tx, args)
                    before = tx.viewer_before(ref.id, ctx.person.id)
                break
            except WriteConflict:  # another hub's write got in the way: it changed nothing
                if attempt == ATTEMPTS:
                    raise
                await asyncio.sleep(random.uniform(0, 0.01 * attempt))
        view = tx.view_after(ref.id, ctx.person.id)  # as committed, without reading it again
        if view is not None:
            return ReferralResult(view)
        return await view_now(ctx, ref.id, before)

    return handler
