"""What each operation answers with: the `result` of a reply."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.protocol.views import (
    AgentCard,
    AuditEntry,
    DryRunRow,
    InvoiceView,
    MessageView,
    PersonView,
    ReferralView,
)


class HelloResult(msgspec.Struct):
    protocol: int
    server_time: datetime
    person: PersonView
    seq: int  # the person's latest event sequence at this moment
    replay: str  # "none" (no `since`), "events" (missed events follow), or "resync"
    rate_limit_per_minute: int = 0  # requests one connection may send a minute (0: no limit)


class InboxResult(msgspec.Struct):
    seq: int  # events up to this sequence are already reflected in `referrals`
    server_time: datetime
    total: int
    referrals: list[ReferralView]
    unread: dict[str, int] = {}  # referral id -> unread messages in its thread


class ReferralResult(msgspec.Struct):
    referral: ReferralView


class DetailResult(msgspec.Struct):
    referral: ReferralView
    audit: list[AuditEntry]


class ThreadResult(msgspec.Struct):
    referral_id: str
    messages: list[MessageView]


class ReferralsResult(msgspec.Struct):
    referrals: list[ReferralView]


class AgentsResult(msgspec.Struct):
    agents: list[AgentCard]


class InvoicesResult(msgspec.Struct):
    invoices: list[InvoiceView]


class MessageResult(msgspec.Struct):
    message: MessageView


class DryRunResult(msgspec.Struct):
    zip: str
    at: datetime
    agents: list[DryRunRow]
