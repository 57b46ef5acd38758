"""Who may be offered an appointment, and in what order (domain.md, "Eligible for an offer").

Pure functions: the hub's clock and the agents' rows come in, a decision comes out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.models import Person

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def within_working_hours(person: Person, now: datetime) -> bool:
    """True when `now`, in the agent's own time zone, is inside the agent's working hours."""
    start, end = person.work_start_minute, person.work_end_minute
    if start is None or end is None:
        return True
    try:
        zone = ZoneInfo(person.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end  # working hours across midnight


def is_available(person: Person, now: datetime) -> bool:
    return not person.paused and within_working_hours(person, now)


def rank_key(person: Person) -> tuple[float, datetime, str]:
    """Higher rank score first, then whoever has waited longest since their last offer."""
    return (-person.rank_score, person.last_offer_at or _EPOCH, person.id)


def rank_order(
    agents: Iterable[Person], now: datetime, exclude: set[str] = frozenset()  # type: ignore[assignment]
) -> list[Person]:
    """The eligible agents among `agents`, best first."""
    eligible = [a for a in agents if a.id not in exclude and is_available(a, now)]
    return sorted(eligible, key=rank_key)
