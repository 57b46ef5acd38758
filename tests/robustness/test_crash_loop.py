"""Crash safety: `triage hub` is SIGKILLed at random moments, again and again, under a storm of
claims, passes, status moves and new appointments from many clients, and restarted on the same
SQLite file each time. After every restart and at the end the database must hold every
acknowledged claim, move and submission, no referral may have two winners, no offer may still be
open long after its deadline (the claim clock survives restarts), and every client reconnecting
with `hello since=<last seq>` must get its missed events with no gap in its sequence.

Each kill falls at a random moment of a life in which the storm is under way: once at least nine
clients in ten have said hello again and a write was acknowledged, 0.2 to 1.5 s later.

TRIAGE_CRASH_CLIENTS sets how many agents storm the hub (default 200), TRIAGE_CRASH_KILLS how many
times the hub is killed (default 20); a long run: TRIAGE_CRASH_KILLS=200.

The hub runs with its request rate limit off (TRIAGE_RATE_LIMIT=0): the desk here submits an
appointment every 0.2 s on one connection, far above the 100 a minute a person gets, to keep the
storm fed; the limit itself is proven in tests/integration/test_limits.py."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zipcodes
from sqlalchemy import select

from server.hub import Hub
from server.settings import HubSettings
from server.storage.database import Database
from server.storage.models import Audit, Offer, Referral
from shared.domain import OfferState
from tests.log_leaks import SESSION_WATCH
from tests.robustness.cast import appointment
from tests.robustness.conftest import scale
from tests.robustness.hub_process import HubProcess
from tests.robustness.storm import Acks, Desk, StormClient
from tests.wire import wait_until

CLIENTS = scale("TRIAGE_CRASH_CLIENTS", 200)
KILLS = scale("TRIAGE_CRASH_KILLS", 20)
PER_ZIP = 5  # agents serving each zip code: few enough for offers to reach the open phase
SEEDED = 2  # appointments on offer per zip code before the first start
WINDOW = 2  # seconds to claim: offers time out across kills
MOMENT = timedelta(seconds=2)  # how late the clock may act after a restart, on a busy machine
AUSTIN = sorted(r["zip_code"] for r in zipcodes.filter_by(state="TX") if r["city"] == "Austin")


async def seed(db_path: Path, rng: random.Random) -> tuple[str, str, dict[str, str], list[str]]:
    """The desk, CLIENTS agents in groups of PER_ZIP per zip code, and a first appointment per zip."""
    hub = Hub(HubSettings(db_url=f"sqlite+aiosqlite:///{db_path}", port=0))
    await hub.db.migrate()
    desk, desk_token = await hub.add_person(name="Routing Desk", roles=["concierge"])
    zips = AUSTIN[: max(1, CLIENTS // PER_ZIP)]
    tokens = {}
    for i in range(CLIENTS):
        agent, token = await hub.add_person(name=f"Agent {i:03d}", zips=[zips[i % len(zips)]],
                                            rank_score=rng.uniform(10, 99))
        tokens[agent.id] = token
    for n in range(SEEDED * len(zips)):
        ref = appointment(n, WINDOW)
        ref.zip = zips[n % len(zips)]
        await hub.submit(desk.id, ref)
    await hub.db.close()
    return desk.id, desk_token, tokens, zips


async def check_database(db: Database, acks: Acks) -> dict[str, int]:
    """Every acknowledged write is stored and no referral has two winners."""
    async with db.read() as session:
        claimed = Counter(
            ref_id for (ref_id,) in await session.execute(
                select(Offer.referral_id).where(Offer.state == OfferState.CLAIMED))
        )
        assert not [r for r, n in claimed.items() if n > 1], f"double awards: {claimed.most_common(3)}"
        claim_audits = Counter(
            ref_id for (ref_id,) in await session.execute(
                select(Audit.referral_id).where(Audit.action == "claimed"))
        )
        assert not [r for r, n in claim_audits.items() if n > 1], claim_audits.most_common(3)
        receivers = dict((await session.execute(select(Referral.id, Referral.receiver_id))).all())
        for ref_id, agent_id in acks.claims:
            assert receivers.get(ref_id) == agent_id, f"acknowledged claim of {ref_id} by {agent_id} lost"
        winners = dict((await session.execute(
            select(Offer.referral_id, Offer.agent_id).where(Offer.state == OfferState.CLAIMED))).all())
        for ref_id, winner in winners.items():
            assert receivers[ref_id] == winner, f"{ref_id}: offer won by {winner}, receiver {receivers[ref_id]}"
        moves = set((await session.execute(
            select(Audit.referral_id, Audit.actor_id, Audit.to_status))).all())
        lost = [m for m in acks.moves if m not in moves]
        assert not lost, f"acknowledged moves lost: {lost[:5]}"
        missing = [r for r in acks.submits if r not in receivers]
        assert not missing, f"acknowledged submissions lost: {missing[:5]}"
        return {"referrals": len(receivers), "awarded": len(winners)}


async def check_clock(db: Database) -> None:
    """Right after a restart: no offer is still open long after its deadline."""
    now = datetime.now(UTC)
    async with db.read() as session:
        late = (await session.execute(
            select(Offer.referral_id, Offer.phase, Offer.offered_at, Offer.deadline).where(
                Offer.state == OfferState.OPEN, Offer.deadline < now - MOMENT))).all()
    assert not late, f"{len(late)} offer(s) still open more than {MOMENT} after their deadline " \
                     f"at {now:%H:%M:%S.%f}: {late[:3]}"


async def storm_under_way(acks: Acks, clients: int, share: float = 0.9, timeout: float = 60.0) -> None:
    """Wait until `share` of the clients are back in this life and a write was acknowledged in it."""
    mark = acks.total()
    await wait_until(lambda: acks.back() >= clients * share and acks.total() > mark, timeout,
                     what=f"a storm with {share:.0%} of {clients} clients back")


@pytest.mark.slow
@pytest.mark.timeout(max(900, KILLS * CLIENTS // 10))  # ~6 s a kill at 200 clients
async def test_sigkill_storm_loses_nothing_acknowledged_and_awards_once(tmp_path: Path) -> None:
    rng = random.Random()
    db_path = tmp_path / "hub.sqlite3"
    desk_id, desk_token, tokens, zips = await seed(db_path, rng)
    hub = HubProcess(db_path, tmp_path, claim_window=WINDOW, env={"TRIAGE_RATE_LIMIT": "0"})
    acks, stop = Acks(), asyncio.Event()
    db = Database(f"sqlite+aiosqlite:///{db_path}")
    clients: list[StormClient] = [
        StormClient(hub.url, pid, token, acks, random.Random(rng.random())) for pid, token in tokens.items()
    ]
    clients.append(Desk(hub.url, desk_id, desk_token, acks, random.Random(rng.random()),
                        zips=zips, window=WINDOW, every=0.2))
    startups: list[float] = []
    kills = 0
    tasks: list[asyncio.Task[None]] = []
    try:
        acks.life = 1
        startups.append(await hub.start())
        tasks = [asyncio.create_task(c.run(stop)) for c in clients]
        for _ in range(KILLS):
            await storm_under_way(acks, len(clients))
            await asyncio.sleep(rng.uniform(0.2, 1.5))
            await hub.kill()
            kills += 1
            await check_database(db, acks)
            acks.life += 1
            startups.append(await hub.start())  # listening: the overdue offers were moved on
            await check_clock(db)
        # the last life: every client back (not nine in ten), and a write acknowledged in it
        await storm_under_way(acks, len(clients), share=1.0)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
        await check_clock(db)
        figures = await check_database(db, acks)
        assert await hub.stop() == 0
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        if hub.proc is not None:
            await hub.kill()
        await db.close()
        for name, text in hub.logs():
            SESSION_WATCH.add_text(f"crash-loop {name}", text)

    assert not acks.gaps, acks.gaps[:10]
    assert acks.resyncs == 0
    assert kills == KILLS
    assert acks.reconnects >= KILLS * len(clients) * 0.9  # the clients survived the kills
    assert acks.claims and acks.moves and acks.submits  # the storm did happen
    print(f"\ncrash loop: {kills} kills, {len(clients)} clients, {len(acks.claims)} claims, "
          f"{len(acks.moves)} moves, {len(acks.submits)} submissions acknowledged; "
          f"{acks.reconnects} reconnects replayed {acks.replayed} events; {figures}; "
          f"hub start {min(startups):.1f}-{max(startups):.1f} s")
