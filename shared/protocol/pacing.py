"""Clients keep under the hub's advertised request rate (`HelloResult.rate_limit_per_minute`)
instead of being closed for going over it: a request that would go over waits for room."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
# The hub counts a request when it arrives, a little after the client sent it; keep a margin of
# requests and of time so that no window of the hub's ever holds more than its limit.
SPARE_REQUESTS = 2
SPARE_SECONDS = 0.5


class RequestPacer:
    """`await pacer.wait()` before each request; 0 (the default) means no limit is known."""

    def __init__(self, per_minute: int = 0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = asyncio.sleep) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()

    @property
    def budget(self) -> int:
        return max(1, self.per_minute - SPARE_REQUESTS) if self.per_minute > 0 else 0

    def delay(self) -> float:
        """Seconds to wait before the next request may go (0: now)."""
        if not self.budget:
            return 0.0
        now = self._clock()
        while self._sent and now - self._sent[0] >= WINDOW_SECONDS + SPARE_SECONDS:
            self._sent.popleft()
        if len(self._sent) < self.budget:
            return 0.0
        return self._sent[0] + WINDOW_SECONDS + SPARE_SECONDS - now

    async def wait(self) -> None:
        while (delay := self.delay()) > 0:
            await self._sleep(delay)  # type: ignore[misc]
        self._sent.append(self._clock())
