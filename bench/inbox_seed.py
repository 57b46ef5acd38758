"""A database with a huge inbox: `count` referrals visible to one agent, `live` of them
appointments offered to that agent with an open claim clock. Bulk inserts through SQLAlchemy
Core (not the protocol: 100,000 submits would take the benchmark's whole budget).

`cached_huge_inbox` keeps the file under the temp directory and reuses it when a cheap check
passes (the schema migrated to head, the row and open-offer counts as asked); the claim clocks
are restarted and a new token is issued on every use."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from server.storage.database import Database
from server.storage.models import AgentZip, Offer, Person, PersonRole, Referral
from server.storage.people import issue_token

CITIES = [("Austin", "78701"), ("Austin", "78702"), ("Round Rock", "78664"), ("Dallas", "75201")]
FIRST = ["Ann", "Bo", "Carla", "Dora", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jo", "Kofi", "Lena"]
LAST = ["Diaz", "Lee", "Moss", "Hale", "Patel", "Wei", "Cole", "Garcia", "Petrov", "Mensah"]
BATCH = 5000
AGENT = "P-HUGE01"
WINDOW = timedelta(minutes=30)  # each live offer's claim clock: this plus its index in seconds


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
    agent, desk = AGENT, "P-DESK01"
    async with db.write_session() as session:
        await session.execute(insert(Person), [
            {"id": agent, "name": "Hugo Inbox", "brokerage": "Lone Star Realty",
             "city": "Austin", "rank_score": 99.0, "paused": False, "timezone": "UTC",
             "last_seq": 0, "created_at": now},
            {"id": desk, "name": "Routing Desk", "brokerage": "",
             "city": "", "rank_score": 0.0, "paused": False, "timezone": "UTC", "last_seq": 0,
             "created_at": now},
        ])
        await session.execute(insert(PersonRole), [{"person_id": agent, "role": "agent"},
                                                    {"person_id": desk, "role": "concierge"}])
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
                    "offered_at": now, "deadline": now + WINDOW + timedelta(seconds=i),
                })
            referrals.append(ref)
        async with db.write_session() as session:
            await session.execute(insert(Referral), referrals)
            if offers:
                await session.execute(insert(Offer), offers)
    await db.close()
    return Seeded(agent, token, count, live)


async def cached_huge_inbox(folder: Path, count: int, live: int) -> tuple[Path, Seeded, bool]:
    """The huge inbox's file in `folder`, seeded unless a valid one is there; (path, seeded,
    reused)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"huge-inbox-{count}-{live}.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    if path.exists() and await _valid(url, count, live):
        return path, await _restart_clocks(url, count), True
    for stale in folder.glob(f"{path.name}*"):  # the file and its -wal / -shm
        stale.unlink()
    return path, await seed_huge_inbox(url, count, live), False


async def _valid(url: str, count: int, live: int) -> bool:
    db = Database(url)
    try:
        await db.migrate()  # to head: a no-op unless the schema moved on since the seeding
        async with db.read() as session:
            referrals = await session.scalar(select(func.count()).select_from(Referral))
            offers = await session.scalar(select(func.count()).select_from(Offer).where(
                Offer.agent_id == AGENT, Offer.state == "open"))
        return referrals == count and offers == live
    except (OSError, SQLAlchemyError, CommandError):  # half-written or foreign: seed again
        return False
    finally:
        await db.close()


async def _restart_clocks(url: str, count: int) -> Seeded:
    """Every open offer's clock starts again now (30 minutes plus its index in seconds)."""
    now = datetime.now(UTC)
    db = Database(url)
    async with db.write_session() as session:
        ids = (await session.scalars(select(Offer.referral_id).where(
            Offer.agent_id == AGENT, Offer.state == "open").order_by(Offer.referral_id))).all()
        for i, referral_id in enumerate(ids):
            await session.execute(update(Offer).where(
                Offer.referral_id == referral_id, Offer.agent_id == AGENT
            ).values(offered_at=now, deadline=now + WINDOW + timedelta(seconds=i)))
        token = await issue_token(session, AGENT, now)
    await db.close()
    return Seeded(AGENT, token, count, len(ids))
