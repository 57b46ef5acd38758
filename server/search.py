"""Finding things: open referrals around an area, open referrals by shareable link, agents by
name, brokerage and area."""

from __future__ import annotations

from rapidfuzz import fuzz, utils
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audience import facts_for
from server.errors import HubError
from server.geo import known_zip, nearest_miles
from server.models import Person, Referral
from server.visibility import Viewer, viewer_of
from shared.domain import Kind, Mode, Role, Status
from shared.protocol import AgentCard, ErrorCode

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
    the agent's own zip codes), nearest first. Open referrals are for agents only, as by link."""
    if Role.AGENT not in person.role_list:
        raise HubError(ErrorCode.FORBIDDEN, "open referrals are for agents")
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
    for _, ref in found[: max(1, min(limit, 1000))]:
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


async def agents(
    session: AsyncSession, text: str, zip_code: str, radius: float, limit: int
) -> list[AgentCard]:
    """Agents ranked by how well name or brokerage match `text`, then by distance."""
    check_area(zip_code, radius)
    rows = await session.execute(select(Person).where(Person.roles.like("%agent%")))
    query = utils.default_process(text) if text else ""
    scored: list[tuple[float, float, AgentCard]] = []
    for person in rows.scalars():
        zips = [z.zip for z in person.zips]
        distance = None
        if zip_code:
            distance = nearest_miles(zip_code, zips) if zips else None
            if distance is None or distance > radius + 1e-9:
                continue
        score = 100.0
        if query:
            score = max(
                fuzz.WRatio(query, person.name, processor=utils.default_process),
                fuzz.WRatio(query, person.brokerage, processor=utils.default_process),
            )
            if score < 60:
                continue
        card = AgentCard(
            id=person.id,
            name=person.name,
            brokerage=person.brokerage,
            city=person.city,
            zips=zips,
            rank_score=person.rank_score,
            distance_miles=round(distance, 1) if distance is not None else None,
        )
        scored.append((-score, distance or 0.0, card))
    scored.sort(key=lambda item: (item[0], item[1], item[2].name))
    return [card for _, _, card in scored[: max(1, min(limit, 500))]]

