"""A bystander during a storm: one client who is not racing, asking what people ask all day
(its inbox, a referral, a thread) and doing what gets refused without a write (a claim of an
appointment not offered to it, a frame that is not JSON), one request at a time, every 20 ms
from the moment the storm starts until the driver asks for its figures. None of it writes, so
none of it should wait for the storm's writes (issue 17, item 3: p99 under 50 ms each)."""

from __future__ import annotations

import asyncio
import json
import time
from multiprocessing.connection import Connection

from bench.fleet import open_one
from bench.harness import Figure, percentile
from bench.processes import receive
from server.hub import Hub
from shared.protocol import ReferralInput

TARGET_P99_MS = 50.0
PAUSE = 0.02  # seconds between the bystander's requests
KINDS = ("inbox", "referral.get", "thread.get", "claim not offered", "bad frame")


async def seed(hub: Hub, desk_id: str) -> tuple[str, str, str]:
    """The bystander (an agent elsewhere), its own referral sent privately to a colleague there,
    and an appointment there on offer to the colleague (ranked above it), not to the bystander:
    its token and the two referrals' ids."""
    bystander, token = await hub.add_person(name="Bench Bystander", zips=["10001"], rank_score=10)
    colleague, _ = await hub.add_person(name="Bench Colleague", zips=["10001"], rank_score=90)
    ref_id = await hub.submit(bystander.id, ReferralInput(
        kind="agent", first_name="Ivy", last_name="Chen", email="ivy@example.com", zip="10001",
        city="New York", mode="private", receivers=[colleague.id],
    ))
    not_mine = await hub.submit(desk_id, ReferralInput(
        kind="appointment", first_name="Max", last_name="Roe", zip="10001", lead_type="home valuation",
        claim_window_seconds=3600,
    ))
    return token, ref_id, not_mine


def requests(ref_id: str, not_mine: str) -> list[tuple[str, str]]:
    frame = lambda op, **args: json.dumps({"id": op, "op": op, "args": args})  # noqa: E731
    return [
        ("inbox", frame("inbox", limit=50)),
        ("referral.get", frame("referral.get", id=ref_id)),
        ("thread.get", frame("thread.get", id=ref_id)),
        ("claim not offered", json.dumps({"id": "claim", "op": "claim", "args": {"id": not_mine}})),
        ("bad frame", "{this is not json"),
    ]


async def bystander_side(pipe: Connection, url: str, token: str, ref_id: str, not_mine: str) -> None:
    ws = await open_one(url, token, say_hello=True)
    pipe.send(("ready",))
    await receive(pipe)  # the storm starts
    asked = requests(ref_id, not_mine)
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    stop = asyncio.create_task(receive(pipe))
    i = 0
    while not stop.done():
        kind, text = asked[i % len(asked)]
        i += 1
        started = time.perf_counter()
        await ws.send(text)
        while True:  # events for the bystander (none expected) are skipped
            frame = json.loads(await ws.recv())
            if frame.get("type") in ("reply", "error"):
                break
        times[kind].append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(PAUSE)
    pipe.send(("bystander", times))
    await receive(pipe)
    await ws.close()


def figures(times: dict[str, list[float]], label: str) -> list[Figure]:
    out = []
    for kind in KINDS:
        ms = times.get(kind, [])
        p99 = percentile(ms, 99) if ms else float("inf")
        out.append(Figure(
            f"{label}: a bystander's {kind}",
            f"{len(ms)} asked, p50 {percentile(ms, 50) if ms else 0:.1f} ms, p99 {p99:.1f} ms",
            f"p99 < {TARGET_P99_MS:.0f} ms", p99 < TARGET_P99_MS, p99 / TARGET_P99_MS,
        ))
    return out
