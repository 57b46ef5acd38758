"""Claim clocks and routing of appointments: exactly one winner, timeouts and passes move the
offer on, a restart loses no deadline."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from sqlalchemy import select

from server.settings import HubSettings
from shared.protocol import ReferralInput
from tests.integration.conftest import StepClock, offer_rows, referral_row, snapshot
from tests.wire import connect, removed_of, upsert_of, wait_until

ZIP = "78701"


def appointment(**kw) -> ReferralInput:
    fields = dict(kind="appointment", first_name="Carla", last_name="Diaz", email="carla@example.com",
                  phone="512-555-0100", street="12 Rainey St", city="Austin", zip=ZIP,
                  lead_type="home valuation")
    fields.update(kw)
    return ReferralInput(**fields)


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


async def test_fifty_simultaneous_claims_have_exactly_one_winner(make_hub, wires):
    clock = StepClock()
    hub = await make_hub(clock=clock)
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    agents = [await hub.add_person(name=f"Agent {i:02d}", zips=[ZIP], rank_score=100 - i) for i in range(50)]
    ref_id = await hub.submit(desk.id, appointment(claim_window_seconds=60))

    # Walk the rank list: each ranked offer times out in turn (the hub's clock is pushed forward),
    # until the list is exhausted and the appointment opens to all fifty.
    for _ in range(50):
        clock.advance(61)
        await hub.expire_overdue()
    offers = await offer_rows(hub, ref_id)
    open_phase = [o for o in offers if o.phase == "open"]
    assert len(open_phase) == 50 and all(o.state == "open" for o in open_phase)
    assert sorted(o.agent_id for o in offers if o.phase == "ranked") == sorted(p.id for p, _ in agents)

    clients = await asyncio.gather(*(connect(hub, tok, wires, f"a{i}") for i, (_, tok) in enumerate(agents)))
    for wire in clients:
        inbox = await wire.ok("inbox")
        [view] = inbox["referrals"]
        assert view["offer"]["phase"] == "open" and "claim" in view["actions"]

    replies = await asyncio.gather(*(wire.request("claim", id=ref_id) for wire in clients))
    winners = [i for i, r in enumerate(replies) if r["type"] == "reply"]
    assert len(winners) == 1, [r.get("code") for r in replies]
    win = winners[0]
    winner, _ = agents[win]
    assert replies[win]["result"]["referral"]["status"] == "awarded"
    assert replies[win]["result"]["referral"]["email"] == "carla@example.com"
    for i, reply in enumerate(replies):
        if i == win:
            continue
        assert reply["type"] == "error" and reply["code"] == "claim_lost", reply
        assert winner.name in reply["message"]
        assert reply["details"]["winner"] == {"id": winner.id, "name": winner.name}

    ref = await referral_row(hub, ref_id)
    assert ref.status == "awarded" and ref.receiver_id == winner.id
    states = {(o.agent_id, o.phase): o.state for o in await offer_rows(hub, ref_id)}
    assert states[(winner.id, "open")] == "claimed"
    assert [s for (pid, phase), s in states.items() if phase == "open" and pid != winner.id] == ["withdrawn"] * 49
    # each loser is told, by a pushed event, who won
    for i in (0, 25, 49):
        if i == win:
            continue
        removed = await clients[i].event_where(removed_of(ref_id))
        assert removed["data"]["winner"]["id"] == winner.id


async def test_a_failed_claim_ahead_does_not_hold_up_the_real_one(hub, wires):
    """Claims of one appointment are decided in turn: agents without an offer who press claim
    first are refused, and the agent holding the offer behind them still wins it."""
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    holder, holder_token = await hub.add_person(name="Holder", zips=[ZIP], rank_score=90)
    outsiders = [await hub.add_person(name=f"Outsider {i}", zips=["97209"]) for i in range(5)]
    ref_id = await hub.submit(desk.id, appointment())  # ranked: offered to the holder alone
    others = [await connect(hub, tok, wires, f"out{i}") for i, (_, tok) in enumerate(outsiders)]
    mine = await connect(hub, holder_token, wires, "holder")

    sent = [(w, await w.send("claim", id=ref_id)) for w in others]  # the outsiders' claims go out first
    sent.append((mine, await mine.send("claim", id=ref_id)))
    *refused, won = await asyncio.gather(*(w.answer(request_id) for w, request_id in sent))

    assert won["type"] == "reply" and won["result"]["referral"]["status"] == "awarded"
    assert won["result"]["referral"]["email"] == "carla@example.com"
    for reply in refused:  # either refused for having no offer, or lost to the holder
        assert reply["type"] == "error" and reply["code"] in ("not_found", "not_offered", "claim_lost")
        assert "carla" not in str(reply).lower()
    ref = await referral_row(hub, ref_id)
    assert ref.status == "awarded" and ref.receiver_id == holder.id


async def test_a_shorter_clock_started_while_a_longer_one_runs_still_ends_on_time(make_hub, wires):
    # the hub's clock sleeps until the earliest deadline (30 s at most); an offer whose window
    # ends sooner than that must wake it, or the short offer would sit past its deadline. The
    # clock goes to sleep after one read at the start, long before the people, the connection
    # and the slow offer below are done (the slow offer ends after the clock wakes anyway, so
    # it leaves it asleep); no fixed pause is needed for it to be asleep
    hub = await make_hub(claim_window_seconds=60)
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    _, ann_t = await hub.add_person(name="Ann Agent", zips=[ZIP], rank_score=90)
    a = await connect(hub, ann_t, wires, "ann")
    slow = await hub.submit(desk.id, appointment())
    await a.event_where(upsert_of(slow))
    quick = await hub.submit(desk.id, appointment(first_name="Dee", claim_window_seconds=1))
    await a.event_where(upsert_of(quick))
    removed = await a.event_where(removed_of(quick), timeout=3)
    assert "expired" in removed["data"]["reason"]
    assert (await referral_row(hub, slow)).status == "offered"


async def test_timeout_moves_the_offer_to_the_next_agent(make_hub, wires):
    hub = await make_hub(claim_window_seconds=1)
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=[ZIP], rank_score=90)
    bob, bob_t = await hub.add_person(name="Bob Agent", zips=[ZIP], rank_score=80)
    a = await connect(hub, ann_t, wires, "ann")
    b = await connect(hub, bob_t, wires, "bob")

    ref_id = await hub.submit(desk.id, appointment())
    offered = await a.event_where(upsert_of(ref_id))
    deadline = parse(offered["data"]["offer"]["deadline"])
    assert offered["data"]["actions"] == ["claim", "pass"]
    await b.no_event()  # Bob is not offered it while Ann's window runs

    removed = await a.event_where(removed_of(ref_id), timeout=3)
    assert "expired" in removed["data"]["reason"]
    assert parse(removed["at"]) >= deadline
    moved = await b.event_where(upsert_of(ref_id), timeout=3)
    assert moved["data"]["offer"]["state"] == "open"
    assert parse(moved["data"]["offer"]["deadline"]) > deadline

    before = await snapshot(hub)
    late = await a.request("claim", id=ref_id)
    assert late["type"] == "error" and late["code"] == "claim_expired", late
    assert await snapshot(hub) == before
    ref = await referral_row(hub, ref_id)
    assert ref.status == "offered" and ref.receiver_id is None
    states = {o.agent_id: o.state for o in await offer_rows(hub, ref_id)}
    assert states == {ann.id: "expired", bob.id: "open"}


async def test_pass_moves_it_on_at_once_and_claiming_anothers_offer_is_not_found(hub, wires):
    """Bob has not been offered it and cannot see it: to him it does not exist (not_found, as
    for an unknown id); once he has held an offer of it, he is told why he cannot claim."""
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=[ZIP], rank_score=90)
    bob, bob_t = await hub.add_person(name="Bob Agent", zips=[ZIP], rank_score=80)
    a = await connect(hub, ann_t, wires, "ann")
    b = await connect(hub, bob_t, wires, "bob")
    ref_id = await hub.submit(desk.id, appointment())  # default 30-minute window
    await a.event_where(upsert_of(ref_id))

    before = await snapshot(hub)
    stolen = await b.request("claim", id=ref_id)
    assert stolen["type"] == "error" and stolen["code"] == "not_found"
    not_passable = await b.request("pass", id=ref_id)
    assert not_passable["code"] == "not_found"
    assert await snapshot(hub) == before

    started = time.monotonic()
    passed = await a.ok("pass", id=ref_id, reason="fully booked")
    assert passed["referral"]["id"] == ref_id
    assert passed["referral"].get("actions", []) == [] and "offer" not in passed["referral"]
    assert "email" not in passed["referral"]
    moved = await b.event_where(upsert_of(ref_id), timeout=2)
    assert time.monotonic() - started < 1.0
    assert moved["data"]["offer"]["state"] == "open"
    await a.event_where(removed_of(ref_id))
    states = {o.agent_id: o.state for o in await offer_rows(hub, ref_id)}
    assert states == {ann.id: "passed", bob.id: "open"}
    # Ann passed: she cannot claim it back
    again = await a.request("claim", id=ref_id)
    assert again["code"] == "not_offered"
    won = await b.ok("claim", id=ref_id)
    assert won["referral"]["status"] == "awarded" and won["referral"]["phone"] == "512-555-0100"


async def test_last_pass_sends_it_back_to_the_concierge_as_unclaimed(hub, wires):
    desk, desk_t = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=[ZIP], rank_score=90)
    d = await connect(hub, desk_t, wires, "desk")
    a = await connect(hub, ann_t, wires, "ann")
    ref_id = await hub.submit(desk.id, appointment())
    await a.event_where(upsert_of(ref_id))
    await a.ok("pass", id=ref_id)
    back = await d.event_where(lambda f: upsert_of(ref_id)(f) and f["data"]["status"] == "unclaimed")
    assert back["data"]["moves"] == ["archived"]
    assert (await referral_row(hub, ref_id)).status == "unclaimed"


async def test_restart_moves_overdue_offers_on_at_once(make_hub, wires, store):
    hub = await make_hub(claim_window_seconds=1)
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=[ZIP], rank_score=90)
    bob, bob_t = await hub.add_person(name="Bob Agent", zips=[ZIP], rank_score=80)
    a = await connect(hub, ann_t, wires, "ann")
    ref_id = await hub.submit(desk.id, appointment())
    offered = await a.event_where(upsert_of(ref_id))
    ann_seq = offered["seq"]
    await a.close()
    await hub.stop()

    [offer] = await _offers_on_disk(store, ref_id)
    assert offer.agent_id == ann.id and offer.state == "open"
    # no hub runs while the deadline passes: the next hub's clock starts a second after it
    clock = StepClock()
    clock.advance((offer.deadline - clock()).total_seconds() + 1)

    hub2 = await make_hub(claim_window_seconds=60, clock=clock)  # Bob's offer outlives the test
    # at once: the first read after the start shows the offer moved on to Bob
    states = {o.agent_id: o.state for o in await offer_rows(hub2, ref_id)}
    assert states == {ann.id: "expired", bob.id: "open"}
    b = await connect(hub2, bob_t, wires, "bob")
    [view] = (await b.ok("inbox"))["referrals"]
    assert view["id"] == ref_id and view["offer"]["state"] == "open"
    # Ann, reconnecting, is told what she missed: the offer left her
    a2 = await connect(hub2, ann_t, wires, "ann2", since=ann_seq)
    assert a2.hello_result["replay"] == "events"
    gone = await a2.event_where(removed_of(ref_id))
    assert gone["seq"] == ann_seq + 1


async def _offers_on_disk(store, ref_id):
    from server.hub import Hub

    reader = Hub(HubSettings(db_url=store, port=0))
    try:
        return await offer_rows(reader, ref_id)
    finally:
        await reader.db.close()


async def test_a_claim_the_hub_saw_offered_is_refused_rightly_once_another_process_expired_it(
    hub, wires, store
):
    """The hub notes who holds an open offer at each commit, and their claims skip the read that
    answers a doomed claim without the writer. Once another process has expired the offer
    behind the hub's back, that note is stale: the claim waits for the writer, and the writer,
    deciding from the rows, answers it expired and changes nothing."""
    from sqlalchemy import update
    from sqlalchemy.ext.asyncio import create_async_engine

    from server.storage.models import Offer

    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=[ZIP], rank_score=90)
    a = await connect(hub, ann_t, wires, "ann")
    ref_id = await hub.submit(desk.id, appointment())
    await a.event_where(upsert_of(ref_id))
    assert hub.awards.holds_offer(ref_id, ann.id, hub.now())

    other = create_async_engine(store)  # another process's connection to the same database
    try:
        async with other.begin() as conn:
            await conn.execute(
                update(Offer).where(Offer.referral_id == ref_id).values(state="expired", closed_at=hub.now())
            )
    finally:
        await other.dispose()
    assert hub.awards.holds_offer(ref_id, ann.id, hub.now())  # the hub has not seen it

    before = await snapshot(hub)
    async with hub.db.write_lock:  # the writer busy: a claim that may win waits for it
        request_id = await a.send("claim", id=ref_id)
        await wait_until(lambda: hub.group_commit.waiting == 1, what="the claim queued for the writer")
    answer = await a.answer(request_id)
    assert answer["type"] == "error" and answer["code"] == "claim_expired", answer
    assert await snapshot(hub) == before
    ref = await referral_row(hub, ref_id)
    assert ref.status == "offered" and ref.receiver_id is None


async def test_an_open_to_all_stamps_each_agents_last_offer_time_with_their_event(make_hub, wires):
    """Opening an appointment to all writes each agent's last offer time (their next ranking
    reads it) in the same row update that moves their sequence number on."""
    from server.storage.models import Delivery, Person

    clock = StepClock()
    hub = await make_hub(clock=clock)
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    agents = [await hub.add_person(name=f"Agent {i}", zips=[ZIP], rank_score=10 - i) for i in range(3)]
    ref_id = await hub.submit(desk.id, appointment(claim_window_seconds=60))
    for _ in range(3):  # each ranked offer times out in turn; then it opens to all three
        clock.advance(61)
        await hub.expire_overdue()
    offers = await offer_rows(hub, ref_id)
    [opened_at] = {o.offered_at for o in offers if o.phase == "open"}
    async with hub.db.read() as session:
        people = {p.id: p for p in (await session.execute(
            select(Person).where(Person.id.in_([p.id for p, _ in agents])))).scalars()}
    for person, _ in agents:
        assert people[person.id].last_offer_at == opened_at
        # their sequence numbers moved on with it: one per event delivered to them, no gap
        async with hub.db.read() as session:
            delivered = list((await session.execute(
                select(Delivery.seq).where(Delivery.person_id == person.id).order_by(Delivery.seq)
            )).scalars())
        assert delivered == list(range(1, people[person.id].last_seq + 1)) and delivered
