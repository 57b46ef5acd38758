"""Pure formatting and decision helpers: how a referral is shown and which op a key means.

No Textual imports, so everything here is unit-tested on its own.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from shared.domain import Visibility
from shared.protocol import RecipientView, ReferralView

WARNING_SECONDS = 5 * 60
CRITICAL_SECONDS = 60

ACCEPT_OPS = ("claim", "interest", "accept", "work")
REJECT_OPS = ("pass", "decline", "reject")
REASON_REQUIRED_OPS = frozenset({"reject"})

ACCEPT_DONE = {
    "claim": "Claimed",
    "interest": "Interest sent for",
    "accept": "Accepted",
    "work": "Working on",
}
REJECT_DONE = {"pass": "Passed on", "decline": "Declined", "reject": "Rejected"}


# What each op the hub lists in a referral's `actions` is called here, and the binding that does it.
ACTION_WORDS: dict[str, tuple[str, str | None]] = {
    "claim": ("claim it", "triage.accept"),
    "interest": ("express interest", "triage.accept"),
    "accept": ("accept", "triage.accept"),
    "work": ("take it (working)", "triage.accept"),
    "pass": ("pass", "triage.reject"),
    "decline": ("decline", "triage.reject"),
    "reject": ("reject", "triage.reject"),
    "pick": ("pick the receiver", "triage.pick"),
    "sign": ("sign the agreement", "triage.sign"),
    "archive": ("archive", "triage.archive"),
    "add_receivers": ("add receivers", "app.agents"),
    "message": ("messages", "triage.thread"),
    "edit": ("edit the draft", None),
    "send": ("send the draft", None),
}


def action_words(op: str) -> tuple[str, str | None]:
    """(product words, binding id or None) for an op of `ReferralView.actions`."""
    return ACTION_WORDS.get(op, (op.replace("_", " "), None))


def accept_op(view: ReferralView) -> str | None:
    """The op the `a` key means for this referral now, if any."""
    return next((op for op in ACCEPT_OPS if op in view.actions), None)


def reject_op(view: ReferralView) -> str | None:
    """The op the `r` key means for this referral now, if any."""
    return next((op for op in REJECT_OPS if op in view.actions), None)


def deadline_of(view: ReferralView) -> datetime | None:
    return view.offer.deadline if view.offer is not None else None


def seconds_left(deadline: datetime, now: datetime) -> float:
    return (deadline - now).total_seconds()


def time_left(deadline: datetime | None, now: datetime) -> str:
    """29:59, 1:02:03, or "expired"; empty when there is no deadline."""
    if deadline is None:
        return ""
    left = int(seconds_left(deadline, now))
    if left <= 0:
        return "expired"
    hours, rest = divmod(left, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def urgency(deadline: datetime | None, now: datetime) -> str:
    """"none", "normal", "warning" (< 5 min), "critical" (< 1 min) or "expired"."""
    if deadline is None:
        return "none"
    left = seconds_left(deadline, now)
    if left <= 0:
        return "expired"
    if left < CRITICAL_SECONDS:
        return "critical"
    if left < WARNING_SECONDS:
        return "warning"
    return "normal"


def sort_key(view: ReferralView) -> tuple[int, float]:
    """Referrals with a deadline first, soonest first; the rest newest first."""
    deadline = deadline_of(view)
    if deadline is not None:
        return (0, deadline.timestamp())
    return (1, -view.created_at.timestamp())


def money(amount: int) -> str:
    if amount >= 1_000_000:
        text = f"{amount / 1_000_000:.2f}".rstrip("0").rstrip(".")
        return f"${text}M"
    if amount >= 1_000:
        return f"${amount // 1_000}k"
    return f"${amount}"


def price_range(view: ReferralView) -> str:
    low, high = view.price_min, view.price_max
    if low is not None and high is not None:
        return f"{money(low)}–{money(high)}"
    if high is not None:
        return f"≤{money(high)}"
    if low is not None:
        return f"{money(low)}+"
    return ""


def price_short(view: ReferralView) -> str:
    """`price_range` for a narrow column: the unit and sign said once ("$450–600k")."""
    low, high = view.price_min, view.price_max
    if low is None or high is None:
        return price_range(view)
    lo, hi = money(low), money(high)
    if lo[-1] == hi[-1] and lo[-1] in "kM":
        return f"{lo[:-1]}–{hi[1:]}"
    return f"{lo}–{hi[1:]}"


def client_label(view: ReferralView) -> str:
    return view.client_name or view.company or view.contact_person or "—"


def area(view: ReferralView) -> str:
    return " ".join(part for part in (view.city, view.zip) if part)


def intent(view: ReferralView) -> str:
    return view.lead_type or view.intent or view.timeframe


def partner_contact(view: ReferralView) -> str:
    """A partner prospect's contact person and title: "Hank Scorpio · CEO"."""
    return " · ".join(p for p in (view.contact_person, view.title) if p)


def sender_label(view: ReferralView) -> str:
    return view.sender.name if view.sender is not None else ""


def clock_time(moment: datetime, tz: tzinfo | None = None) -> str:
    """10:04:05 in the viewer's time zone (local unless ``tz`` is given)."""
    return moment.astimezone(tz).strftime("%H:%M:%S")


def stamp(moment: datetime, tz: tzinfo | None = None) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def contact_notice(view: ReferralView) -> str:
    """Why contact fields are missing, or "" when the viewer sees everything."""
    match view.visibility:
        case Visibility.FULL:
            return ""
        case Visibility.AREA_ONLY:
            return "contact hidden until you claim it"
        case Visibility.NAME_ADDRESS:
            return "phone and e-mail only for the zip code's sponsors"
        case _:
            if view.kind == "partner":
                return "contact hidden: only the vendor and the partner see it"
            return "contact hidden until you are awarded"


def removal_text(reason: str, winner: str | None, at: datetime | None, tz: tzinfo | None = None) -> str:
    """"claimed by Dana Cole at 10:04:05", or the hub's reason as given."""
    when = f" at {clock_time(at, tz)}" if at is not None else ""
    if winner:
        return f"claimed by {winner}{when}"
    return f"{reason.replace('_', ' ')}{when}" if reason else f"removed{when}"


def recipient_label(recipient: RecipientView) -> str:
    """"Lee Park (Hill Country Realty) · interested · 3.2 mi"."""
    name = recipient.person.name
    if recipient.person.brokerage:
        name += f" ({recipient.person.brokerage})"
    answer = recipient.answer or "no answer yet"
    distance = f"{recipient.distance_miles:g} mi" if recipient.distance_miles is not None else ""
    return " · ".join(p for p in (name, answer, distance) if p)


def duplicate_text(view: ReferralView) -> str:
    """"⚠ duplicate of R-1: same e-mail", or ""."""
    if not view.duplicate_of:
        return ""
    why = f": {view.duplicate_reason}" if view.duplicate_reason else ""
    return f"⚠ duplicate of {view.duplicate_of}{why}"
