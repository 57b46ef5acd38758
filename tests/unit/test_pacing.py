"""Clients stay under the hub's advertised request rate by waiting, never by being cut off."""

from __future__ import annotations

import asyncio

from shared.protocol.pacing import SPARE_REQUESTS, SPARE_SECONDS, WINDOW_SECONDS, RequestPacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_no_limit_never_waits() -> None:
    t = FakeTime()
    pacer = RequestPacer(0, clock=t.clock, sleep=t.sleep)

    async def many() -> None:
        for _ in range(10_000):
            await pacer.wait()

    asyncio.run(many())
    assert t.slept == []


def test_no_minute_of_requests_goes_over_the_limit() -> None:
    t = FakeTime()
    limit = 10
    pacer = RequestPacer(limit, clock=t.clock, sleep=t.sleep)
    sent: list[float] = []

    async def burst() -> None:
        for _ in range(35):
            await pacer.wait()
            sent.append(t.now)
            t.now += 0.1  # a request takes a moment

    asyncio.run(burst())
    # the first (limit - spare) go at once, then each waits for the oldest to leave the window
    assert len([s for s in sent if s < sent[0] + 1]) == limit - SPARE_REQUESTS
    assert t.slept and all(s > 0 for s in t.slept)
    for i, start in enumerate(sent):  # every 60 s window as the hub sees it
        in_window = [s for s in sent[i:] if s < start + WINDOW_SECONDS + SPARE_SECONDS]
        assert len(in_window) <= limit - SPARE_REQUESTS
    # 35 requests at 8 a window fill five windows: four waits of a window each, no more
    assert sent[-1] - sent[0] < 4 * (WINDOW_SECONDS + SPARE_SECONDS) + 1
