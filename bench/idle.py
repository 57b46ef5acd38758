"""Idle capacity: one hub process holding 5,000 authenticated, idle connections (issue 5, part 3).

The hub runs in its own process with 5,000 agents, each connected (past hello) from one of a few
client processes, plus one watching agent who alone serves a second zip code. Once everyone is
connected the hub's resident memory is read from /proc; then the hub publishes five open
referrals in the watcher's zip and the latency from the commit to the watcher's receipt is taken.
Targets: hub resident memory under 250 MB, and the new referral reaches its client within 200 ms.

    python -m bench.idle [--clients 5000] [--processes 5]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

from bench import seeding
from bench.fleet import Receipts, open_fleet
from bench.harness import Figure, print_table, rss_mb
from bench.hubs import CommitTimes, bench_hub
from bench.processes import Worker, chunks, receive, stop_all
from shared.protocol import ReferralInput

ZIP = "78701"
WATCHED_ZIP = "97201"
PUBLICATIONS = 5
TARGET_MB = 250.0
TARGET_MS = 200.0


async def hub_side(pipe: Connection, db_path: str, clients: int) -> None:
    hub = bench_hub(db_path)
    await hub.start()
    commits = CommitTimes(hub)
    tokens = [token for _, token in await seeding.agents(hub, clients, ZIP)]
    _, watcher = await hub.add_person(name="Bench Watcher", zips=[WATCHED_ZIP])
    sender, _ = await hub.add_person(name="Bench Sender", zips=["80202"])
    pipe.send(("ready", hub.url, tokens, watcher))
    await receive(pipe)
    pipe.send(("connected", len(hub.registry)))
    await receive(pipe)
    published: dict[str, float] = {}
    for i in range(PUBLICATIONS):
        referral = ReferralInput(kind="agent", first_name="Carla", last_name=f"Diaz {i}",
                                 city="Portland", zip=WATCHED_ZIP, mode="open")
        ref_id = await hub.submit(sender.id, referral)
        published[ref_id] = commits.last
        await asyncio.sleep(0.3)
    pipe.send(("published", published))
    await receive(pipe)
    await hub.stop()


async def client_side(pipe: Connection, url: str, tokens: list[str]) -> None:
    fleet = await open_fleet(url, list(tokens), say_hello=True)
    receipts = Receipts()
    receipts.watch(fleet)
    pipe.send(("ready",))
    await receive(pipe)
    pipe.send(("receipts", [(at, frame["data"]["id"]) for _, at, frame, _ in receipts.events()]))
    await receive(pipe)
    await receipts.close(fleet)


def run(clients: int = 5000, processes: int = 5) -> list[Figure]:
    fleet: list[Worker] = []
    with tempfile.TemporaryDirectory() as tmp:
        hub = Worker(hub_side, str(Path(tmp) / "idle.sqlite3"), clients, name="hub")
        try:
            url, tokens, watcher = hub.expect("ready")
            start = time.monotonic()
            fleet = [Worker(client_side, url, part, name=f"clients-{n}")
                     for n, part in enumerate(chunks([*tokens, watcher], processes))]
            for worker in fleet:
                worker.expect("ready", timeout=900)
            connect_s = time.monotonic() - start
            hub.send("count")
            (connected,) = hub.expect("connected")
            time.sleep(2.0)  # let the handshakes' garbage settle before reading memory
            memory = rss_mb(hub.pid)
            hub.send("publish")
            (published,) = hub.expect("published")
            latencies = []
            for worker in fleet:
                worker.send("report")
                (events,) = worker.expect("receipts")
                latencies += [(at - published[ref]) * 1000 for at, ref in events if ref in published]
            memory_after = rss_mb(hub.pid)
            for worker in [*fleet, hub]:
                worker.send("close")
        finally:
            stop_all([*fleet, hub])
    worst = max(latencies) if latencies else float("inf")
    name = f"idle capacity, {connected} connections in one hub"
    return [
        Figure(name + ": memory",
               f"hub RSS {memory:.0f} MB idle, {memory_after:.0f} MB after publishing "
               f"(all connected in {connect_s:.0f} s)",
               f"< {TARGET_MB:.0f} MB", max(memory, memory_after) < TARGET_MB,
               max(memory, memory_after) / TARGET_MB),
        Figure(name + ": new referral",
               f"slowest of {PUBLICATIONS}: {worst:.1f} ms, {len(latencies)} received",
               f"<= {TARGET_MS:.0f} ms", worst <= TARGET_MS and len(latencies) == PUBLICATIONS,
               worst / TARGET_MS),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--processes", type=int, default=5)
    args = parser.parse_args()
    print_table(run(args.clients, args.processes))


if __name__ == "__main__":
    main()
