"""Report figures as pure functions over plain rows: no database, no clock, no Textual.

`server.operations.reports` loads the rows and calls `compute`; docs/reports.md defines every figure for
people. The period is half open: `since <= t < until`, all times UTC. `who` is the person the
report is about, or None for the whole desk (every person at once).

Definitions (the same as docs/reports.md):

- sent_at of a referral: the first audit entry that moved it to a status other than draft (its
  creation when submitted directly, its `send` when it was a draft); its created_at otherwise.
- sent: referrals whose sender is `who` (desk: anyone), not still a draft, sent_at in the period.
- received: referrals that reached `who` for a decision, counted once each, at the moment they
  reached them: agent referrals where `who` is a recipient (at sent_at), appointments offered to
  `who` (at the first offer to them), partner referrals to a program `who` is the vendor of (at
  sent_at). Desk: every referral that reached at least one such person, at the first such moment.
- weeks: week i covers [since + 7i days, since + 7(i+1) days), the last one cut at `until`;
  received and sent per week as above.
- interest rate: over the agent referrals counted in `sent`: recipients who answered interested /
  recipients asked (every recipient row). None when no one was asked.
- acceptance rate: of the agent referrals counted in `sent`, those that ever reached accepted or
  a later step (pending, awarded, working, in_escrow, fee_sent, fee_received, closed) / all of them.
- conversion to closed: of the referrals awarded to `who` (desk: to anyone) in the period
  (awarded_at in the period: agent referrals after both signatures, appointments on the claim),
  those that reached closed by now / all of them.
- speed to lead: the median of closed_at - first offered_at over the offers to `who` (desk: to
  anyone) in state claimed whose first offered_at is in the period, in seconds. The first
  offered_at is the referral's first offer to anyone: a claim in the open phase (after the ranked
  offers ran out) counts from when the appointment was first offered, not from the open offer
  made a moment before the claim.
- fees earned (agent referrals where `who` is the sender) and owed (where `who` is the receiver):
  how many reached fee_sent and fee_received in the period (audit time of that move), and the mean
  fee percent of those that reached fee_sent. The amount is unknown to the hub: the fee is a
  percent of the receiver's commission.
- invoices earned: partner invoices where `who` is the partner; owed: invoices of programs whose
  vendor is `who`; created_at in the period; count and sum of amounts. Desk: all invoices, both.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.protocol import PersonRef, ReportFees, ReportResult, ReportWeek

DEFAULT_WEEKS = 12
BEYOND_ACCEPTED = frozenset(
    {"accepted", "pending", "awarded", "working", "in_escrow", "fee_sent", "fee_received", "closed"}
)


@dataclass(frozen=True)
class RefRow:
    id: str
    kind: str
    status: str
    sender_id: str
    receiver_id: str | None
    created_at: datetime
    awarded_at: datetime | None = None
    fee_percent: float | None = None
    vendor_id: str | None = None  # partner referrals: the program's vendor


@dataclass(frozen=True)
class RecipientRow:
    referral_id: str
    person_id: str
    answer: str  # "" | interested | declined


@dataclass(frozen=True)
class OfferRow:
    referral_id: str
    agent_id: str
    state: str
    offered_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class MoveRow:
    """An audit entry that changed a status."""

    referral_id: str
    to_status: str
    at: datetime


@dataclass(frozen=True)
class InvoiceRow:
    partner_id: str
    vendor_id: str
    amount: float
    created_at: datetime


@dataclass
class Rows:
    referrals: list[RefRow] = field(default_factory=list)
    recipients: list[RecipientRow] = field(default_factory=list)
    offers: list[OfferRow] = field(default_factory=list)
    moves: list[MoveRow] = field(default_factory=list)
    invoices: list[InvoiceRow] = field(default_factory=list)


def default_period(now: datetime, since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """`until` defaults to now, `since` to 12 weeks before `until`."""
    end = until or now
    return since or end - timedelta(weeks=DEFAULT_WEEKS), end


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def week_starts(since: datetime, until: datetime) -> list[datetime]:
    starts, t = [], since
    while t < until:
        starts.append(t)
        t += timedelta(weeks=1)
    return starts


def sent_times(rows: Rows) -> dict[str, datetime]:
    """Each referral's sent_at (see the module docstring)."""
    out: dict[str, datetime] = {}
    for m in sorted(rows.moves, key=lambda m: m.at):
        if m.to_status != "draft" and m.referral_id not in out:
            out[m.referral_id] = m.at
    return {r.id: out.get(r.id, r.created_at) for r in rows.referrals}


def first_offer_times(rows: Rows) -> dict[str, datetime]:
    """When each appointment was first offered to anyone (the clock time to claim runs on)."""
    out: dict[str, datetime] = {}
    for offer in rows.offers:
        if offer.referral_id not in out or offer.offered_at < out[offer.referral_id]:
            out[offer.referral_id] = offer.offered_at
    return out


def received_times(rows: Rows, who: str | None) -> dict[str, datetime]:
    """When each referral first reached `who` (desk: anyone) for a decision."""
    sent_at = sent_times(rows)
    by_id = {r.id: r for r in rows.referrals}
    out: dict[str, datetime] = {}

    def note(ref_id: str, at: datetime) -> None:
        if ref_id in by_id and (ref_id not in out or at < out[ref_id]):
            out[ref_id] = at

    for rec in rows.recipients:
        ref = by_id.get(rec.referral_id)
        if ref is not None and ref.status != "draft" and (who is None or rec.person_id == who):
            note(ref.id, sent_at[ref.id])
    for offer in rows.offers:
        if who is None or offer.agent_id == who:
            note(offer.referral_id, offer.offered_at)
    for ref in rows.referrals:
        if ref.kind == "partner" and ref.vendor_id and (who is None or ref.vendor_id == who):
            note(ref.id, sent_at[ref.id])
    return out


def _in(t: datetime | None, since: datetime, until: datetime) -> bool:
    return t is not None and since <= t < until


def _per_week(times: list[datetime], starts: list[datetime], until: datetime) -> list[int]:
    counts = [0] * len(starts)
    for t in times:
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else until
            if start <= t < end:
                counts[i] += 1
                break
    return counts


def _fees(rows: Rows, refs: list[RefRow], invoices: list[InvoiceRow], since: datetime,
          until: datetime) -> ReportFees:
    ids = {r.id for r in refs}
    sent_ids = {m.referral_id for m in rows.moves
                if m.referral_id in ids and m.to_status == "fee_sent" and _in(m.at, since, until)}
    received_ids = {m.referral_id for m in rows.moves
                    if m.referral_id in ids and m.to_status == "fee_received" and _in(m.at, since, until)}
    percents = [r.fee_percent for r in refs if r.id in sent_ids and r.fee_percent is not None]
    return ReportFees(
        fee_sent=len(sent_ids),
        fee_received=len(received_ids),
        mean_fee_percent=statistics.fmean(percents) if percents else None,
        invoices=len(invoices),
        invoice_amount=round(sum(i.amount for i in invoices), 2),
    )


def compute(rows: Rows, who: str | None, since: datetime, until: datetime, scope: str = "me",
            person: PersonRef | None = None) -> ReportResult:
    """Every figure of one report (module docstring), as the wire's report."""
    sent_at = sent_times(rows)
    reached = {m.referral_id for m in rows.moves if m.to_status in BEYOND_ACCEPTED}
    closed_ever = {m.referral_id for m in rows.moves if m.to_status == "closed"}
    mine = [r for r in rows.referrals if who is None or r.sender_id == who]
    sent = [r for r in mine if r.status != "draft" and _in(sent_at[r.id], since, until)]
    received = {i: t for i, t in received_times(rows, who).items() if _in(t, since, until)}

    sent_agent = [r for r in sent if r.kind == "agent"]
    sent_agent_ids = {r.id for r in sent_agent}
    asked = [x for x in rows.recipients if x.referral_id in sent_agent_ids]
    interested = [x for x in asked if x.answer == "interested"]
    accepted = [r for r in sent_agent if r.id in reached or r.status in BEYOND_ACCEPTED]

    awarded = [r for r in rows.referrals if _in(r.awarded_at, since, until) and r.receiver_id
               and (who is None or r.receiver_id == who)]
    closed = [r for r in awarded if r.id in closed_ever or r.status == "closed"]

    first_offered = first_offer_times(rows)
    claims = [o for o in rows.offers if o.state == "claimed" and o.closed_at is not None
              and (who is None or o.agent_id == who) and _in(first_offered[o.referral_id], since, until)]
    waits = [(o.closed_at - first_offered[o.referral_id]).total_seconds() for o in claims if o.closed_at]

    agent_refs = [r for r in rows.referrals if r.kind == "agent"]
    earned_refs = [r for r in agent_refs if who is None or r.sender_id == who]
    owed_refs = [r for r in agent_refs if r.receiver_id and (who is None or r.receiver_id == who)]
    period_invoices = [i for i in rows.invoices if _in(i.created_at, since, until)]

    starts = week_starts(since, until)
    received_per_week = _per_week(list(received.values()), starts, until)
    sent_per_week = _per_week([sent_at[r.id] for r in sent], starts, until)
    return ReportResult(
        scope=scope,
        person=person,
        since=since,
        until=until,
        weeks=[ReportWeek(start=s, received=r, sent=n)
               for s, r, n in zip(starts, received_per_week, sent_per_week, strict=True)],
        received=len(received),
        sent=len(sent),
        asked=len(asked),
        interested=len(interested),
        interest_rate=rate(len(interested), len(asked)),
        sent_agent=len(sent_agent),
        accepted=len(accepted),
        acceptance_rate=rate(len(accepted), len(sent_agent)),
        awarded=len(awarded),
        closed=len(closed),
        conversion_rate=rate(len(closed), len(awarded)),
        claims=len(claims),
        median_claim_seconds=statistics.median(waits) if waits else None,
        earned=_fees(rows, earned_refs,
                     [i for i in period_invoices if who is None or i.partner_id == who], since, until),
        owed=_fees(rows, owed_refs,
                   [i for i in period_invoices if who is None or i.vendor_id == who], since, until),
    )
