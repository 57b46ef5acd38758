"""Who may be offered an appointment, and in what order (docs/domain.md, "Eligible for an offer").

Pure functions: the hub's clock and the agents' rows come in, a decision comes out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.routing.areas import AreaAgent
from server.storage.models import Person

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


Candidate = Person | AreaAgent  # an agent as stored, or as routing reads an area's agents
C = TypeVar("C", Person, AreaAgent)


def within_working_hours(person: Candidate, now: datetime) -> bool:
    """True when `now`, in the agent's own time zone, is inside the agent's working hours."""
    start, end = person.work_start_minute, person.work_end_minute
    if start is None or end is None:
        return True
    local = now.astimezone(_zone(person))
    minute = local.hour * 60 + local.minute
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end  # working hours across midnight


def _zone(person: Candidate) -> ZoneInfo:
    try:
        return ZoneInfo(person.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def on_vacation(person: Candidate, now: datetime) -> bool:
    start, end = person.vacation_start, person.vacation_end
    return start is not None and end is not None and start <= now < end


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def unavailable_because(person: Candidate, now: datetime) -> str:
    """Why the agent cannot be offered anything now, or "" when the agent can."""
    if person.paused:
        return "paused offers"
    if on_vacation(person, now):
        assert person.vacation_end is not None
        return f"on vacation until {person.vacation_end.astimezone(_zone(person)):%Y-%m-%d %H:%M}"
    if not within_working_hours(person, now):
        assert person.work_start_minute is not None and person.work_end_minute is not None
        local = now.astimezone(_zone(person))
        return (
            f"outside working hours {_hhmm(person.work_start_minute)}-"
            f"{_hhmm(person.work_end_minute)} {person.timezone} (now {local:%H:%M})"
        )
    return ""


def is_available(person: Candidate, now: datetime) -> bool:
    return not unavailable_because(person, now)


def rank_key(person: Candidate) -> tuple[float, datetime, str]:
    """Higher rank score first, then whoever has waited longest since their last offer."""
    return (-person.rank_score, person.last_offer_at or _EPOCH, person.id)


def last_offer_text(person: Candidate, now: datetime) -> str:
    """"last offer 12 min ago", "last offer 3.5 h ago", "no offer before"."""
    if person.last_offer_at is None:
        return "no offer before"
    hours = (now - person.last_offer_at).total_seconds() / 3600
    return f"last offer {hours:.1f} h ago" if hours >= 1 else f"last offer {hours * 60:.0f} min ago"


def why_line(person: Candidate, now: datetime, zip_code: str, others: int) -> str:
    """The "why this agent" line of an offer."""
    waited = last_offer_text(person, now)
    return f"rank {person.rank_score:g}, serves {zip_code}, {waited}; {others} more eligible after"


def rank_order(
    agents: Iterable[C], now: datetime, exclude: set[str] = frozenset()  # type: ignore[assignment]
) -> list[C]:
    """The eligible agents among `agents`, best first."""
    eligible = [a for a in agents if a.id not in exclude and is_available(a, now)]
    return sorted(eligible, key=rank_key)
