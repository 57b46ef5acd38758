"""Finding open referrals: around an area, or by shareable link. (Agents: server.routing.directory.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.geo import known_zip, nearest_miles
from server.storage.models import Person, Referral
from server.views.audience import facts_for
from server.views.visibility import Viewer, viewer_of
from shared.domain import Kind, Mode, Role, Status
from shared.protocol import ErrorCode

MAX_RADIUS_MILES = 500.0


def check_area(zip_code: str, radius: float) -> None:
    if radius < 0 or radius > MAX_RADIUS_MILES:
        raise HubError(
            ErrorCode.BAD_REQUEST,
            f"radius must be between 0 and {MAX_RADIUS_MILES:g} miles, got {radius:g}",
            field="radius_miles",
        )
    if zip_code and not known_zip(zip_code):
        raise HubError(ErrorCode.BAD_REQUEST, f"unknown zip code {zip_code!r}", field="zip")


async def open_referrals(
    session: AsyncSession, person: Person, zip_code: str, radius: float, limit: int
) -> list[tuple[Referral, Viewer]]:
    """Open referrals still looking for a receiver, within `radius` miles of `zip_code` (or of
    the agent's own zip codes), nearest first. Open referrals are for agents only (the op table
    requires the role; by link, anyone else is told there is no such referral)."""
    check_area(zip_code, radius)
    centres = [zip_code] if zip_code else [z.zip for z in person.zips]
    rows = await session.execute(
        select(Referral).where(
            Referral.kind == Kind.AGENT,
            Referral.mode == Mode.OPEN,
            Referral.status.in_([Status.NEW, Status.ACCEPTED]),
            Referral.sender_id != person.id,
        )
    )
    found: list[tuple[float, Referral]] = []
    for ref in rows.scalars():
        distance = nearest_miles(ref.zip, centres)
        if distance is not None and distance <= radius + 1e-9 or ref.zip in centres:
            found.append((distance or 0.0, ref))
    found.sort(key=lambda pair: pair[0])
    result = []
    for _, ref in found[:limit]:
        facts = await facts_for(session, ref)
        facts.link_viewer = person.id  # found by search: seen as by its link
        viewer = viewer_of(ref, person.id, facts)
        if viewer is not None:
            result.append((ref, viewer))
    return result


async def by_link(session: AsyncSession, person: Person, link: str) -> tuple[Referral, Viewer]:
    ref = await session.scalar(select(Referral).where(Referral.link == link))
    if ref is None or Role.AGENT not in person.role_list:
        raise HubError(ErrorCode.NOT_FOUND, f"no open referral with link {link!r}")
    facts = await facts_for(session, ref)
    facts.link_viewer = person.id
    viewer = viewer_of(ref, person.id, facts)
    if viewer is None:
        raise HubError(ErrorCode.NOT_FOUND, f"the referral of link {link!r} is no longer open")
    return ref, viewer
