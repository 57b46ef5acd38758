"""A database with a huge inbox: `count` referrals visible to one agent, `live` of them
appointments offered to that agent with an open claim clock. Bulk inserts through SQLAlchemy
Core (not the protocol: 100,000 submits would take the benchmark's whole budget)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from server.database import Database
from server.models import AgentZip, Offer, Person, Referral
from server.people import issue_token

CITIES = [("Austin", "78701"), ("Austin", "78702"), ("Round Rock", "78664"), ("Dallas", "75201")]
FIRST = ["Ann", "Bo", "Carla", "Dora", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jo", "Kofi", "Lena"]
LAST = ["Diaz", "Lee", "Moss", "Hale", "Patel", "Wei", "Cole", "Garcia", "Petrov", "Mensah"]
BATCH = 5000


@dataclass(frozen=True)
class Seeded:
    agent_id: str
    token: str
    referrals: int
    live: int


async def seed_huge_inbox(db_url: str, count: int, live: int, seed: int = 5) -> Seeded:
    """Create the schema and the rows; the agent's token is returned for the app to log in."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    db = Database(db_url)
    await db.migrate()
    agent, desk = "P-HUGE01", "P-DESK01"
    async with db.write_session() as session:
        await session.execute(insert(Person), [
            {"id": agent, "name": "Hugo Inbox", "roles": "agent", "brokerage": "Lone Star Realty",
             "city": "Austin", "rank_score": 99.0, "paused": False, "timezone": "UTC",
             "last_seq": 0, "created_at": now},
            {"id": desk, "name": "Routing Desk", "roles": "concierge", "brokerage": "",
             "city": "", "rank_score": 0.0, "paused": False, "timezone": "UTC", "last_seq": 0,
             "created_at": now},
        ])
        await session.execute(insert(AgentZip), [{"person_id": agent, "zip": "78701",
                                                  "sponsor": False}])
        token = await issue_token(session, agent, now)
    for start in range(0, count, BATCH):
        referrals, offers = [], []
        for i in range(start, min(count, start + BATCH)):
            city, zip_code = rng.choice(CITIES)
            created = now - timedelta(minutes=i * 7 + rng.randint(0, 6))
            ref = {
                "id": f"R-{i:07d}", "kind": "agent", "status": "awarded", "sender_id": desk,
                "receiver_id": agent, "first_name": rng.choice(FIRST), "last_name": rng.choice(LAST),
                "city": city, "zip": zip_code, "price_min": 300_000, "price_max": 450_000,
                "timeframe": "3 months", "intent": "buy", "created_at": created,
                "updated_at": created, "awarded_at": created,
            }
            if i < live:  # an appointment offered to the agent, its clock running
                ref.update(kind="appointment", status="offered", receiver_id=None, awarded_at=None,
                           lead_type="home valuation", appointment_at=now + timedelta(days=1))
                offers.append({
                    "referral_id": ref["id"], "agent_id": agent, "phase": "ranked", "state": "open",
                    "offered_at": now, "deadline": now + timedelta(minutes=30, seconds=i),
                })
            referrals.append(ref)
        async with db.write_session() as session:
            await session.execute(insert(Referral), referrals)
            if offers:
                await session.execute(insert(Offer), offers)
    await db.close()
    return Seeded(agent, token, count, live)
