"""A person's notification preferences: which e-mails the hub sends them, and where."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from server.errors import HubError
from server.storage.models import Person
from shared.protocol import EmptyArgs, ErrorCode, NotificationArgs, NotificationView

if TYPE_CHECKING:
    from server.hub import Hub

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _view(hub: Hub, person: Person) -> NotificationView:
    return NotificationView(
        email=person.email,
        offers=person.mail_offers,
        messages=person.mail_messages,
        mail_enabled=hub.settings.smtp.enabled,
    )


async def get(hub: Hub, person: Person, args: EmptyArgs) -> NotificationView:
    return _view(hub, person)


async def set_(hub: Hub, person: Person, args: NotificationArgs) -> NotificationView:
    if args.email is not None and args.email.strip() and not _EMAIL.match(args.email.strip()):
        raise HubError(ErrorCode.BAD_REQUEST, f"not an e-mail address: {args.email!r}", field="email")
    async with hub.transaction() as tx:
        me = await tx.session.get(Person, person.id)
        assert me is not None
        if args.email is not None:
            me.email = args.email.strip()
        if args.offers is not None:
            me.mail_offers = args.offers
        if args.messages is not None:
            me.mail_messages = args.messages
        if (me.mail_offers or me.mail_messages) and not me.email:
            raise HubError(ErrorCode.BAD_REQUEST, "set an e-mail address to receive e-mails", field="email")
        return _view(hub, me)
