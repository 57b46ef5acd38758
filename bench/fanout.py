"""Fan-out: an open referral reaching a thousand agents at once (issue 5, part 1).

The hub runs in its own process with 1,000 agents serving one zip code, all connected and past
hello from a few client processes. The hub publishes an open agent referral in that zip 50 times
(each one a real `submit`, sent in open mode, so every agent of the zip sees it); latency is from
the hub's commit (`time.time()` right after it, in the hub process) to each client's receipt of
the event. Baseline in the same run: a bare `websockets` server calling
`websockets.asyncio.server.broadcast()` with a payload of the same size to as many clients, timed
from just before the broadcast. Target: the hub's p99 at most 1.5x the baseline's.

    python -m bench.fanout [--clients 1000] [--rounds 50] [--processes 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

from websockets.asyncio.server import ServerConnection, broadcast, serve

from bench import seeding
from bench.fleet import Receipts, open_fleet
from bench.harness import Figure, median, percentile, print_table
from bench.hubs import CommitTimes, bench_hub
from bench.processes import Worker, chunks, receive, stop_all
from shared.protocol import ReferralInput

ZIP = "78701"
GAP = 0.3  # seconds between publications, so each one's fan-out is measured on its own
TARGET_RATIO = 1.5


async def hub_side(pipe: Connection, db_path: str, clients: int, rounds: int) -> None:
    hub = bench_hub(db_path)
    await hub.start()
    commits = CommitTimes(hub)
    tokens = [token for _, token in await seeding.agents(hub, clients, ZIP)]
    sender, _ = await hub.add_person(name="Bench Sender", zips=["80202"])
    pipe.send(("ready", hub.url, tokens))
    await receive(pipe)
    published: dict[str, float] = {}
    for i in range(rounds):
        referral = ReferralInput(
            kind="agent", first_name="Carla", last_name=f"Diaz {i}", email="carla@example.com",
            phone="512-555-0100", city="Austin", zip=ZIP, price_min=300_000, price_max=450_000,
            timeframe="3 months", intent="buy", notes="pre-approved; wants a yard", mode="open",
        )
        ref_id = await hub.submit(sender.id, referral)
        published[ref_id] = commits.last
        await asyncio.sleep(GAP)
    await asyncio.sleep(1.0)
    pipe.send(("published", published))
    await receive(pipe)
    await hub.stop()


async def baseline_side(pipe: Connection, clients: int, rounds: int, size: int) -> None:
    """A bare websockets server that broadcasts an event-shaped payload of `size` bytes."""
    connected: set[ServerConnection] = set()
    everyone = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        connected.add(ws)
        if len(connected) >= clients:
            everyone.set()
        await ws.wait_closed()
        connected.discard(ws)

    # The same wire settings as the hub's (no permessage-deflate), so only the fan-out differs.
    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        pipe.send(("ready", f"ws://127.0.0.1:{port}", [None] * clients))
        await everyone.wait()
        await receive(pipe)
        published: dict[str, float] = {}
        for i in range(rounds):
            ref_id = f"B-{i:04d}"
            frame = {"type": "event", "seq": i + 1, "name": "referral.upsert", "at": time.time(),
                     "data": {"id": ref_id, "pad": ""}}
            pad = size - len(json.dumps(frame, separators=(",", ":")))
            frame["data"]["pad"] = "x" * max(0, pad)
            message = json.dumps(frame, separators=(",", ":"))
            published[ref_id] = time.time()
            broadcast(connected, message)
            await asyncio.sleep(GAP)
        await asyncio.sleep(1.0)
        pipe.send(("published", published))
        await receive(pipe)


async def client_side(pipe: Connection, url: str, tokens: list[str | None]) -> None:
    clients = await open_fleet(url, tokens, say_hello=tokens[0] is not None)
    receipts = Receipts()
    receipts.watch(clients)
    pipe.send(("ready",))
    await receive(pipe)
    events = [(i, at, frame["data"]["id"], size) for i, at, frame, size in receipts.events()]
    pipe.send(("receipts", events))
    await receive(pipe)
    await receipts.close(clients)


def measure(server: Worker, processes: int) -> tuple[list[float], int, int]:
    """Latencies (ms) of every delivery, the number of deliveries missing, and the frame size."""
    url, tokens = server.expect("ready")
    fleet = [Worker(client_side, url, part, name=f"clients-{n}") for n, part in
             enumerate(chunks(tokens, processes))]
    try:
        for worker in fleet:
            worker.expect("ready")
        time.sleep(0.5)
        server.send("go")
        (published,) = server.expect("published")
        latencies, sizes, seen = [], [], 0
        for worker in fleet:
            worker.send("report")
            (events,) = worker.expect("receipts")
            for _, at, ref_id, size in events:
                if ref_id in published:
                    latencies.append((at - published[ref_id]) * 1000)
                    sizes.append(size)
                    seen += 1
        for worker in fleet:
            worker.send("close")
        server.send("stop")
    finally:
        stop_all([*fleet, server])
    missing = len(tokens) * len(published) - seen
    return latencies, missing, int(median(sizes)) if sizes else 0


def run(clients: int = 1000, rounds: int = 50, processes: int = 4) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        hub = Worker(hub_side, str(Path(tmp) / "fanout.sqlite3"), clients, rounds, name="hub")
        hub_ms, missing, size = measure(hub, processes)
    baseline = Worker(baseline_side, clients, rounds, size, name="baseline")
    base_ms, base_missing, _ = measure(baseline, processes)
    hub_p99, base_p99 = percentile(hub_ms, 99), percentile(base_ms, 99)
    ratio = hub_p99 / base_p99 if base_p99 else float("inf")
    name = f"fan-out, {clients} clients x {rounds} open referrals ({size} B frames)"
    return [
        Figure(
            name,
            f"hub p50 {percentile(hub_ms, 50):.1f} ms, p99 {hub_p99:.1f} ms; broadcast() baseline "
            f"p50 {percentile(base_ms, 50):.1f} ms, p99 {base_p99:.1f} ms",
            f"p99 <= {TARGET_RATIO}x baseline",
            ratio <= TARGET_RATIO,
            ratio,
        ),
        Figure(
            f"fan-out deliveries, {clients} x {rounds}",
            f"{missing} of {clients * rounds} missing (baseline: {base_missing})",
            "every client receives every event",
            missing == 0,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    print_table(run(args.clients, args.rounds, args.processes))


if __name__ == "__main__":
    main()
