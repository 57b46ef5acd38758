"""An event loop in a background thread, for synchronous test drivers (Hypothesis state
machines, fuzzers, thread-based clients) that need a real hub or async clients: `run(coro)` runs
a coroutine there and returns its result."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# How long `run` waits for a coroutine by default: a bound for a hung test, not a timing
# assumption (the coroutines that wait for something carry their own deadlines).
RUN_TIMEOUT = 60.0


class LoopThread:
    def __init__(self, name: str = "hub-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = RUN_TIMEOUT) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
