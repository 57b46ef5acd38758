"""Multi-hub claim storm: `bench.claim_storm` across two hubs on one PostgreSQL database.

Two hub processes run on a fresh PostgreSQL database (created for the run, dropped after it)
with 200 agents serving one zip code; agent i is connected to hub i mod 2, all past hello, from a
few client processes. As in `bench.claim_storm`, 500 appointments are stored before the storm
with their rank lists walked down to the last agent, and the driver runs in hub 0's process and
times out each one's last ranked offer in turn through that hub, so `offers.offer_next` opens it
to all 200 agents; hub 0 pushes it to its own agents and announces
the commit, and hub 1 fetches it and pushes it to its agents. The moment a client sees an offer
it claims it if it is one of the 20 picked for that offer (the same seeded pick as
`bench.claim_storm`), through the hub it is connected to: 10,000 claim attempts, about half
through each hub, deciding between them in the database (the referral's row lock and the
conditional UPDATE). The driver keeps a few offers racing at once (`claim_storm.RACING`); it
learns of an award through hub 0 from that hub's book of committed awards and of one through hub
1 by asking the database when hub 1 announces a commit (the driver listens on the hubs' channel
with a connection of its own).

Targets, those of `bench.claim_storm`: exactly one winner per offer (from the replies, and in
the database: awarded, one claimed offer, one `claimed` audit entry), every attempt answered, at
least 500 claim attempts handled per second, p99 claim reply under 50 ms. The figures also say
the database's deadlocks and rolled-back transactions over the run (`pg_stat_database`), and the
reply p99 of the racers on each hub. The desk's id is fixed (`DESK_ID`, below): where it sorts
among the agents' ids decides whether opens and claims can deadlock.

    python -m bench.multihub_claim_storm [--clients 200] [--offers 500] [--racers 20] [--hubs 2]
                                         [--processes 4] [--desk-id P-222222]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from multiprocessing.connection import Connection

from sqlalchemy import make_url, select

from bench import claim_storm, postgres, seeding
from bench.fleet import close_fleet, open_fleet, pause_garbage_collection
from bench.harness import Figure, percentile, print_table
from bench.hubs import bench_hub_on
from bench.processes import Worker, chunks, receive, stop_all
from server.hub import Hub
from server.storage.database import WriteConflict
from server.storage.models import Referral
from server.transport.fanout import CHANNEL
from shared.domain import Status

ATTEMPTS = 5  # an open that loses a deadlock to a claim on the other hub runs again
ANSWER_WAIT = 120.0  # seconds a client process waits, after the last award, for its answers
# The desk's person id sorts before every agent's (P-A000000 on), as it sorts before some agent's
# in any real directory of random ids. It matters on PostgreSQL: opening an appointment locks its agents'
# rows (last offer time) before it locks its audience in id order, the desk included, so a claim
# on the other hub, locking the same audience in id order, can hold the desk's row and wait for an
# agent's while the open holds the agents' rows and waits for the desk's: a deadlock, which
# PostgreSQL breaks after `deadlock_timeout` (1 s). `--desk-id P-ZZZZZZ` runs without it.
DESK_ID = "P-222222"


class OtherHubsAwards:
    """Which of the racing appointments the other hubs awarded: the database is asked only after
    another hub announced a commit (and every half second whatever was heard)."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._heard = asyncio.Event()
        self._asked = 0.0
        self._conn = None

    async def listen(self, db_url: str) -> None:
        import asyncpg

        dsn = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = await asyncpg.connect(dsn, timeout=10)
        mine = self._hub.fanout.hub_id

        def heard(_conn, _pid, _channel, payload: str) -> None:
            try:
                if json.loads(payload).get("hub") != mine:
                    self._heard.set()
            except ValueError:
                self._heard.set()

        await self._conn.add_listener(CHANNEL, heard)

    async def won(self, racing: set[str]) -> set[str]:
        if not racing or not (self._heard.is_set() or time.monotonic() - self._asked > 0.5):
            return set()
        self._heard.clear()
        self._asked = time.monotonic()
        async with self._hub.db.read() as session:
            rows = await session.scalars(select(Referral.id).where(
                Referral.id.in_(sorted(racing)), Referral.status == Status.AWARDED))
            return set(rows)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()


async def open_walked(hub: Hub, ref_id: str) -> int:
    """`claim_storm.open_walked`, run again if it lost a deadlock to another hub's claim (it
    changed nothing); how many times it had to run again."""
    for attempt in range(ATTEMPTS):
        try:
            await claim_storm.open_walked(hub, ref_id)
            return attempt
        except WriteConflict:
            if attempt == ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.005 * (attempt + 1))
    raise AssertionError("unreachable")


async def driver_hub_side(
    pipe: Connection, db_url: str, clients: int, offers: int, desk_id: str | None
) -> None:
    """Hub 0: seeds the agents and the desk, then opens the appointments (the driver)."""
    hub = bench_hub_on(db_url)
    await hub.start()
    agents = await seeding.agents(hub, clients, claim_storm.ZIP)
    concierge, _ = await hub.add_person(name="Bench Desk", roles=["concierge"], person_id=desk_id)
    others = OtherHubsAwards(hub)
    await others.listen(db_url)
    agent_ids = [pid for pid, _ in agents]
    ref_ids = [f"R-STORM{i:05d}" for i in range(offers)]
    await claim_storm.seed_walked(hub, ref_ids, concierge.id, agent_ids)
    pipe.send(("ready", hub.url, [token for _, token in agents]))
    await receive(pipe)
    racing: set[str] = set()
    reopened = 0
    for ref_id in ref_ids:
        while len(racing) >= claim_storm.RACING:
            racing = claim_storm.unawarded(hub, racing)
            if len(racing) >= claim_storm.RACING:
                racing -= await others.won(racing)
            if len(racing) >= claim_storm.RACING:
                await asyncio.sleep(0.002)
        reopened += await open_walked(hub, ref_id)
        racing.add(ref_id)
    deadline = time.monotonic() + 60
    while await claim_storm.awarded_count(hub) < offers and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    await others.close()
    pipe.send(("stored", await claim_storm.stored_outcome(hub, ref_ids), reopened))
    await receive(pipe)
    await hub.stop()


async def hub_side(pipe: Connection, db_url: str) -> None:
    """Any other hub: serves its agents' connections and claims."""
    hub = bench_hub_on(db_url)
    await hub.start()
    pipe.send(("ready", hub.url))
    await receive(pipe)
    await hub.stop()


async def client_side(
    pipe: Connection, dealt: list[tuple[int, str, str]], clients: int, count: int
) -> None:
    """`claim_storm.client_side` for clients of several hubs: (client index, hub url, token)."""
    fleet, indexes = [], []
    for url in sorted({url for _, url, _ in dealt}):
        mine = [(index, token) for index, u, token in dealt if u == url]
        fleet += await open_fleet(url, [token for _, token in mine], say_hello=True)
        indexes += [index for index, _ in mine]
    pause_garbage_collection()
    outcomes: list[tuple[str, int, float, float, str]] = []  # ref, client, sent, replied, outcome
    unanswered: set[tuple[str, int]] = set()
    tasks = [asyncio.create_task(claim_storm.race(index, ws, clients, count, outcomes, unanswered))
             for index, ws in zip(indexes, fleet, strict=True)]
    pipe.send(("ready",))
    await receive(pipe)
    # every offer is awarded by now, but a hub may still be answering the claims queued behind
    # its award (one at a time, through the database, when the other hub won): wait for them
    waited = time.monotonic() + ANSWER_WAIT
    while unanswered and time.monotonic() < waited:
        await asyncio.sleep(0.1)
    pipe.send(("outcomes", outcomes))
    await receive(pipe)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await close_fleet(fleet)


def measure(
    db_url: str, clients: int, offers: int, racers_per_offer: int, hubs: int, processes: int,
    desk_id: str | None,
) -> tuple[list, dict, int]:
    driver = Worker(driver_hub_side, db_url, clients, offers, desk_id, name="pg-hub-0")
    rest = [Worker(hub_side, db_url, name=f"pg-hub-{i}") for i in range(1, hubs)]
    fleet: list[Worker] = []
    try:
        url, tokens = driver.expect("ready")
        urls = [url] + [worker.expect("ready")[0] for worker in rest]
        dealt = [(i, urls[i % hubs], token) for i, token in enumerate(tokens)]
        fleet = [Worker(client_side, part, clients, racers_per_offer, name=f"clients-{n}")
                 for n, part in enumerate(chunks(dealt, processes))]
        for worker in fleet:
            worker.expect("ready")
        driver.send("go")
        stored, reopened = driver.expect("stored", timeout=900)
        outcomes = []
        for worker in fleet:
            worker.send("report")
            outcomes += worker.expect("outcomes")[0]
        for worker in [*fleet, driver, *rest]:
            worker.send("close")
    finally:
        stop_all([*fleet, driver, *rest])
    return outcomes, stored, reopened


def run(clients: int = 200, offers: int = 500, racers_per_offer: int = 20, hubs: int = 2,
        processes: int = 4, desk_id: str | None = DESK_ID) -> list[Figure]:
    label = f"multi-hub claim storm, {hubs} PostgreSQL hubs"
    try:
        with postgres.fresh_database() as db_url:
            outcomes, stored, reopened = measure(
                db_url, clients, offers, racers_per_offer, hubs, processes, desk_id)
            time.sleep(1.0)  # the server publishes a backend's counts within a second
            counts = asyncio.run(postgres.stats(db_url))
    except postgres.Unreachable as error:
        return postgres.unreachable(f"{label}, {clients} clients, {offers} open offers", error)
    winners, throughput, reply = claim_storm.figures(
        outcomes, stored, clients, offers, racers_per_offer, label=label
    )
    by_hub = {h: [(o[3] - o[2]) * 1000 for o in outcomes if o[1] % hubs == h] for h in range(hubs)}
    wins = {h: sum(1 for o in outcomes if o[1] % hubs == h and o[4] == "won") for h in range(hubs)}
    winners.figure += (
        f"; won through each hub: {', '.join(str(wins[h]) for h in range(hubs))}; database: "
        f"{counts.get('deadlocks', '?')} deadlocks, {counts.get('xact_rollback', '?')} "
        f"transactions rolled back, {reopened} opens run again"
    )
    reply.figure += " (racers on " + ", ".join(
        f"hub {h}: p99 {percentile(ms, 99):.1f} ms" for h, ms in by_hub.items()) + ")"
    return [winners, throughput, reply]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--offers", type=int, default=500)
    parser.add_argument("--racers", type=int, default=20)
    parser.add_argument("--hubs", type=int, default=2)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--desk-id", default=DESK_ID,
                        help=f"the desk's person id (default {DESK_ID}, before the agents' "
                        "P-A000000 on; P-ZZZZZZ sorts after them)")
    args = parser.parse_args()
    print_table(run(args.clients, args.offers, args.racers, args.hubs, args.processes, args.desk_id))


if __name__ == "__main__":
    main()
