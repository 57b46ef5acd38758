"""Hubs on one PostgreSQL database behave as one hub to every client: every event reaches every
entitled person's connections on every hub, sequence numbers stay unique and gapless, a client
may resume on any hub, one hub runs the claim clocks, and one agent wins each appointment."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from server.errors import HubError
from server.routing import offers
from server.storage.models import Audit, Offer, Referral
from shared.domain import OfferState
from shared.protocol import ErrorCode, ReferralInput
from tests.postgres import requires_postgres
from tests.wire import Wire, connect, upsert_of

pytestmark = requires_postgres
ZIP = "78701"


def appointment(**kw: Any) -> dict[str, Any]:
    return {"kind": "appointment", "first_name": "Carla", "last_name": "Diaz", "zip": ZIP,
            "lead_type": "home valuation", **kw}


def seqs(wire: Wire) -> list[int]:
    return [f["seq"] for f in map(json.loads, wire.frames) if f.get("type") == "event"]


def gapless(wire: Wire) -> bool:
    got = seqs(wire)
    start = wire.hello_result["seq"]
    return got == list(range(start + 1, start + 1 + len(got)))


async def until(predicate: Any, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError(f"not within {timeout} s: {predicate}")
        await asyncio.sleep(0.02)


async def test_a_referral_submitted_through_one_hub_reaches_people_on_the_others(hubs, wires):
    a, b, c = await hubs(3)
    desk, desk_t = await a.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await a.add_person(name="Ann Agent", zips=[ZIP], rank_score=90)
    on_b = await connect(b, desk_t, wires, "desk@b")
    ann_c = await connect(c, ann_t, wires, "ann@c")
    desk_a = await connect(a, desk_t, wires, "desk@a")
    ref = (await on_b.ok("submit", referral=appointment()))["referral"]
    for wire in (ann_c, desk_a, on_b):
        event = await wire.event_where(upsert_of(ref["id"]), timeout=10)
        assert event["data"]["status"] == "offered"
    offered = [f for f in map(json.loads, ann_c.frames) if f.get("type") == "event"]
    assert offered[-1]["data"]["offer"]["state"] == "open"  # Ann holds the offer, on hub C
    # the desk's two connections on two hubs got the same sequence numbers, with no gap
    await until(lambda: seqs(desk_a) == seqs(on_b) and seqs(on_b))
    assert gapless(desk_a) and gapless(on_b) and gapless(ann_c)


async def test_two_hundred_writes_at_once_over_three_hubs_all_stored_and_pushed(hubs, wires):
    trio = await hubs(3)
    desk, desk_t = await trio[0].add_person(name="Desk", roles=["concierge"])
    watchers = [await connect(hub, desk_t, wires, f"desk-watch@{i}") for i, hub in enumerate(trio)]
    writers = [await connect(trio[i % 3], desk_t, wires, f"writer{i}") for i in range(12)]
    answers = await asyncio.gather(*(
        writers[i % 12].request("submit", timeout=60, referral=appointment(first_name=f"C{i:03d}"))
        for i in range(200)
    ))
    errors = [a for a in answers if a["type"] != "reply"]
    assert errors == [], errors[:3]
    ids = {a["result"]["referral"]["id"] for a in answers}
    async with trio[0].db.read() as session:
        stored = set((await session.execute(select(Referral.id))).scalars())
    assert ids <= stored and len(ids) == 200
    for watcher in watchers:  # every commit reached the desk on every hub, in order, no gap
        await until(lambda w=watcher: ids <= {
            f["data"]["id"] for f in map(json.loads, w.frames) if f.get("type") == "event"
        }, timeout=60)
        assert gapless(watcher)
    assert seqs(watchers[0]) == seqs(watchers[1]) == seqs(watchers[2])


async def test_a_client_resumes_on_another_hub_with_exactly_what_it_missed(hubs, wires):
    a, b = await hubs(2)
    desk, desk_t = await a.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await a.add_person(name="Ann Agent", zips=[ZIP])
    ann_a = await connect(a, ann_t, wires, "ann@a")
    first = await a.submit(desk.id, ReferralInput(**appointment(first_name="One")))
    await ann_a.event_where(upsert_of(first))
    last = seqs(ann_a)[-1]
    await ann_a.close()
    missed = await b.submit(desk.id, ReferralInput(**appointment(first_name="Two", zip=ZIP)))
    ann_b = await connect(b, ann_t, wires, "ann@b", since=last)
    assert ann_b.hello_result["replay"] == "events"
    replayed = [f for f in map(json.loads, ann_b.frames) if f.get("type") == "event"]
    assert [f["seq"] for f in replayed] == list(range(last + 1, ann_b.hello_result["seq"] + 1))
    assert missed in {f["data"]["id"] for f in replayed}


async def test_one_hub_runs_the_claim_clocks_and_each_offer_expires_once(hubs, wires):
    a, b = await hubs(2)
    await until(lambda: a.clock.leading or b.clock.leading)
    await until(lambda: not (a.clock.leading and b.clock.leading), timeout=5)
    desk, _ = await a.add_person(name="Desk", roles=["concierge"])
    agents = [await a.add_person(name=f"Agent {i}", zips=[ZIP], rank_score=90 - i) for i in range(3)]
    follower = b if a.clock.leading else a
    ref_id = await follower.submit(desk.id, ReferralInput(**appointment(claim_window_seconds=1)))

    async def expired() -> int:
        async with a.db.read() as session:
            return await session.scalar(select(func.count()).select_from(Audit).where(
                Audit.referral_id == ref_id, Audit.action == "expired")) or 0

    loop = asyncio.get_running_loop()
    end = loop.time() + 30
    while await expired() < 3 and loop.time() < end:
        await asyncio.sleep(0.1)
    async with a.db.read() as session:
        rows = (await session.execute(select(Offer).where(Offer.referral_id == ref_id))).scalars().all()
    ranked = [o for o in rows if o.phase == "ranked"]
    assert sorted(o.agent_id for o in ranked) == sorted(p.id for p, _ in agents)  # once each
    assert await expired() >= 3
    open_now = [o for o in rows if o.state == OfferState.OPEN]
    assert len({o.agent_id for o in open_now}) == len(open_now)  # nobody holds two open offers


async def test_fifty_agents_racing_over_three_hubs_one_wins_and_the_others_hear_who(hubs, wires):
    from bench.claim_storm import open_appointment

    trio = await hubs(3)
    desk, _ = await trio[0].add_person(name="Desk", roles=["concierge"])
    agents = [await trio[0].add_person(name=f"Agent {i:02d}", zips=[ZIP]) for i in range(50)]
    racers = [await connect(trio[i % 3], token, wires, f"racer{i}") for i, (_, token) in enumerate(agents)]
    await open_appointment(trio[0], "R-RACE0001", desk.id, [p.id for p, _ in agents])
    for racer in racers:  # every racer sees it on offer to all before anyone claims
        await racer.event_where(lambda e: e["data"].get("id") == "R-RACE0001"
                                and e["data"].get("offer", {}).get("phase") == "open", timeout=20)
    answers = await asyncio.gather(*(r.request("claim", timeout=30, id="R-RACE0001") for r in racers))
    won = [a for a in answers if a["type"] == "reply"]
    lost = [a for a in answers if a["type"] == "error"]
    assert len(won) == 1, [a.get("code") for a in answers]
    winner = won[0]["result"]["referral"]["receiver"]
    assert {a["code"] for a in lost} == {"claim_lost"}, {a["code"] for a in lost}
    for a in lost:
        assert a["details"]["winner"]["id"] == winner["id"] and a["details"]["at"], a
    async with trio[1].db.read() as session:
        ref = await session.get(Referral, "R-RACE0001")
        claims = await session.scalar(select(func.count()).select_from(Audit).where(
            Audit.referral_id == "R-RACE0001", Audit.action == "claimed"))
    assert ref is not None and ref.receiver_id == winner["id"] and claims == 1


async def test_a_hub_learns_an_award_made_through_another_and_answers_its_racers_from_it(hubs, wires):
    from bench.claim_storm import open_appointment

    a, b = await hubs(2)
    desk, _ = await a.add_person(name="Desk", roles=["concierge"])
    agents = [await a.add_person(name=f"Agent {i}", zips=[ZIP]) for i in range(3)]
    on_a = await connect(a, agents[0][1], wires, "winner on a")
    late = [await connect(b, token, wires, f"late{i} on b") for i, (_, token) in enumerate(agents[1:])]
    await open_appointment(a, "R-LEARN001", desk.id, [p.id for p, _ in agents])
    await on_a.event_where(lambda e: e["data"].get("id") == "R-LEARN001"
                           and e["data"].get("offer", {}).get("phase") == "open", timeout=20)
    await on_a.ok("claim", id="R-LEARN001")
    assert b.awards.get("R-LEARN001") is None  # hub b made no award
    first = await late[0].request("claim", id="R-LEARN001")
    assert first["code"] == "claim_lost" and first["details"]["winner"]["id"] == agents[0][0].id
    learned = b.awards.get("R-LEARN001")  # the database's answer is now in hub b's book
    assert learned is not None and learned.winner.id == agents[0][0].id
    assert {p.id for p, _ in agents} <= learned.contenders
    second = await late[1].request("claim", id="R-LEARN001")  # answered from the book
    assert (second["code"], second["details"]["winner"]) == ("claim_lost", first["details"]["winner"])
    assert second["details"]["at"] == first["details"]["at"]


async def test_a_racers_check_that_the_award_overtakes_between_its_reads_is_told_it_lost(hubs, wires):
    """On PostgreSQL each statement of a read sees what was committed when it began: a racer's
    check read the appointment still on offer, the award committed, and then it read its own
    offer withdrawn. It is told who won (claim_lost), not that it was never offered (a multi-hub
    storm's racers got `not_offered` now and then)."""
    from bench.claim_storm import open_appointment

    (hub,) = await hubs(1)
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    (winner, _), (racer, _) = [await hub.add_person(name=f"Agent {i}", zips=[ZIP]) for i in range(2)]
    await open_appointment(hub, "R-OVERTAKE1", desk.id, [winner.id, racer.id])
    async with hub.db.read() as session:
        ref = await session.get(Referral, "R-OVERTAKE1")  # on offer, as the check first read it
        assert ref is not None and ref.receiver_id is None
        await hub.write(lambda tx: offers.claim(tx, "R-OVERTAKE1", winner), "R-OVERTAKE1")
        with pytest.raises(HubError) as refused:
            await offers._open_offer_of(session, ref, racer.id, hub.now())
    assert refused.value.code == ErrorCode.CLAIM_LOST, refused.value.message
    assert refused.value.details["winner"]["id"] == winner.id


async def test_hubs_started_together_on_an_empty_database_all_come_up(empty_postgres_url):
    from server.hub import Hub
    from server.settings import HubSettings

    hubs = [Hub(HubSettings(db_url=empty_postgres_url, port=0)) for _ in range(3)]
    try:
        await asyncio.gather(*(hub.start() for hub in hubs))
        assert all(hub.port for hub in hubs)
        person, _ = await hubs[2].add_person(name="Ann Agent", zips=[ZIP])
        assert (await hubs[0].person(person.id)).name == "Ann Agent"
    finally:
        for hub in hubs:
            await hub.stop()


async def test_a_token_revoked_through_one_hub_closes_its_connections_on_every_hub(hubs, wires):
    a, b, c = await hubs(3, revocation_check_seconds=1.0)
    ann, ann_t = await a.add_person(name="Ann Agent", zips=[ZIP])
    _, bob_t = await a.add_person(name="Bob Agent", zips=[ZIP])
    on = [await connect(hub, ann_t, wires, f"ann@{i}") for i, hub in enumerate((a, b, c))]
    bob = await connect(c, bob_t, wires, "bob@c")
    from server import admin

    assert await admin.revoke_tokens(a.db.url, ann.id) == 1
    for wire in on:  # within the documented time (revocation_check_seconds), on every hub
        await wire.wait_closed(timeout=10)
        assert (wire.ws.close_code, wire.ws.close_reason) == (1008, "token revoked")
    assert (await bob.ok("inbox")) is not None


async def test_a_change_of_availability_on_one_hub_shows_in_agent_search_on_another(hubs, wires):
    a, b = await hubs(2)
    ann, ann_t = await a.add_person(name="Ann Agent", zips=[ZIP])
    searcher, searcher_t = await a.add_person(name="Sam Searcher", zips=["10001"])
    sam_b = await connect(b, searcher_t, wires, "sam@b")
    before = (await sam_b.ok("agents.search", text="Ann Agent"))["agents"]
    assert before and before[0].get("available", True) is True
    ann_a = await connect(a, ann_t, wires, "ann@a")
    await ann_a.ok("availability.set", paused=True)

    async def paused_on_b() -> bool:
        cards = (await sam_b.ok("agents.search", text="Ann Agent"))["agents"]
        return bool(cards) and cards[0].get("available", True) is False

    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while not await paused_on_b():
        assert loop.time() < end, "hub B's directory still shows Ann available"
        await asyncio.sleep(0.1)


async def test_hubs_appending_at_once_keep_one_audit_chain_that_refuses_edits(hubs, wires):
    from sqlalchemy import text

    from server import admin

    a, b = await hubs(2)
    desk, _ = await a.add_person(name="Desk", roles=["concierge"])
    await asyncio.gather(*(
        hub.submit(desk.id, ReferralInput(**appointment(first_name=f"A{i}")))
        for i in range(20) for hub in (a, b)
    ))
    report = await admin.verify_audit(a.db.url)
    assert report.intact and report.entries >= 40, [p.describe() for p in report.problems]
    for statement in ("UPDATE audit SET reason = 'edited'", "DELETE FROM audit", "TRUNCATE audit"):
        try:
            async with a.db.write_session() as session:
                await session.execute(text(statement))
        except Exception as exc:
            assert "append-only" in str(exc), exc
        else:
            raise AssertionError(f"{statement} was allowed")
    assert (await admin.verify_audit(b.db.url)).intact


async def test_a_team_change_through_one_hub_is_searched_on_another_at_once(hubs, wires):
    a, b = await hubs(2)
    desk, desk_t = await a.add_person(name="Dee Desk", roles=["concierge"])
    ann, _ = await a.add_person(name="Ann Agent", zips=[ZIP])
    searcher, searcher_t = await b.add_person(name="Sam Searcher", zips=["10001"])
    sam_b = await connect(b, searcher_t, wires, "sam@b")
    assert (await sam_b.ok("agents.search", language="Tagalog"))["agents"] == []  # B has loaded it
    desk_a = await connect(a, desk_t, wires, "desk@a")
    await desk_a.ok("team.person.set", id=ann.id, changes={"languages": ["Tagalog"]})
    # no waiting for an announcement: hub B's next search sees the directory's version moved on
    found = (await sam_b.ok("agents.search", language="Tagalog"))["agents"]
    assert [card["id"] for card in found] == [ann.id]
