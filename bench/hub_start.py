"""Hub start: a big database with overdue offers, back in service within two seconds (issue 5,
part 5).

The database is seeded with bulk inserts: 100,000 referrals of every kind, 1,000 of them
appointments whose current (ranked) offer is overdue. A client process keeps trying to connect and
say hello; then the hub process starts. The figure is measured from the `Hub.start()` call (not
from process start: Python and library imports are excluded) to the later of the first
successful hello and `start()` returning, which is after every overdue offer was moved on (the
count of offers still open past their deadline is checked). Target: within 2 s.

    python -m bench.hub_start [--referrals 100000] [--overdue 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import func, select
from websockets.exceptions import InvalidHandshake

from bench import seeding
from bench.fleet import close_fleet, open_one
from bench.harness import Figure, print_table
from bench.hubs import bench_hub
from bench.processes import Worker, free_port, receive, stop_all
from server import geo
from server.storage.models import Offer
from shared.domain import Kind, OfferPhase, OfferState, Status

ZIP = "78701"
OTHER_ZIPS = ["78702", "78704", "80202", "97201", "33101"]
TARGET_S = 2.0


async def seed(db_path: str, referrals: int, overdue: int) -> str:
    """Fill the database; return a token of an agent of the overdue appointments' zip.

    A hub with this much history has started before, so it has its zip code table in the
    user's cache directory (server/geo.py): make sure it is there, as it would be."""
    geo.warm()
    hub = bench_hub(db_path)
    await hub.db.migrate()
    agents = await seeding.agents(hub, 50, ZIP)
    others = await seeding.agents(hub, 200, OTHER_ZIPS[0], prefix="O")
    concierge = (await seeding.agents(hub, 1, ZIP, prefix="C", roles=["concierge"]))[0][0]
    agent_ids = [pid for pid, _ in agents + others]
    rng = random.Random(5)
    now = seeding.utc_now()
    window = timedelta(minutes=30)
    rows, offers = [], []
    for i in range(overdue):
        ref_id = f"R-OVER{i:06d}"
        rows.append(seeding.referral_row(ref_id, Kind.APPOINTMENT, Status.OFFERED, concierge, ZIP, now - window))
        offered = now - window - timedelta(seconds=60 + i % 600)
        offers.append(seeding.offer_row(ref_id, agents[i % 50][0], OfferPhase.RANKED, OfferState.OPEN,
                                        offered, window))
    for i in range(referrals - overdue):
        ref_id, zip_code = f"R-HIST{i:07d}", rng.choice([ZIP, *OTHER_ZIPS])
        sender, receiver = rng.sample(agent_ids, 2)
        created = now - timedelta(minutes=rng.randint(60, 60 * 24 * 365))
        pick = rng.random()
        if pick < 0.6:
            status = rng.choice([Status.NEW, Status.ACCEPTED, Status.AWARDED, Status.CLOSED, Status.LOST])
            awarded = status in (Status.AWARDED, Status.CLOSED)
            rows.append(seeding.referral_row(
                ref_id, Kind.AGENT, status, sender, zip_code, created, mode="private",
                receiver_id=receiver if awarded else None, awarded_at=created if awarded else None))
        elif pick < 0.9:
            rows.append(seeding.referral_row(
                ref_id, Kind.APPOINTMENT, Status.AWARDED, concierge, zip_code, created,
                receiver_id=receiver, awarded_at=created))
            offers.append(seeding.offer_row(ref_id, receiver, OfferPhase.RANKED, OfferState.CLAIMED,
                                            created, window))
        else:
            rows.append(seeding.referral_row(ref_id, Kind.ACTIVE, Status.WORKING, concierge, zip_code,
                                             created, receiver_id=receiver))
    await seeding.referrals(hub, rows)
    await seeding.offers(hub, offers)
    await hub.db.close()
    return agents[0][1]


async def hub_side(pipe: Connection, db_path: str, port: int) -> None:
    hub = bench_hub(db_path, port=port)
    await receive(pipe)
    started = time.time()
    await hub.start()
    ready = time.time()
    async with hub.db.read() as session:
        left = await session.scalar(select(func.count()).select_from(Offer).where(
            Offer.state == OfferState.OPEN, Offer.deadline <= hub.now() - timedelta(seconds=1)))
        expired = await session.scalar(select(func.count()).select_from(Offer).where(
            Offer.state == OfferState.EXPIRED))
    pipe.send(("started", started, ready, left, expired))
    await receive(pipe)
    await hub.stop()


async def client_side(pipe: Connection, url: str, token: str) -> None:
    """Try to connect and say hello every 10 ms until it works; report when it did."""
    pipe.send(("ready",))
    while True:
        try:
            ws = await open_one(url, token, say_hello=True, attempts=1)
            break
        except (OSError, TimeoutError, InvalidHandshake):
            await asyncio.sleep(0.01)
    hello_at = time.time()
    await close_fleet([ws])
    pipe.send(("hello", hello_at))


def run(referrals: int = 100_000, overdue: int = 1000) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "start.sqlite3")
        token = asyncio.run(seed(db_path, referrals, overdue))
        port = free_port()
        hub = Worker(hub_side, db_path, port, name="hub")
        client = Worker(client_side, f"ws://127.0.0.1:{port}", token, name="client")
        try:
            client.expect("ready")
            time.sleep(1.0)  # both processes have imported everything
            hub.send("start")
            started, ready, left, expired = hub.expect("started")
            (hello_at,) = client.expect("hello", timeout=120)
            hub.send("stop")
        finally:
            stop_all([client, hub])
    elapsed = max(ready, hello_at) - started
    moved = left == 0 and expired >= overdue
    return [Figure(
        f"hub start, {referrals} referrals, {overdue} overdue offers",
        f"{elapsed:.2f} s from Hub.start() to first hello and all overdue moved "
        f"(start() returned at {ready - started:.2f} s; {expired} expired, {left} still overdue)",
        f"<= {TARGET_S:.0f} s", elapsed <= TARGET_S and moved, elapsed / TARGET_S,
    )]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--overdue", type=int, default=1000)
    args = parser.parse_args()
    print_table(run(args.referrals, args.overdue))


if __name__ == "__main__":
    main()
