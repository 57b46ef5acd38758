"""Reports and export: the figures of a period, and paged exports with the app's masking."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.domain import Status
from shared.protocol.args import Offset, page_limit
from shared.protocol.views import InvoiceView, PersonRef, ReferralView

MAX_EXPORT_PAGE = 1000  # the most rows one `export` page answers with


class ReportArgs(msgspec.Struct, forbid_unknown_fields=True):
    scope: str = "me"  # "me" | "desk" (the concierge only)
    since: datetime | None = None  # default: 12 weeks before `until`
    until: datetime | None = None  # default: now


class ReportWeek(msgspec.Struct):
    start: datetime
    received: int
    sent: int


class ReportFees(msgspec.Struct):
    """Agent referrals: moves to fee_sent / fee_received in the period and their mean fee percent
    (the amount is a percent of a commission the hub does not know); partner invoices: count, sum."""

    fee_sent: int
    fee_received: int
    mean_fee_percent: float | None
    invoices: int
    invoice_amount: float


class ReportResult(msgspec.Struct):
    """The figures of docs/reports.md for one person (`scope` me) or the whole desk."""

    scope: str
    person: PersonRef | None
    since: datetime
    until: datetime
    weeks: list[ReportWeek]
    received: int
    sent: int
    asked: int
    interested: int
    interest_rate: float | None
    sent_agent: int
    accepted: int
    acceptance_rate: float | None
    awarded: int
    closed: int
    conversion_rate: float | None
    claims: int
    median_claim_seconds: float | None
    earned: ReportFees
    owed: ReportFees


class ExportArgs(msgspec.Struct, forbid_unknown_fields=True):
    what: str  # "referrals" | "audit" | "invoices"
    since: datetime | None = None
    offset: Offset = 0
    limit: page_limit(MAX_EXPORT_PAGE) = 200


class ExportAuditRow(msgspec.Struct, omit_defaults=True):
    referral_id: str
    at: datetime
    actor: str
    action: str
    from_status: Status | None = None
    to_status: Status | None = None
    reason: str = ""


class ExportResult(msgspec.Struct):
    """One page of an export: rows `offset` .. `offset + len(...)` of `total`, oldest first.
    Only the list named by `what` is filled."""

    what: str
    total: int
    offset: int
    referrals: list[ReferralView] = []
    audit: list[ExportAuditRow] = []
    invoices: list[InvoiceView] = []
