"""A hub's catch-up: events committed where the hub did not push them (another process on the
same SQLite file, as the command line writes) reach its live clients through its poll, however
many people are behind at once."""

from __future__ import annotations

import asyncio

import pytest

from bench import seeding
from shared.protocol import ReferralInput
from tests.wire import connect, upsert_of

ZIP = "78701"
PEOPLE = 1_050  # more than SQLite's expression depth of 1,000, which a test per person broke


@pytest.mark.sqlite_only
async def test_an_event_written_elsewhere_reaches_over_a_thousand_people_caught_up_at_once(make_hub, wires):
    hub = await make_hub()
    agents = await seeding.agents(hub, PEOPLE, ZIP)
    clients = []
    for start in range(0, PEOPLE, 50):
        clients += await asyncio.gather(*(
            connect(hub, token, wires, f"agent{start + i}")
            for i, (_, token) in enumerate(agents[start:start + 50])
        ))
    elsewhere = await make_hub()  # another process writing to the same file
    sender, _ = await elsewhere.add_person(name="Sender", zips=["10001"])
    ref_id = await elsewhere.submit(sender.id, ReferralInput(
        kind="agent", mode="open", first_name="Ivy", last_name="Chen", zip=ZIP, city="Austin",
    ))
    seen = await asyncio.gather(*(client.event_where(upsert_of(ref_id), timeout=60) for client in clients))
    assert len(seen) == PEOPLE and all(event["data"]["id"] == ref_id for event in seen)
