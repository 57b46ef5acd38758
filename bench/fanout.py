"""Fan-out: an open referral reaching a thousand agents at once (issue 5, part 1).

The hub runs in its own process with 1,000 agents serving one zip code, all connected and past
hello from a few client processes. The hub publishes an open agent referral in that zip 50 times
(each one a real `submit`, sent in open mode, so every agent of the zip sees it); latency is from
the hub's commit (`time.time()` right after it, in the hub process) to each client's receipt of
the event. Baseline, side by side in the same run: a bare `websockets` server calling
`websockets.asyncio.server.broadcast()` with a payload of the same size to as many clients of
their own, timed from just before the broadcast. The two take turns, one publication each, so a
busy moment on a shared machine falls on both alike. Target: the hub's p99 at most 1.5x the
baseline's.

    python -m bench.fanout [--clients 1000] [--rounds 50] [--processes 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from websockets.asyncio.server import ServerConnection, broadcast, serve

from bench import seeding
from bench.fleet import Receipts, open_fleet, pause_garbage_collection
from bench.harness import Figure, median, percentile, print_table
from bench.hubs import CommitTimes, PushedFrames, bench_hub
from bench.processes import Worker, chunks, receive, stop_all
from shared.protocol import ReferralInput

ZIP = "78701"
GAP = 0.15  # seconds after each publication, so each one's fan-out is measured on its own
TARGET_RATIO = 1.5


async def hub_side(pipe: Connection, db_path: str, clients: int) -> None:
    hub = bench_hub(db_path)
    await hub.start()
    commits = CommitTimes(hub)
    frames = PushedFrames(hub)
    tokens = [token for _, token in await seeding.agents(hub, clients, ZIP)]
    sender, _ = await hub.add_person(name="Bench Sender", zips=["80202"])
    pipe.send(("ready", hub.url, tokens))
    while (command := await receive(pipe))[0] == "publish":
        referral = ReferralInput(
            kind="agent", first_name="Carla", last_name=f"Diaz {command[1]}",
            email="carla@example.com", phone="512-555-0100", city="Austin", zip=ZIP,
            price_min=300_000, price_max=450_000, timeframe="3 months", intent="buy",
            notes="pre-approved; wants a yard", mode="open",
        )
        ref_id = await hub.submit(sender.id, referral)
        pipe.send(("published", ref_id, commits.last, frames.last_size))
    await hub.stop()


async def baseline_side(pipe: Connection, clients: int) -> None:
    """A bare websockets server that broadcasts an event-shaped payload of the size it is told."""
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
        while (command := await receive(pipe))[0] == "publish":
            await everyone.wait()
            _, i, size = command
            ref_id = f"B-{i:04d}"
            frame = {"type": "event", "seq": i + 1, "name": "referral.upsert", "at": time.time(),
                     "data": {"id": ref_id, "pad": ""}}
            pad = size - len(json.dumps(frame, separators=(",", ":")))
            frame["data"]["pad"] = "x" * max(0, pad)
            message = json.dumps(frame, separators=(",", ":"))
            at = time.time()
            broadcast(connected, message)
            pipe.send(("published", ref_id, at))


async def client_side(pipe: Connection, url: str, tokens: list[str | None]) -> None:
    clients = await open_fleet(url, tokens, say_hello=tokens[0] is not None)
    pause_garbage_collection()
    receipts = Receipts()
    receipts.watch(clients)
    pipe.send(("ready",))
    await receive(pipe)
    events = [(i, at, frame["data"]["id"], size) for i, at, frame, size in receipts.events()]
    pipe.send(("receipts", events))
    await receive(pipe)
    await receipts.close(clients)


def latencies(fleet: list[Worker], published: dict[str, float]) -> tuple[list[float], int, int]:
    """Latencies (ms) of every delivery of a published event, how many arrived, and the median
    frame size."""
    out, sizes = [], []
    for worker in fleet:
        worker.send("report")
        (events,) = worker.expect("receipts")
        for _, at, ref_id, size in events:
            if ref_id in published:
                out.append((at - published[ref_id]) * 1000)
                sizes.append(size)
    return out, len(out), int(median(sizes)) if sizes else 0


@dataclass
class Measured:
    hub_ms: list[float]
    base_ms: list[float]
    size: int  # the hub's event frame, in bytes
    hub_missing: int
    base_missing: int


def measure(clients: int, rounds: int, processes: int, db_path: str) -> Measured:
    """Both servers, each with its own clients, publishing in turn."""
    hub = Worker(hub_side, db_path, clients, name="hub")
    baseline = Worker(baseline_side, clients, name="baseline")
    fleets: dict[str, list[Worker]] = {}
    try:
        for name, server in (("hub", hub), ("baseline", baseline)):
            url, tokens = server.expect("ready")
            fleets[name] = [Worker(client_side, url, part, name=f"{name}-clients-{n}")
                            for n, part in enumerate(chunks(tokens, processes))]
        for worker in [*fleets["hub"], *fleets["baseline"]]:
            worker.expect("ready")
        time.sleep(0.5)
        hub_published: dict[str, float] = {}
        base_published: dict[str, float] = {}
        for i in range(rounds):
            hub.send("publish", i)
            ref_id, at, size = hub.expect("published")
            hub_published[ref_id] = at
            time.sleep(GAP)
            baseline.send("publish", i, size)
            ref_id, at = baseline.expect("published")
            base_published[ref_id] = at
            time.sleep(GAP)
        time.sleep(1.0)
        hub_ms, hub_seen, size = latencies(fleets["hub"], hub_published)
        base_ms, base_seen, _ = latencies(fleets["baseline"], base_published)
        for worker in [*fleets["hub"], *fleets["baseline"]]:
            worker.send("close")
        hub.send("stop")
        baseline.send("stop")
    finally:
        stop_all([*fleets.get("hub", []), *fleets.get("baseline", []), hub, baseline])
    return Measured(hub_ms, base_ms, size, clients * rounds - hub_seen, clients * rounds - base_seen)


def run(clients: int = 1000, rounds: int = 50, processes: int = 4) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(clients, rounds, processes, str(Path(tmp) / "fanout.sqlite3"))
    hub_ms, base_ms, size = result.hub_ms, result.base_ms, result.size
    missing, base_missing = result.hub_missing, result.base_missing
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
