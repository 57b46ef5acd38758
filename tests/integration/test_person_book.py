"""Each request is answered for its person as stored now, though the hub reads them anew only
when the directory's version has moved on (server/storage/person_book.py): a change made by
another process, or one that moved no version on itself, counts at the person's next request."""

from __future__ import annotations

from sqlalchemy import delete

from server.hub import Hub
from server.storage.database import Database
from server.storage.models import PersonRole
from shared.protocol import ReferralInput
from tests.wire import Wire, connect, upsert_of


def appointment() -> ReferralInput:
    return ReferralInput(
        kind="appointment", first_name="Carla", last_name="Diaz", email="carla@example.com",
        phone="512-555-0100", city="Austin", zip="78701", lead_type="home valuation",
    )


async def test_a_person_asking_again_and_again_is_read_from_the_database_once(
    hub: Hub, wires: list[Wire]
) -> None:
    """Offers made to them and events delivered to them (their last offer time and sequence
    number, written with every one) are no change to the person."""
    desk, _ = await hub.add_person(name="Routing Desk", roles=["concierge"])
    _, token = await hub.add_person(name="Ann Agent", zips=["78701"])
    ann = await connect(hub, token, wires)
    loads = hub.people.loads
    for _ in range(3):
        ref_id = await hub.submit(desk.id, appointment())
        await ann.event_where(upsert_of(ref_id))  # offered to her: delivered, her clock moved on
        await ann.ok("inbox")
        await ann.ok("notifications.get")
    assert hub.people.loads - loads == 2  # the desk (submitting) once, and Ann once


async def test_a_role_taken_away_by_another_process_is_refused_at_the_next_request(
    hub: Hub, wires: list[Wire]
) -> None:
    desk, token = await hub.add_person(name="Routing Desk", roles=["concierge"])
    await hub.add_person(name="Ann Agent", zips=["78701"])
    wire = await connect(hub, token, wires)
    assert (await wire.ok("routing.dry_run", zip="78701"))["agents"]
    # as the command line on the hub's host would: its own connection, no word to the hub
    other = Database(hub.db.url)
    try:
        async with other.write_session() as session:
            await session.execute(
                delete(PersonRole).where(PersonRole.person_id == desk.id, PersonRole.role == "concierge")
            )
    finally:
        await other.close()
    refused = await wire.request("routing.dry_run", zip="78701")
    assert refused["type"] == "error" and refused["code"] == "forbidden"


async def test_a_changed_address_is_shown_at_once(hub: Hub, wires: list[Wire]) -> None:
    """Setting one's notifications calls nothing to move the directory on: the flush that
    changes the person does it."""
    _, token = await hub.add_person(name="Ann Agent", zips=["78701"])
    ann = await connect(hub, token, wires)
    assert (await ann.ok("notifications.get"))["email"] == ""
    await ann.ok("notifications.set", email="ann@example.com", offers=True)
    shown = await ann.ok("notifications.get")
    assert (shown["email"], shown["offers"]) == ("ann@example.com", True)
