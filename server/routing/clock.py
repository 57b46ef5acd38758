"""The claim clock: one task that sleeps until the earliest offer deadline, then moves every
overdue offer on (docs/domain.md, "Claim clocks"). A write that starts a claim clock ending sooner
than the one it sleeps toward wakes it; an hourly pass forgets old events, and a minutely one
offers appointments that waited for an available agent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

log = logging.getLogger("triage.hub")

IDLE_SECONDS = 30.0  # the longest sleep with no deadline in sight
RESUME_EVERY = timedelta(seconds=60)
PRUNE_EVERY = timedelta(hours=1)
LEASE_RETRY_SECONDS = 1.0  # a hub not running the clocks asks this often whether it may


class ClaimClock:
    def __init__(
        self,
        now: Callable[[], datetime],
        next_deadline: Callable[[], Awaitable[datetime | None]],
        expire_overdue: Callable[[datetime | None], Awaitable[int]],
        resume_waiting: Callable[[], Awaitable[int]],
        prune: Callable[[], Awaitable[None]],
        lease: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self._now = now
        self._next_deadline = next_deadline
        self._expire_overdue = expire_overdue
        self._resume_waiting = resume_waiting
        self._prune = prune
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._until: datetime | None = None  # when the sleeping clock wakes by itself
        self._stopping = False
        self._lease = lease  # whether this hub runs the clocks now (one hub of several does)
        self.leading = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="claim-clock")

    def deadline_made(self, deadline: datetime) -> None:
        """A write started a claim clock ending at `deadline`: wake if that is sooner."""
        if self._until is None or deadline < self._until:
            self._wake.set()

    async def stop(self) -> None:
        """End the loop. It checks a stopping flag between rounds, so it ends even when a cancel
        lands inside a database call and the driver swallows it."""
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        await asyncio.wait({self._task}, timeout=2.0)
        while not self._task.done():
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=0.5)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task

    async def _leading(self) -> bool:
        try:
            self.leading = self._lease is None or await self._lease()
        except Exception:
            log.exception("claim clock lease error")
            self.leading = False
        return self.leading

    async def _run(self) -> None:
        """Wake at the earliest deadline, or sooner when a transaction starts a claim clock that
        ends before it (an offer made for the usual window ends after the clocks already running,
        so a storm of offers costs the clock nothing). `leading` says whether this hub holds
        the clocks' lease now (always, alone on SQLite)."""
        try:
            await self._rounds()
        finally:
            self.leading = False

    async def _rounds(self) -> None:
        last_prune = last_resume = self._now()
        while not self._stopping:
            self._wake.clear()
            deadline: datetime | None = None
            if not await self._leading():
                with contextlib.suppress(TimeoutError):  # ask again soon: the holder may be gone
                    await asyncio.wait_for(self._wake.wait(), timeout=LEASE_RETRY_SECONDS)
                continue
            try:
                # one read per wake: the earliest deadline, and the expiry only once it has passed
                deadline = await self._next_deadline()
                if await self._expire_overdue(deadline):
                    continue  # the next pass reads the new earliest deadline
                if self._now() - last_resume >= RESUME_EVERY:
                    last_resume = self._now()
                    await self._resume_waiting()
                if self._now() - last_prune > PRUNE_EVERY:
                    last_prune = self._now()
                    await self._prune()
            except Exception:
                log.exception("claim clock error")
                deadline = None  # try again in a while, not at once
            if self._stopping:
                return
            delay = IDLE_SECONDS
            if deadline is not None:
                delay = min(delay, max(0.0, (deadline - self._now()).total_seconds()))
            self._until = self._now() + timedelta(seconds=delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay + 0.005)
            self._until = None
