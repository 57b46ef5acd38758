"""Messages the hub session posts to the app: one per thing that happened on the wire.

Small dataclass messages. The connection builds them; the app handles them with ``@on``. Tests
can feed the same messages through `HubSession.receive` to drive the app without a hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from textual.message import Message

from shared.protocol import (
    InboxResult,
    MessageView,
    PersonView,
    ReferralView,
    RemovedData,
    TeamChanged,
)

LinkState = Literal["connecting", "connected", "reconnecting", "refused"]


class HubMessage(Message):
    """Base class of every message that comes from the hub connection."""


@dataclass
class LinkChanged(HubMessage):
    """The connection's state changed (connecting, connected, reconnecting, refused)."""

    state: LinkState
    detail: str = ""
    retry_at: float | None = None  # time.monotonic() of the next attempt, when waiting for one
    hub: str = ""  # the URL of the hub this is about (one of several, in turn); "": unchanged


@dataclass
class HelloReceived(HubMessage):
    """The hub accepted the hello: who we are, and how far the local clock is from the hub's."""

    person: PersonView
    offset: timedelta  # add to the local clock to get the hub's time


@dataclass
class InboxLoaded(HubMessage):
    """A fresh inbox snapshot: replace the whole table."""

    inbox: InboxResult


@dataclass
class ReferralUpserted(HubMessage):
    """A referral was created or changed (insert or replace by id)."""

    referral: ReferralView
    seq: int


@dataclass
class ReferralRemoved(HubMessage):
    """A referral left this person's inbox, with the reason."""

    removed: RemovedData
    seq: int


@dataclass
class MessageReceived(HubMessage):
    """A new message on a referral's thread (ours or another party's)."""

    message: MessageView
    seq: int


@dataclass
class TeamUpdated(HubMessage):
    """The team changed (a person, a program, a network group, a claim window): screens that
    show it fetch it again."""

    change: TeamChanged
    seq: int
