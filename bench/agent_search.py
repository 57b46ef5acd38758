"""Agent search over 10,000 agents: how long the hub's `agents.search` takes, measured through a
real websocket client against a real hub on a SQLite file. Target (issue 4): under 100 ms.

    python -m bench.agent_search [--agents 10000] [--queries 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import insert
from websockets.asyncio.client import connect

from bench.harness import Figure, percentile, print_table
from server.hub import Hub
from server.settings import HubSettings
from server.storage.models import AgentZip, Person, PersonRole

TARGET_MS = 100.0
ZIPS = ["78701", "78702", "78704", "80202", "80203", "97201", "97209", "33101", "33130", "37203"]
FIRST = ["Dana", "Maya", "Luis", "Ann", "Omar", "Priya", "Chen", "Rosa", "Ivan", "Kofi", "Lena"]
LAST = ["Cole", "Thompson", "Garcia", "Lee", "Haddad", "Patel", "Wei", "Diaz", "Petrov", "Mensah"]
FIRMS = ["Lone Star Realty", "Mile High Homes", "Rose City Brokers", "Biscayne Bay Realty", "Keller Partners"]
SPECIALIZATIONS = ["residential", "commercial", "luxury", "land", "relocation"]
LANGUAGES = ["English", "Spanish", "Mandarin", "Hindi", "French"]


async def seed(hub: Hub, count: int, rng: random.Random) -> str:
    now = datetime.now(timezone.utc)
    people, held, zips = [], [], []
    for i in range(count):
        pid = f"P-B{i:06d}"
        people.append(
            dict(
                id=pid, name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
                brokerage=rng.choice(FIRMS), city="", rank_score=rng.uniform(0, 100), paused=False,
                timezone="UTC", last_seq=0, created_at=now,
                specializations=",".join(rng.sample(SPECIALIZATIONS, 2)),
                languages=",".join(rng.sample(LANGUAGES, 2)), years_experience=rng.randint(0, 30),
            )
        )
        held.append(dict(person_id=pid, role="agent"))
        for zip_code in rng.sample(ZIPS, 2):
            zips.append(dict(person_id=pid, zip=zip_code, sponsor=False))
    async with hub.db.write_lock, hub.db.write_session() as session:
        await session.execute(insert(Person), people)
        await session.execute(insert(PersonRole), held)
        await session.execute(insert(AgentZip), zips)
    _, token = await hub.add_person(name="Bench Agent", zips=["78701"])
    return token


async def measure(url: str, token: str, queries: int) -> list[float]:
    """The client side, in its own process so its garbage does not stall the hub."""
    rng = random.Random(11)
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:

        async def request(op: str, **kw: object) -> dict:
            await ws.send(json.dumps({"id": "q", "op": op, "args": kw}))
            while True:
                frame = json.loads(await ws.recv())
                if frame.get("id") == "q":
                    return frame

        await request("hello")
        await request("agents.search", text="warm up", zip="78701", radius_miles=5)
        timings = []
        for i in range(queries):
            query = [
                {"text": f"{rng.choice(FIRST)} {rng.choice(LAST)}"},
                {"text": rng.choice(FIRMS)[:8], "zip": "78701", "radius_miles": 10},
                {"specialization": rng.choice(SPECIALIZATIONS), "language": rng.choice(LANGUAGES), "min_years": 5},
                {"zip": rng.choice(ZIPS), "radius_miles": 25},
            ][i % 4]
            start = time.perf_counter()
            reply = await request("agents.search", **query)
            timings.append((time.perf_counter() - start) * 1000)
            assert reply["type"] == "reply", reply
    return timings


def client_process(url: str, token: str, queries: int) -> list[float]:
    return asyncio.run(measure(url, token, queries))


async def measure_hub(agents: int, queries: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(HubSettings(db_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}", port=0,
                              rate_limit_per_minute=0))
        await hub.start()
        token = await seed(hub, agents, random.Random(7))
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            future = asyncio.get_running_loop().run_in_executor(
                pool, client_process, hub.url, token, queries
            )
            timings = await future
        await hub.stop()
    return timings


def run(agents: int = 10_000, queries: int = 200) -> list[Figure]:
    timings = asyncio.run(measure_hub(agents, queries))
    p50, p99 = percentile(timings, 50), percentile(timings, 99)
    return [Figure(
        f"agent search, {agents} agents, {queries} queries through the wire",
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms", f"p99 < {TARGET_MS:.0f} ms", p99 < TARGET_MS,
        p99 / TARGET_MS,
    )]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    print_table(run(args.agents, args.queries))


if __name__ == "__main__":
    main()
