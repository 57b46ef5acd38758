"""Answers to referrals over the wire: decline, interest, work, vendor decisions, and who may move
what; plus availability as the hub sees it when it routes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import update

from server.storage.models import Person
from shared.protocol import ReferralInput
from tests.integration.conftest import offer_rows, referral_row, snapshot
from tests.wire import connect, removed_of, upsert_of


async def test_decline_is_answered_and_the_referral_leaves_the_decliner(hub, wires):
    sender, sender_t = await hub.add_person(name="Xavier Sender", zips=["78703"])
    rita, rita_t = await hub.add_person(name="Rita Receiver", zips=["78704"])
    r = await connect(hub, rita_t, wires, "rita")
    ref_id = await hub.submit(sender.id, ReferralInput(
        kind="agent", mode="private", receivers=[rita.id], first_name="Eli", last_name="Moss",
        email="eli@example.com", zip="75201"))
    await r.event_where(upsert_of(ref_id))
    declined = await r.ok("decline", id=ref_id, reason="outside my area")
    assert declined["referral"]["id"] == ref_id
    assert declined["referral"]["visibility"] == "masked"
    assert declined["referral"].get("actions", []) == [] and "email" not in declined["referral"]
    gone = await r.event_where(removed_of(ref_id))
    assert gone["data"]["reason"] == "you declined"
    assert (await r.ok("inbox"))["total"] == 0
    # a decliner cannot change their mind into interest
    again = await r.request("interest", id=ref_id)
    assert again["type"] == "error" and again["code"] in ("not_found", "forbidden")


async def test_only_the_parties_may_move_a_referral(hub, wires):
    desk, desk_t = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=["78701"], rank_score=90)
    bob, bob_t = await hub.add_person(name="Bob Agent", zips=["78701"], rank_score=10)
    a = await connect(hub, ann_t, wires, "ann")
    b = await connect(hub, bob_t, wires, "bob")
    ref_id = await hub.submit(desk.id, ReferralInput(kind="appointment", first_name="Carla", zip="78701",
                                                     email="carla@example.com"))
    await a.event_where(upsert_of(ref_id))
    await a.ok("claim", id=ref_id)
    before = await snapshot(hub)
    # Bob is not a party: he may not even see it
    stranger = await b.request("move", id=ref_id, to="working")
    assert stranger["code"] == "not_found"
    # the concierge is a party, but working is the receiver's move
    d = await connect(hub, desk_t, wires, "desk")
    not_yours = await d.request("move", id=ref_id, to="working")
    assert not_yours["code"] == "forbidden"
    assert "lost" in not_yours["message"]  # it names the moves the concierge does have
    assert await snapshot(hub) == before
    working = await a.ok("move", id=ref_id, to="working")
    assert working["referral"]["status"] == "working"
    assert (await referral_row(hub, ref_id)).status == "working"


async def test_paused_and_off_hours_agents_are_skipped_when_routing(hub, wires):
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    paused, _ = await hub.add_person(name="Paula Paused", zips=["78701"], rank_score=99)
    night, _ = await hub.add_person(name="Nate Night", zips=["78701"], rank_score=98,
                                    timezone="Asia/Kolkata")
    cole, cole_t = await hub.add_person(name="Dana Cole", zips=["78701"], rank_score=10)
    now_local = hub.now().astimezone(ZoneInfo("Asia/Kolkata"))
    minute = now_local.hour * 60 + now_local.minute
    async with hub.db.write_lock, hub.db.write_session() as session:
        await session.execute(update(Person).where(Person.id == paused.id).values(paused=True))
        # Nate's working hours ended five minutes ago in his own (half-hour) zone; next shift
        # starts in five minutes
        await session.execute(update(Person).where(Person.id == night.id).values(
            work_start_minute=(minute + 5) % 1440, work_end_minute=(minute - 5) % 1440))
    c = await connect(hub, cole_t, wires, "cole")
    ref_id = await hub.submit(desk.id, ReferralInput(kind="appointment", first_name="Carla", zip="78701"))
    offered = await c.event_where(upsert_of(ref_id))
    assert offered["data"]["offer"]["phase"] == "ranked"
    assert [o.agent_id for o in await offer_rows(hub, ref_id)] == [cole.id]


async def test_active_lead_taken_by_one_agent_leaves_the_others(hub, wires):
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=["78702"])
    bob, bob_t = await hub.add_person(name="Bob Agent", zips=["78702"])
    a = await connect(hub, ann_t, wires, "ann")
    b = await connect(hub, bob_t, wires, "bob")
    ref_id = await hub.submit(desk.id, ReferralInput(kind="active", first_name="Dora", zip="78702"))
    await a.event_where(upsert_of(ref_id))
    await b.event_where(upsert_of(ref_id))
    taken = await a.ok("work", id=ref_id)
    assert taken["referral"]["status"] == "working" and taken["referral"]["receiver"]["id"] == ann.id
    gone = await b.event_where(removed_of(ref_id))
    assert "Ann Agent" in gone["data"]["reason"]
    late = await b.request("work", id=ref_id)
    assert late["type"] == "error" and late["code"] in ("not_found", "forbidden")
    assert (await referral_row(hub, ref_id)).receiver_id == ann.id
