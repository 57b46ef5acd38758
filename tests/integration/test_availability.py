"""Availability against the hub's clock: pause, working hours in the agent's own time zone
(half-hour zones included), vacations; waiting appointments whose clocks start only once someone
is available; why-this-agent lines; and the concierge's dry run."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from server.hub import Hub
from server.storage.models import Offer, Referral
from shared.protocol import ReferralInput
from tests.integration.conftest import referral_row
from tests.wire import Wire, connect, upsert_of


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def appointment(zip_code: str = "78701") -> ReferralInput:
    return ReferralInput(
        kind="appointment", first_name="Carla", last_name="Diaz", email="carla@example.com",
        phone="512-555-0100", city="Austin", zip=zip_code, lead_type="home valuation",
    )


async def test_working_hours_follow_each_agents_own_zone(make_hub, wires: list[Wire]) -> None:
    # 04:00 UTC is 09:30 in Kolkata (UTC+5:30) and 22:00 the day before in Chicago.
    hub: Hub = await make_hub(clock=FixedClock(datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)))
    desk, desk_token = await hub.add_person(name="Desk", roles=["concierge"])
    _, kolkata_token = await hub.add_person(name="Kiran Rao", zips=["78701"], rank_score=50)
    _, chicago_token = await hub.add_person(name="Cody Hale", zips=["78701"], rank_score=90)
    kiran = await connect(hub, kolkata_token, wires)
    cody = await connect(hub, chicago_token, wires)
    mine = await kiran.ok("availability.set", timezone="Asia/Kolkata", work_hours="09:30-18:00")
    assert mine["available"] is True
    theirs = await cody.ok("availability.set", timezone="America/Chicago", work_hours="08:00-17:00")
    assert theirs["available"] is False
    assert "outside working hours 08:00-17:00 America/Chicago (now 22:00)" == theirs["reason"]

    desk_wire = await connect(hub, desk_token, wires)
    dry = await desk_wire.ok("routing.dry_run", zip="78701")
    assert [(row["agent"]["name"], row["eligible"], row.get("order")) for row in dry["agents"]] == [
        ("Kiran Rao", True, 1),
        ("Cody Hale", False, None),
    ]
    ref_id = await hub.submit(desk.id, appointment())
    offer = (await kiran.event_where(upsert_of(ref_id)))["data"]["offer"]
    assert offer["why"].startswith("rank 50, serves 78701, no offer before")


async def test_an_appointment_waits_without_a_clock_until_someone_is_available(
    hub: Hub, wires: list[Wire]
) -> None:
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    _, token = await hub.add_person(name="Paula Paused", zips=["78701"])
    paula = await connect(hub, token, wires)
    await paula.ok("availability.set", paused=True)
    ref_id = await hub.submit(desk.id, appointment())
    ref = await _row(hub, ref_id)
    assert ref.status == "offered"
    assert await _open_offers(hub, ref_id) == 0  # no clock runs while no one is available
    await paula.no_event()

    await paula.ok("availability.set", paused=False)
    event = await paula.event_where(upsert_of(ref_id))
    assert event["data"]["actions"][:2] == ["claim", "pass"]
    assert await _open_offers(hub, ref_id) == 1


async def test_vacation_makes_an_agent_ineligible_for_its_span(make_hub, wires: list[Wire]) -> None:
    hub: Hub = await make_hub(clock=FixedClock(datetime(2026, 12, 24, 12, 0, tzinfo=timezone.utc)))
    _, token = await hub.add_person(name="Vera Vacation", zips=["78701"])
    vera = await connect(hub, token, wires)
    away = await vera.ok(
        "availability.set", vacation_start="2026-12-20T00:00:00Z", vacation_end="2027-01-02T00:00:00Z"
    )
    assert away["available"] is False and away["reason"].startswith("on vacation until 2027-01-02")
    with_end_first = await vera.request(
        "availability.set", vacation_start="2027-01-05T00:00:00Z", vacation_end="2027-01-01T00:00:00Z"
    )
    assert with_end_first["code"] == "bad_request"
    assert (await vera.ok("availability.get"))["reason"].startswith("on vacation")  # unchanged
    back = await vera.ok("availability.set", vacation_start=None, vacation_end=None)
    assert back["available"] is True


async def test_bad_availability_input_is_refused_and_changes_nothing(hub: Hub, wires: list[Wire]) -> None:
    _, token = await hub.add_person(name="Ann", zips=["78701"])
    ann = await connect(hub, token, wires)
    for args, field in (
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"work_hours": "9 to 5"}, "work_hours"),
        ({"work_hours": "25:00-26:00"}, "work_hours"),
    ):
        error = await ann.request("availability.set", **args)
        assert error["code"] == "bad_request" and error["details"]["field"] == field
    assert await ann.ok("availability.get") == {"paused": False, "timezone": "UTC", "available": True}


async def test_dry_run_is_for_the_concierge_and_needs_a_known_zip(hub: Hub, wires: list[Wire]) -> None:
    _, agent_token = await hub.add_person(name="Ann", zips=["78701"])
    _, desk_token = await hub.add_person(name="Desk", roles=["concierge"])
    agent = await connect(hub, agent_token, wires)
    desk = await connect(hub, desk_token, wires)
    assert (await agent.request("routing.dry_run", zip="78701"))["code"] == "forbidden"
    assert (await desk.request("routing.dry_run", zip="00000"))["code"] == "bad_request"


async def _row(hub: Hub, ref_id: str) -> Referral:
    return await referral_row(hub, ref_id)


async def _open_offers(hub: Hub, ref_id: str) -> int:
    async with hub.db.read() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Offer)
            .where(Offer.referral_id == ref_id, Offer.state == "open")
        )
    return int(count or 0)
