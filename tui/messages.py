"""Messages the hub connection posts to the app: one per thing that happened on the wire.

Small, dataclass-like Textual messages. The connection builds them; widgets and the app handle
them with ``@on``. Tests can post the same messages to drive the app without a hub.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from textual.message import Message

from shared.protocol import InboxResult, MessageView, PersonView, ReferralView, RemovedData

LinkState = Literal["connecting", "connected", "reconnecting", "offline", "refused"]


class HubMessage(Message):
    """Base class of every message that comes from the hub connection."""


class LinkChanged(HubMessage):
    """The connection's state changed (connecting, connected, reconnecting, offline, refused)."""

    def __init__(self, state: LinkState, detail: str = "", retry_at: float | None = None) -> None:
        super().__init__()
        self.state: LinkState = state
        self.detail = detail
        self.retry_at = retry_at  # loop.time() of the next attempt, when reconnecting


class HelloReceived(HubMessage):
    """The hub accepted the hello: who we are, and how far the local clock is from the hub's."""

    def __init__(self, person: PersonView, server_time: datetime, offset: timedelta) -> None:
        super().__init__()
        self.person = person
        self.server_time = server_time
        self.offset = offset  # add to the local clock to get the hub's time


class InboxLoaded(HubMessage):
    """A fresh inbox snapshot: replace the whole table."""

    def __init__(self, inbox: InboxResult) -> None:
        super().__init__()
        self.inbox = inbox


class ReferralUpserted(HubMessage):
    """A referral was created or changed (insert or replace by id)."""

    def __init__(self, referral: ReferralView, seq: int, at: datetime | None = None) -> None:
        super().__init__()
        self.referral = referral
        self.seq = seq
        self.at = at


class ReferralRemoved(HubMessage):
    """A referral left this person's inbox, with the reason."""

    def __init__(self, removed: RemovedData, seq: int, at: datetime | None = None) -> None:
        super().__init__()
        self.removed = removed
        self.seq = seq
        self.at = at


class MessageReceived(HubMessage):
    """A new message on a referral's thread (ours or another party's)."""

    def __init__(self, message: MessageView, seq: int, at: datetime | None = None) -> None:
        super().__init__()
        self.message = message
        self.seq = seq
        self.at = at
