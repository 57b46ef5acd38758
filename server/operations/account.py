"""The operations on a person's own account: availability for offers (pause, working hours,
vacation) and notification preferences (which e-mails the hub sends them, and where)."""

from __future__ import annotations

import re

from server.errors import HubError
from server.operations.context import OpContext
from server.routing import availability
from server.storage.models import Person
from shared.protocol import (
    AvailabilityArgs,
    AvailabilityView,
    EmptyArgs,
    ErrorCode,
    NotificationArgs,
    NotificationView,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def availability_get(ctx: OpContext, args: EmptyArgs) -> AvailabilityView:
    return availability.view(ctx.person, ctx.now())


async def availability_set(ctx: OpContext, args: AvailabilityArgs) -> AvailabilityView:
    async with ctx.transaction() as tx:
        me = await tx.session.get(Person, ctx.person.id)
        assert me is not None
        changed = availability.apply(me, args)
        view = availability.view(me, tx.now)  # (search shows it at once: migration 0011)
    if changed:
        await ctx.resume_waiting()
    return view


def _notifications(ctx: OpContext, person: Person) -> NotificationView:
    return NotificationView(
        email=person.email,
        offers=person.mail_offers,
        messages=person.mail_messages,
        mail_enabled=ctx.settings.smtp.enabled,
    )


async def notifications_get(ctx: OpContext, args: EmptyArgs) -> NotificationView:
    return _notifications(ctx, ctx.person)


async def notifications_set(ctx: OpContext, args: NotificationArgs) -> NotificationView:
    if args.email is not None and args.email.strip() and not _EMAIL.match(args.email.strip()):
        raise HubError(ErrorCode.BAD_REQUEST, f"not an e-mail address: {args.email!r}", field="email")
    async with ctx.transaction() as tx:
        me = await tx.session.get(Person, ctx.person.id)
        assert me is not None
        if args.email is not None:
            me.email = args.email.strip()
        if args.offers is not None:
            me.mail_offers = args.offers
        if args.messages is not None:
            me.mail_messages = args.messages
        if (me.mail_offers or me.mail_messages) and not me.email:
            raise HubError(ErrorCode.BAD_REQUEST, "set an e-mail address to receive e-mails", field="email")
        return _notifications(ctx, me)
