"""An agent's availability (pause, working hours in the agent's own time zone, vacation) and the
concierge's dry run: who would get a referral in a zip code right now, and why not the others."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.geo import known_zip
from server.routing.eligibility import last_offer_text, rank_order, unavailable_because
from server.storage.models import AgentZip, Person, has_role
from shared.domain import Role
from shared.protocol import (
    AvailabilityArgs,
    AvailabilityView,
    DryRunResult,
    DryRunRow,
    ErrorCode,
    PersonRef,
)

_HOURS = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)\s*$")


def parse_work_hours(text: str) -> tuple[int, int]:
    """ "09:00-17:30" -> (540, 1050) minutes after local midnight."""
    match = _HOURS.match(text)
    if match is None:
        raise HubError(
            ErrorCode.BAD_REQUEST, f"working hours look like 09:00-17:30, got {text!r}", field="work_hours"
        )
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, min(h2 * 60 + m2, 24 * 60)
    if start == end:
        raise HubError(ErrorCode.BAD_REQUEST, "working hours must not start and end at once")
    return start, end


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def view(person: Person, now: datetime) -> AvailabilityView:
    reason = unavailable_because(person, now)
    hours = ""
    if person.work_start_minute is not None and person.work_end_minute is not None:
        hours = f"{_hhmm(person.work_start_minute)}-{_hhmm(person.work_end_minute)}"
    return AvailabilityView(
        paused=person.paused,
        timezone=person.timezone,
        available=not reason,
        reason=reason,
        work_hours=hours,
        vacation_start=person.vacation_start,
        vacation_end=person.vacation_end,
    )


def apply(person: Person, args: AvailabilityArgs) -> list[str]:
    """Change `person` as `args` asks; return the names of what changed (for the audit)."""
    changed = []
    if args.timezone is not None:
        try:
            ZoneInfo(args.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise HubError(
                ErrorCode.BAD_REQUEST, f"unknown time zone {args.timezone!r}", field="timezone"
            ) from None
        person.timezone = args.timezone
        changed.append("timezone")
    if args.paused is not None:
        person.paused = args.paused
        changed.append("paused" if args.paused else "resumed")
    if args.work_hours is not None:
        if args.work_hours.strip():
            person.work_start_minute, person.work_end_minute = parse_work_hours(args.work_hours)
        else:
            person.work_start_minute = person.work_end_minute = None
        changed.append("working hours")
    start = person.vacation_start if args.vacation_start is msgspec.UNSET else args.vacation_start
    end = person.vacation_end if args.vacation_end is msgspec.UNSET else args.vacation_end
    if (start is None) != (end is None):
        raise HubError(ErrorCode.BAD_REQUEST, "a vacation needs both a start and an end")
    if start is not None and end is not None and end <= start:
        raise HubError(ErrorCode.BAD_REQUEST, "a vacation must end after it starts")
    if (start, end) != (person.vacation_start, person.vacation_end):
        person.vacation_start, person.vacation_end = start, end
        changed.append("vacation")
    return changed


async def dry_run(session: AsyncSession, zip_code: str, now: datetime) -> DryRunResult:
    """Every agent serving `zip_code`, in the order an appointment there would be offered now."""
    if not known_zip(zip_code):
        raise HubError(ErrorCode.BAD_REQUEST, f"unknown zip code {zip_code!r}", field="zip")
    rows = await session.execute(
        select(Person)
        .join(AgentZip, AgentZip.person_id == Person.id)
        .where(AgentZip.zip == zip_code, has_role(Role.AGENT))
    )
    agents = list(rows.scalars().unique())
    ranked = rank_order(agents, now)
    order = {a.id: i for i, a in enumerate(ranked, start=1)}
    result = []
    for agent in ranked + [a for a in agents if a.id not in order]:
        ref = PersonRef(id=agent.id, name=agent.name, brokerage=agent.brokerage)
        if agent.id in order:
            why = f"rank {agent.rank_score:g}, {last_offer_text(agent, now)}"
            result.append(DryRunRow(ref, True, order[agent.id], why))
        else:
            result.append(DryRunRow(ref, False, None, unavailable_because(agent, now)))
    return DryRunResult(zip=zip_code, at=now, agents=result)
