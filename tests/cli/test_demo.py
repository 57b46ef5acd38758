"""The demo seeding and arrivals, through the hub's own paths."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from server import demo
from server.hub import Hub
from server.storage.models import Audit, Event, Offer, Person, Referral


async def test_seed_makes_a_realistic_world(hub: Hub) -> None:
    assert await demo.is_empty(hub)
    cast = await demo.seed(hub, random.Random(7))
    assert cast.agent_id == demo.DEMO_AGENT_ID and set(cast.zips) >= set(demo.DEMO_ZIPS)
    async with hub.db.read() as session:
        people = (await session.execute(select(Person))).scalars().unique().all()
        refs = (await session.execute(select(Referral))).scalars().all()
        offers = (await session.execute(select(Offer).where(
            Offer.agent_id == demo.DEMO_AGENT_ID, Offer.state == "open"))).scalars().all()
        audits = (await session.execute(select(Audit))).scalars().all()
        events = (await session.execute(select(Event))).scalars().all()
    agents = [p for p in people if "agent" in p.role_list]
    assert len(agents) >= 30
    assert len({z.zip for p in agents for z in p.zips}) >= 10
    assert len({p.city for p in agents}) >= 4
    assert any(z.sponsor for p in agents for z in p.zips)
    assert any("concierge" in p.role_list for p in people)
    assert {r.kind for r in refs} == {"agent", "partner", "appointment", "active"}
    statuses = Counter(r.status for r in refs)
    assert {"offered", "awarded", "working", "new", "accepted", "unclaimed", "rejected"} <= set(statuses)
    left = sorted((o.deadline - hub.now()) for o in offers)
    assert left[0] < timedelta(minutes=1)
    assert any(timedelta(minutes=1) < d < timedelta(minutes=5) for d in left)
    assert any(timedelta(minutes=20) < d < timedelta(minutes=30) for d in left)
    assert all(d > timedelta(0) for d in left)
    assert audits and events  # real audit log and pushed events
    assert any(r.kind == "active" and r.zip in cast.zips and r.status == "new" for r in refs)
    private = [r for r in refs if r.kind == "agent" and r.mode == "private" and r.sender_id != cast.agent_id]
    assert private


async def test_arrivals_and_fresh_offers(hub: Hub) -> None:
    cast = await demo.seed(hub, random.Random(1))
    rng = random.Random(3)
    ids = [await demo.new_arrival(hub, cast, rng) for _ in range(6)]
    async with hub.db.read() as session:
        kinds = {(await session.get(Referral, i)).kind for i in ids}
    assert "appointment" in kinds
    batch = await demo.offer_batch(hub, cast, rng)
    assert len(batch) == 4
    assert await demo.find_person(hub, "maya thompson") == demo.DEMO_AGENT_ID
    token = await demo.fresh_token(hub, cast.agent_id)
    assert token.startswith("trg_")
