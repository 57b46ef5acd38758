"""The routing desk over the wire: its board says who holds each appointment and for how long,
and moves as offers do; an unclaimed appointment is reopened or handed to an agent (audited, the
agent sees it arrive); team changes are checked whole, audited with the desk as actor, and
searched at once."""

from __future__ import annotations

from datetime import datetime

from server.hub import Hub
from tests.integration.conftest import snapshot
from tests.wire import Wire, connect, upsert_of

APPOINTMENT = dict(kind="appointment", first_name="Carl", last_name="Seller", email="carl@example.com",
                   phone="512-555-0100", zip="78701", city="Austin", lead_type="home valuation")


async def team(hub: Hub, wires: list[Wire]) -> dict[str, tuple[str, Wire]]:
    made = {}
    for key, fields in {
        "desk": dict(name="Dee Desk", roles=["concierge"]),
        "ann": dict(name="Ann Able", zips=["78701"], rank_score=90),
        "bo": dict(name="Bo Baker", zips=["78701"], rank_score=70),
        "cy": dict(name="Cy Cole", zips=["78701"], rank_score=50),
    }.items():
        person, token = await hub.add_person(**fields)
        made[key] = (person.id, await connect(hub, token, wires, key))
    return made


async def test_the_board_shows_holder_clock_passes_and_next_in_line(hub: Hub, wires: list[Wire]) -> None:
    people = await team(hub, wires)
    desk = people["desk"][1]
    ref = (await desk.ok("submit", referral=APPOINTMENT))["referral"]["id"]
    board = await desk.ok("desk.board")
    (row,) = board["appointments"]
    assert row["id"] == ref and row["phase"] == "ranked"
    assert row["holder"]["id"] == people["ann"][0] and row["next_agent"]["id"] == people["bo"][0]
    assert datetime.fromisoformat(row["deadline"]) > datetime.fromisoformat(board["server_time"])
    assert "email" not in row and "phone" not in row and "Carl" not in str(row)  # no contact on the board

    await people["ann"][1].ok("pass", id=ref, reason="booked")
    (row,) = (await desk.ok("desk.board"))["appointments"]
    assert row["holder"]["id"] == people["bo"][0] and row["passes"] == 1
    assert row["next_agent"]["id"] == people["cy"][0]


async def test_an_unclaimed_appointment_is_reopened_and_claimed(hub: Hub, wires: list[Wire]) -> None:
    people = await team(hub, wires)
    desk = people["desk"][1]
    ref = (await desk.ok("submit", referral=APPOINTMENT))["referral"]["id"]
    for agent in ("ann", "bo", "cy"):  # each passes in turn; the open round has no one left
        await people[agent][1].ok("pass", id=ref)
    board = await desk.ok("desk.board")
    assert [r["id"] for r in board["unclaimed"]] == [ref] and board["appointments"] == []

    bo = people["bo"][1]
    bo.drain()  # what came before: its own ranked turn
    reopened = await desk.ok("desk.reopen", id=ref)
    assert reopened["referral"]["status"] == "offered"
    offered = await bo.event_where(lambda e: upsert_of(ref)(e) and "claim" in e["data"].get("actions", []))
    assert offered["data"]["offer"]["phase"] == "open"
    claimed = await bo.ok("claim", id=ref)
    assert claimed["referral"]["email"] == "carl@example.com"
    detail = await desk.ok("referral.get", id=ref)
    assert "reopened" in [entry["action"] for entry in detail["audit"]]


async def test_the_desk_hands_an_unclaimed_appointment_to_an_agent(hub: Hub, wires: list[Wire]) -> None:
    people = await team(hub, wires)
    desk = people["desk"][1]
    ref = (await desk.ok("submit", referral=APPOINTMENT))["referral"]["id"]
    for agent in ("ann", "bo", "cy"):
        await people[agent][1].ok("pass", id=ref)
    assigned = await desk.ok("desk.assign", id=ref, agent=people["cy"][0])
    assert assigned["referral"]["status"] == "awarded"
    arrived = await people["cy"][1].event_where(lambda e: upsert_of(ref)(e) and e["data"]["status"] == "awarded")
    assert arrived["data"]["email"] == "carl@example.com"  # the agent sees it arrive, with contact
    audit = (await desk.ok("referral.get", id=ref))["audit"]
    handed = next(entry for entry in audit if entry["action"] == "assigned")
    assert handed["actor"] == "Dee Desk" and "Cy Cole" in handed["reason"]
    again = await desk.request("desk.assign", id=ref, agent=people["ann"][0])
    assert again["type"] == "error" and again["code"] == "forbidden_move"  # awarded now, not unclaimed


async def test_team_changes_over_the_wire_are_checked_whole_audited_and_searched_at_once(
    hub: Hub, wires: list[Wire]
) -> None:
    people = await team(hub, wires)
    desk, ann = people["desk"][1], people["ann"][1]
    before = await snapshot(hub)
    refused = await desk.request("team.person.set", id=people["cy"][0],
                                 changes={"rank": 99, "sponsor_zips": ["99999"]})
    assert refused["type"] == "error" and refused["code"] == "bad_request"
    assert refused["details"]["field"] == "sponsor_zips"
    assert await snapshot(hub) == before  # the good rank was not written either

    assert (await ann.ok("agents.search", language="Portuguese"))["agents"] == []
    changed = await desk.ok("team.person.set", id=people["cy"][0],
                            changes={"languages": ["Portuguese"], "rank": 99})
    assert changed["person"]["rank"] == 99 and changed["person"]["languages"] == ["Portuguese"]
    pushed = await people["cy"][1].event_where(lambda e: e["name"] == "team.changed")  # Cy is told
    assert pushed["data"]["id"] == people["cy"][0] and "languages none -> Portuguese" in pushed["data"]["reason"]
    assert not [e for e in ann.drain() if e.get("name") == "team.changed"]  # Ann is not concerned
    found = (await ann.ok("agents.search", language="Portuguese"))["agents"]
    assert [card["id"] for card in found] == [people["cy"][0]]
    export = await desk.ok("export", what="audit")
    entry = next(row for row in export["audit"] if row["action"] == "person_changed")
    assert entry["actor"] == "Dee Desk" and "rank 50 -> 99" in entry["reason"]
    # and routing: Cy now comes first
    ref = (await desk.ok("submit", referral=APPOINTMENT))["referral"]["id"]
    (row,) = [r for r in (await desk.ok("desk.board"))["appointments"] if r["id"] == ref]
    assert row["holder"]["id"] == people["cy"][0]


async def test_an_agent_may_not_manage_the_team(hub: Hub, wires: list[Wire]) -> None:
    people = await team(hub, wires)
    answer = await people["ann"][1].request("team.person.set", id=people["ann"][0], changes={"rank": 100})
    assert answer["type"] == "error" and answer["code"] == "forbidden"
    assert "concierge" in answer["message"]
