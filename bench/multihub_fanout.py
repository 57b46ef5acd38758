"""Multi-hub fan-out: an open referral reaching a thousand agents connected to three hubs on one
PostgreSQL database, beside one hub on SQLite reaching as many of its own.

Three hub processes run on a fresh PostgreSQL database (created for the run, dropped after it)
with 1,000 agents serving one zip code; the agents' connections are dealt evenly over the three
hubs (agent i to hub i mod 3), all past hello, from a few client processes that each hold some
of every hub's clients. Each publication is a real `submit` of an open agent referral in that
zip, made through hub i mod 3 for publication i, so every hub publishes in turn. The publishing
hub pushes to its own connections at once and announces the commit (`pg_notify`); the other two
fetch the deliveries from the database and push them (`server/transport/fanout.py`). Latency is
from the publishing hub's commit (`time.time()` right after it, in that hub's process:
`bench.hubs.CommitTimes`) to each client's receipt of the event, whichever hub it is on.

Side by side in the same run, taking turns one publication each: `bench.fanout`'s hub side, one
hub on a temporary SQLite file with 1,000 clients of its own, timed the same way. Targets: the
three hubs' p99 at most 2x the one hub's, and every client receiving every event.

    python -m bench.multihub_fanout [--clients 1000] [--rounds 50] [--hubs 3] [--processes 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from bench import fanout, postgres, seeding
from bench.fleet import Receipts, open_fleet, pause_garbage_collection
from bench.harness import Figure, median, percentile, print_table
from bench.hubs import CommitTimes, PushedFrames, bench_hub_on
from bench.processes import Worker, chunks, receive, stop_all
from shared.protocol import ReferralInput

ZIP = fanout.ZIP
GAP = fanout.GAP  # seconds after each publication, so each one's fan-out is measured on its own
SETTLE = 2.5  # seconds after the last one: longer than the hubs' catch-up poll (2 s)
TARGET_RATIO = 2.0


async def pg_hub_side(pipe: Connection, db_url: str, index: int, clients: int) -> None:
    """One of the hubs on PostgreSQL. Hub 0 also seeds the agents and the sender (the others
    start alongside it; the first to start migrates the schema, the rest wait for it)."""
    hub = bench_hub_on(db_url)
    await hub.start()
    commits = CommitTimes(hub)
    frames = PushedFrames(hub)
    if index == 0:
        tokens = [token for _, token in await seeding.agents(hub, clients, ZIP)]
        sender, _ = await hub.add_person(name="Bench Sender", zips=["80202"])
        pipe.send(("ready", hub.url, tokens, sender.id))
    else:
        pipe.send(("ready", hub.url))
    while (command := await receive(pipe))[0] == "publish":
        _, i, sender_id = command
        referral = ReferralInput(
            kind="agent", first_name="Carla", last_name=f"Diaz {i}",
            email="carla@example.com", phone="512-555-0100", city="Austin", zip=ZIP,
            price_min=300_000, price_max=450_000, timeframe="3 months", intent="buy",
            notes="pre-approved; wants a yard", mode="open",
        )
        ref_id = await hub.submit(sender_id, referral)
        pipe.send(("published", ref_id, commits.last, frames.last_size))
    await hub.stop()


async def client_side(pipe: Connection, dealt: list[tuple[int, str, str]]) -> None:
    """`bench.fanout.client_side` for clients of several hubs: (hub index, url, token) each;
    every receipt is reported with the index of the hub its client is connected to."""
    hubs = sorted({(h, url) for h, url, _ in dealt})
    clients, hub_of = [], []
    for h, url in hubs:
        tokens = [token for i, _, token in dealt if i == h]
        clients += await open_fleet(url, tokens, say_hello=True)
        hub_of += [h] * len(tokens)
    pause_garbage_collection()
    receipts = Receipts()
    receipts.watch(clients)
    pipe.send(("ready",))
    await receive(pipe)
    events = [(hub_of[i], at, frame["data"]["id"], size) for i, at, frame, size in receipts.events()]
    pipe.send(("receipts", events))
    await receive(pipe)
    await receipts.close(clients)


@dataclass
class Measured:
    multi_ms: list[float]
    local_ms: list[float]  # of the multi-hub receipts: clients of the publishing hub
    remote_ms: list[float]  # clients of the other hubs (announced, fetched, pushed)
    one_ms: list[float]
    size: int  # the event frame, in bytes
    multi_missing: int
    one_missing: int


def multi_latencies(
    fleet: list[Worker], published: dict[str, tuple[float, int]]
) -> tuple[list[float], list[float], list[float], int, list[int]]:
    """Latencies (ms) of every delivery of a published event; those of the publishing hub's own
    clients and of the other hubs' apart; how many arrived; the frame sizes."""
    every, local, remote, sizes = [], [], [], []
    for worker in fleet:
        worker.send("report")
        (events,) = worker.expect("receipts")
        for hub, at, ref_id, size in events:
            if ref_id in published:
                committed, publisher = published[ref_id]
                ms = (at - committed) * 1000
                every.append(ms)
                (local if hub == publisher else remote).append(ms)
                sizes.append(size)
    return every, local, remote, len(every), sizes


def measure(clients: int, rounds: int, hubs: int, processes: int, db_url: str, db_path: str) -> Measured:
    """The hubs on PostgreSQL and the one hub on SQLite, each with its own clients, publishing
    in turn."""
    multi = [Worker(pg_hub_side, db_url, i, clients, name=f"pg-hub-{i}") for i in range(hubs)]
    one = Worker(fanout.hub_side, db_path, clients, name="sqlite-hub")
    fleets: dict[str, list[Worker]] = {}
    try:
        url, tokens, sender_id = multi[0].expect("ready")
        urls = [url] + [worker.expect("ready")[0] for worker in multi[1:]]
        dealt = [(i % hubs, urls[i % hubs], token) for i, token in enumerate(tokens)]
        fleets["multi"] = [Worker(client_side, part, name=f"pg-clients-{n}")
                           for n, part in enumerate(chunks(dealt, processes))]
        one_url, one_tokens = one.expect("ready")
        fleets["one"] = [Worker(fanout.client_side, one_url, part, name=f"sqlite-clients-{n}")
                         for n, part in enumerate(chunks(one_tokens, processes))]
        for worker in [*fleets["multi"], *fleets["one"]]:
            worker.expect("ready")
        time.sleep(0.5)
        multi_published: dict[str, tuple[float, int]] = {}
        one_published: dict[str, float] = {}
        for i in range(rounds):
            publisher = i % hubs
            multi[publisher].send("publish", i, sender_id)
            ref_id, at, _ = multi[publisher].expect("published")
            multi_published[ref_id] = (at, publisher)
            time.sleep(GAP)
            one.send("publish", i)
            ref_id, at, _ = one.expect("published")
            one_published[ref_id] = at
            time.sleep(GAP)
        time.sleep(SETTLE)
        multi_ms, local_ms, remote_ms, multi_seen, sizes = multi_latencies(fleets["multi"], multi_published)
        one_ms, one_seen, _ = fanout.latencies(fleets["one"], one_published)
        for worker in [*fleets["multi"], *fleets["one"]]:
            worker.send("close")
        for worker in [*multi, one]:
            worker.send("stop")
    finally:
        stop_all([*fleets.get("multi", []), *fleets.get("one", []), *multi, one])
    return Measured(multi_ms, local_ms, remote_ms, one_ms, int(median(sizes)) if sizes else 0,
                    clients * rounds - multi_seen, clients * rounds - one_seen)


def run(clients: int = 1000, rounds: int = 50, hubs: int = 3, processes: int = 4) -> list[Figure]:
    name = f"multi-hub fan-out, {clients} clients over {hubs} PostgreSQL hubs x {rounds} open referrals"
    try:
        with postgres.fresh_database() as db_url, tempfile.TemporaryDirectory() as tmp:
            result = measure(clients, rounds, hubs, processes, db_url, str(Path(tmp) / "fanout.sqlite3"))
    except postgres.Unreachable as error:
        return postgres.unreachable(name, error)
    multi_p99, one_p99 = percentile(result.multi_ms, 99), percentile(result.one_ms, 99)
    ratio = multi_p99 / one_p99 if one_p99 else float("inf")
    return [
        Figure(
            f"{name} ({result.size} B frames)",
            f"{hubs} hubs p50 {percentile(result.multi_ms, 50):.1f} ms, p99 {multi_p99:.1f} ms "
            f"(publishing hub's clients p99 {percentile(result.local_ms, 99):.1f} ms, other hubs' "
            f"p99 {percentile(result.remote_ms, 99):.1f} ms); one SQLite hub p50 "
            f"{percentile(result.one_ms, 50):.1f} ms, p99 {one_p99:.1f} ms",
            f"p99 <= {TARGET_RATIO}x one hub's",
            ratio <= TARGET_RATIO,
            ratio,
        ),
        Figure(
            f"multi-hub fan-out deliveries, {clients} x {rounds}",
            f"{result.multi_missing} of {clients * rounds} missing (one hub: {result.one_missing})",
            "every client receives every event",
            result.multi_missing == 0,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--hubs", type=int, default=3)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    print_table(run(args.clients, args.rounds, args.hubs, args.processes))


if __name__ == "__main__":
    main()
