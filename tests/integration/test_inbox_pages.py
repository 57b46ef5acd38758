"""The paged inbox: every view, filter and page the hub serves holds exactly the rows the app used
to compute itself from the whole inbox (the Python visibility rules, the masking of `render`, the
app's view and filter, deadlines first then newest first), with the counts for the view bar."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from sqlalchemy import insert

from server.storage.database import Database
from server.storage.models import AgentZip, Person, PersonRole
from server.views.audience import visible_referrals
from server.views.fields import many_referral_fields
from server.views.masking import render
from shared.protocol import ReferralInput, ReferralView
from tests.wire import Wire, connect, upsert_of
from tui import format as fmt
from tui.filters import VIEWS, InboxFilter, visible

FILTERS = ["", "austin", "kind:agent", "kind:appt status:offered", "m.", "moss", "desk", "bo boss",
           "status:rejected,archived", "—"]
CASES = [(view, text) for view in VIEWS for text in ("", "austin")] + [("all", t) for t in FILTERS]


async def whole_inbox(hub, person_id: str) -> list[ReferralView]:
    """Every referral the person may see, rendered by the rules in Python (the old inbox)."""
    async with hub.db.read() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        rows = await visible_referrals(session, person)
        fields = await many_referral_fields(session, [ref for ref, _ in rows])
        return [render(f, ref, viewer) for f, (ref, viewer) in zip(fields, rows, strict=True)]


def expected(views: list[ReferralView], person_id: str, view: str, text: str) -> list[ReferralView]:
    """What the app showed before paging: the whole inbox, filtered and sorted in the app."""
    query = InboxFilter.parse(text)
    shown = [v for v in views if visible(v, view, person_id, query)]  # type: ignore[arg-type]
    shown.sort(key=lambda v: v.id, reverse=True)
    shown.sort(key=lambda v: (fmt.sort_key(v), -v.created_at.timestamp()))
    return shown


async def pages(wire: Wire, view: str, text: str, size: int) -> tuple[list[dict[str, Any]], dict]:
    rows: list[dict[str, Any]] = []
    first = None
    while True:
        result = await wire.ok("inbox", view=view, filter=text, offset=len(rows), limit=size)
        first = first or result
        assert result["offset"] == len(rows) and result["total"] == first["total"]
        rows.extend(result["referrals"])
        if not result["referrals"]:
            return rows, first


@pytest.fixture
async def crowd(hub, wires) -> dict[str, tuple[Person, Wire]]:
    """All four kinds of referral, seen by everyone in every way docs/domain.md allows."""
    people = {
        "desk": await hub.add_person(name="Routing Desk", roles=["concierge"]),
        "ann": await hub.add_person(name="Ann First", zips=["78701"], rank_score=90),
        "sam": await hub.add_person(name="Sam Sponsor", sponsor_zips=["78702"], zips=["78701"]),
        "nia": await hub.add_person(name="Nia Plain", zips=["78702"]),
        "xav": await hub.add_person(name="Xavier Sender", zips=["78703"]),
        "rita": await hub.add_person(name="Rita Receiver", zips=["78704"]),
        "pat": await hub.add_person(name="Pat Partner", roles=["partner"]),
        "vera": await hub.add_person(name="Vera Vendor", roles=["vendor"]),
    }
    await hub.add_program("PRG1", "Acme CRM partners", people["vera"][0].id, fee_type="intro",
                          fee_amount=500.0)
    w = {label: await connect(hub, token, wires, label) for label, (_, token) in people.items()}
    rita = people["rita"][0].id
    for n in range(3):  # offered to Ann, each with its countdown
        await w["desk"].ok("submit", referral={
            "kind": "appointment", "first_name": f"Carla{n}", "last_name": "Diaz", "city": "Austin",
            "zip": "78701", "lead_type": "home valuation", "email": f"c{n}@example.com"})
    claimed = (await w["desk"].ok("submit", referral={
        "kind": "appointment", "first_name": "Gus", "last_name": "Hale", "city": "Austin",
        "zip": "78701", "lead_type": "buyer"}))["referral"]["id"]
    await w["ann"].event_where(upsert_of(claimed))
    await w["ann"].ok("claim", id=claimed)
    for n, zip_code in enumerate(["78702", "78702", "78701"]):
        await w["desk"].ok("submit", referral={
            "kind": "active", "first_name": f"Dora{n}", "last_name": "Lane", "city": "Round Rock",
            "zip": zip_code, "phone": "512-555-0000"})
    private = []
    for n in range(3):
        private.append((await w["xav"].ok("submit", referral={
            "kind": "agent", "mode": "private", "receivers": [rita], "first_name": "Eli",
            "last_name": f"Moss{n}", "city": "Dallas", "zip": "75201", "price_min": 400000,
            "price_max": 500000}))["referral"]["id"])
    await w["rita"].ok("interest", id=private[0])
    await w["rita"].ok("decline", id=private[1], reason="too far")
    await w["xav"].ok("submit", referral={
        "kind": "agent", "mode": "open", "first_name": "Ola", "last_name": "Moss", "city": "Austin",
        "zip": "78701", "timeframe": "spring"})
    await w["xav"].ok("submit", referral={
        "kind": "agent", "first_name": "Draft", "last_name": "Only", "city": "Austin",
        "zip": "78701", "send": False})
    partner_ids = []
    for company in ("Prospect Inc", "Other Co", "Third LLC"):
        partner_ids.append((await w["pat"].ok("submit", referral={
            "kind": "partner", "program": "PRG1", "company": company, "contact_person": "Bo Boss",
            "title": "CEO"}))["referral"]["id"])
    await w["vera"].ok("reject", id=partner_ids[1], reason="not a fit")
    await w["vera"].ok("accept", id=partner_ids[2])
    await w["vera"].ok("archive", id=partner_ids[2], reason="done")
    return {label: (person, w[label]) for label, (person, _) in people.items()}


@pytest.mark.slow  # every view and filter of eight people, page by page: 6-10 s
async def test_every_page_view_and_filter_matches_the_apps_own_inbox(hub, crowd):
    for label, (person, wire) in crowd.items():
        whole = await whole_inbox(hub, person.id)
        for view, text in CASES:
            want = expected(whole, person.id, view, text)
            got, first = await pages(wire, view, text, size=3)
            assert [r["id"] for r in got] == [v.id for v in want], (label, view, text)
            assert got == [msgspec.to_builtins(v) for v in want], (label, view, text)
            assert first["total"] == len(want)
            assert {name: len(expected(whole, person.id, name, text)) for name in VIEWS} == first[
                "counts"
            ], (label, text)


async def test_deadlines_first_then_newest_first_and_counts_per_view(crowd):
    _, ann = crowd["ann"]
    result = await ann.ok("inbox")
    rows = result["referrals"]
    countdowns = [r for r in rows if r.get("offer")]
    assert len(countdowns) == 3 and rows[:3] == countdowns
    deadlines = [r["offer"]["deadline"] for r in countdowns]
    assert deadlines == sorted(deadlines)
    rest = [r["created_at"] for r in rows[3:]]
    assert rest == sorted(rest, reverse=True)
    assert result["counts"] == {"all": len(rows), "inbound": len(rows), "outbound": 0, "archived": 0}
    _, vera = crowd["vera"]
    counts = (await vera.ok("inbox"))["counts"]
    assert counts == {"all": 3, "inbound": 1, "outbound": 0, "archived": 2}


async def test_the_filter_never_matches_what_the_viewer_may_not_see(crowd):
    _, rita = crowd["rita"]
    masked = await rita.ok("inbox", filter="eli m.")
    assert masked["total"] == 2  # the one she declined has left her inbox
    assert {r["client_name"] for r in masked["referrals"]} == {"Eli M."}
    assert (await rita.ok("inbox", filter="moss0"))["total"] == 0  # the last name is masked
    _, xav = crowd["xav"]
    assert (await xav.ok("inbox", filter="moss0"))["total"] == 1  # the sender sees it whole
    _, ann = crowd["ann"]
    assert (await ann.ok("inbox", filter="carla0"))["total"] == 0  # area only until she claims
    assert (await ann.ok("inbox", filter="gus hale"))["total"] == 1  # claimed: hers in full


async def test_bad_paging_arguments_are_refused_and_huge_limits_too(crowd):
    _, ann = crowd["ann"]
    for args in ({"offset": -1}, {"view": "everything"}, {"filter": 3}, {"offset": "x"},
                 {"limit": 0}, {"limit": 5001}, {"limit": 10**29}):
        frame = await ann.request("inbox", **args)
        assert frame["type"] == "error" and frame["code"] == "bad_request", (args, frame)
        field = next(iter(args))
        assert frame["details"]["field"] == field and f"$.{field}" in frame["message"], frame
    too_many = await ann.request("inbox", limit=5001)
    assert "<= 5000" in too_many["message"], too_many  # the maximum is named
    beyond = await ann.ok("inbox", offset=10_000)
    assert beyond["referrals"] == [] and beyond["total"] > 0
    assert len((await ann.ok("inbox", limit=5000))["referrals"]) == beyond["total"]


async def test_the_inbox_follows_a_change_of_areas_and_roles_at_the_next_page(hub, wires):
    """The hub keeps each person's inbox statements built (`inbox_pages._statements`): a person
    given an area, or made a concierge, by another process sees what that shows them at once."""
    desk, _ = await hub.add_person(name="Routing Desk", roles=["concierge"])
    ann, token = await hub.add_person(name="Ann Agent", zips=["78701"])
    ref_id = await hub.submit(desk.id, ReferralInput(
        kind="active", first_name="Bo", last_name="Moss", email="bo@example.com", city="Austin",
        zip="78702",
    ))
    appt_id = await hub.submit(desk.id, ReferralInput(
        kind="appointment", first_name="Cy", last_name="Lee", city="Dallas", zip="75201",
        lead_type="home valuation",
    ))
    wire = await connect(hub, token, wires)

    async def shown() -> set[str]:
        return {r["id"] for r in (await wire.ok("inbox", limit=50))["referrals"]}

    assert not {ref_id, appt_id} & await shown()
    other = Database(hub.db.url)  # as the command line on the hub's host would
    try:
        async with other.write_session() as session:
            await session.execute(insert(AgentZip).values(person_id=ann.id, zip="78702", sponsor=False))
        assert ref_id in await shown() and appt_id not in await shown()
        async with other.write_session() as session:
            await session.execute(insert(PersonRole).values(person_id=ann.id, role="concierge"))
        assert {ref_id, appt_id} <= await shown()
    finally:
        await other.close()
