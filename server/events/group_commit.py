"""Group commit: the writes that wait for the writer together run in one transaction.

A claim storm's writes are small and many, and each transaction pays the same fixed costs: its
BEGIN and COMMIT (the commit syncs the log to disk), and `Tx.finish`'s work of loading the
audiences, writing the events, advancing sequence numbers and extending the audit chain, most of
which costs the same for four referrals as for one. So while one batch holds the writer, the
writes that arrive queue here, and the next batch takes all of them (up to `MAX_BATCH`), runs
them one after another in one transaction, and commits once. Each is answered only after that
commit: nothing is acknowledged before it is durable.

A write in a batch fails alone:
- each write of a batch runs inside a savepoint of its own; one that refuses (a `HubError`:
  lost, expired, not allowed) is rolled back to it, along with what its `Tx` gathered
  (`Tx.mark`/`back_to`), and answered with its refusal once the others have committed: the
  answer it would have had running right after them;
- a write whose refusal (a read of committed rows, `write`'s `refusal`) comes in before its turn
  in the batch has come is withdrawn and answered with it: it never runs;
- any other failure (a statement, the finish, the commit, or a savepoint's rollback) rolls the
  whole transaction back, and every write of the batch runs again alone, each with its own
  outcome. A batch that fails changes nothing, so a write only ever runs again from a state in
  which none of it was stored; every change is written to be run again already (PostgreSQL's
  write conflicts run them again, `replies.transact`).

Two writes with the same key (the referral they change) never share a batch: the second waits
for the next one, so each change's events and reasons are its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from server.errors import HubError
from server.events.transaction import Tx

Change = Callable[[Tx], Awaitable[Any]]
MAX_BATCH = 16  # writes in one transaction at most; a bigger batch holds the writer too long


@dataclass(frozen=True)
class Refused:
    """The outcome of a change of a batch that refused with `error`: it was rolled back to its
    savepoint, and the batch went on without it."""

    error: HubError


RunBatch = Callable[[list[Change]], Awaitable[tuple[list[Any], Tx]]]
"""Runs changes in order in one write transaction and commits it, the writer already held;
their outcomes (a result, or `Refused` for one rolled back to its savepoint) and the `Tx`."""


_WITHDRAWN = object()  # the outcome of a write answered by its refusal before its turn came


@dataclass(eq=False)
class _Write:
    change: Change
    key: str | None
    done: asyncio.Future[tuple[Any, Tx]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    started: bool = False  # its change has begun to run (in some attempt)
    check: asyncio.Future[None] | None = None  # its refusal's read, while it runs

    def refused(self) -> bool:
        """Its refusal's read has refused it: if it has not started, it never will (withdrawn,
        answered by that refusal)."""
        check = self.check
        return (
            check is not None and check.done() and not check.cancelled()
            and isinstance(check.exception(), HubError)
        )

    async def run(self, tx: Tx) -> Any:
        if not self.started and self.refused():
            return _WITHDRAWN
        self.started = True
        return await self.change(tx)

    def succeed(self, result: Any, tx: Tx) -> None:
        if not self.done.done():
            self.done.set_result((result, tx))

    def fail(self, error: BaseException) -> None:
        if not self.done.done():
            self.done.set_exception(error)


class GroupCommit:
    """The queue of writes waiting for the writer, and the task that runs them in batches."""

    def __init__(self, run: RunBatch, writer: asyncio.Lock, max_batch: int = MAX_BATCH) -> None:
        self._run = run
        self._writer = writer
        self.max_batch = max_batch
        self._waiting: list[_Write] = []
        self._leader: asyncio.Task[None] | None = None
        self.batches = 0  # committed transactions, for tests and metrics
        self.largest = 0  # the most writes one committed transaction held
        self.busy = 0.0  # seconds the writer was held running batches, for benchmarks and metrics

    @property
    def waiting(self) -> int:
        """Writes queued for the next batch."""
        return len(self._waiting)

    async def write(
        self, change: Change, key: str | None = None,
        refusal: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[Any, Tx]:
        """Run `change` in a write transaction, maybe with others; its result and the `Tx` it
        ran in, once that transaction has committed. Raises what `change` raised, or what its
        transaction raised when it ran alone.

        `refusal`, if given, reads whether committed rows already refuse the write (it raises
        the `HubError` the write would get). It runs while the write waits for its batch and its
        turn in it: if it refuses before the write has begun, the write is withdrawn (it never
        runs) and answered with that refusal at once, without waiting for the writer; a write
        that may succeed loses no time to it."""
        job = _Write(change, key)
        # the check starts before the batch's leader does: a read that never has to wait (a
        # quick read of SQLite, on this loop) has refused the write before an idle writer
        # reaches it, and the write is then never run
        check = job.check = asyncio.ensure_future(refusal()) if refusal is not None else None
        self._waiting.append(job)
        if self._leader is None:
            self._leader = asyncio.create_task(self._lead(), name="group-commit")
        if check is not None:
            await asyncio.wait({check, job.done}, return_when=asyncio.FIRST_COMPLETED)
            refused = check.exception() if check.done() else None
            if isinstance(refused, HubError) and not job.started:
                # queued, or in a batch whose turn has not come: it will never run
                if job in self._waiting:
                    self._waiting.remove(job)
                raise refused
            if not check.done():  # the read goes on in the background; its answer is moot
                check.add_done_callback(_ignore_outcome)
        # the write goes on if the asker goes away (a closed connection): it may already be
        # half way through a batch, and the others in it must not lose it mid-run
        return await asyncio.shield(job.done)

    async def _lead(self) -> None:
        try:
            while self._waiting:
                # the batch is taken once the writer is ours: all that queued while it was busy
                async with self._writer:
                    began = time.perf_counter()
                    try:
                        await self._settle(self._take())
                    finally:
                        self.busy += time.perf_counter() - began
        finally:
            self._leader = None
            for job in self._waiting:  # only if this task itself was cancelled
                job.fail(asyncio.CancelledError())

    def _take(self) -> list[_Write]:
        """The next batch: waiting writes in order, skipping any whose key one already taken has."""
        batch: list[_Write] = []
        keys: set[str] = set()
        left: list[_Write] = []
        for job in self._waiting:
            if len(batch) >= self.max_batch or (job.key is not None and job.key in keys):
                left.append(job)
                continue
            batch.append(job)
            if job.key is not None:
                keys.add(job.key)
        self._waiting = left
        return batch

    async def _settle(self, batch: list[_Write]) -> None:
        """Run `batch` until every write in it has its outcome."""
        running = [job for job in batch if job.started or not job.refused()]
        if not running:
            return
        try:
            outcomes, tx = await self._run([job.run for job in running])
        except asyncio.CancelledError:
            for job in running:
                job.fail(asyncio.CancelledError())
            raise
        except Exception as error:  # noqa: BLE001 - handed to the write(s) it belongs to
            if len(running) == 1:
                running[0].fail(error)
                return
            for job in running:  # each alone: the failure is then its own, or no one's
                await self._settle([job])
            return
        self.batches += 1
        self.largest = max(self.largest, len(running))
        for job, outcome in zip(running, outcomes, strict=True):
            if outcome is _WITHDRAWN:
                continue  # answered by its refusal already
            if isinstance(outcome, Refused):
                job.fail(outcome.error)
            else:
                job.succeed(outcome, tx)


def _ignore_outcome(task: asyncio.Future[None]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: a refusal that came too late is no error
