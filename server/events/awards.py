"""Appointments the hub has seen won, so that a late claim is answered without the database,
and the line of claims racing for one appointment.

An appointment once awarded never goes back on offer and its receiver never changes
(`shared.lifecycle`), so for anyone but the winner a claim of a remembered appointment is lost,
exactly as the database would answer it. Only awards that were committed are remembered; an
appointment the book does not hold (won before the hub started, on another hub, or forgotten to
keep the book small) is answered from the database as before.

Claims of one appointment are decided one at a time (`deciding`): twenty agents racing for it
wait for the first claim's outcome instead of each loading their account and taking the writer;
once it commits an award the book answers them all (lost), and if it fails the next one goes.
Claims of different appointments do not wait for each other.

The book also keeps who it last saw holding an open offer of each appointment, and until when
(`saw_offers`, from each commit): a claim from one of them is bound for the writer whatever a
read finds, so it skips the read that answers a doomed claim without the writer
(`holds_offer`). That read took a fifth of the hub's other thread's time in a claim storm and
kept the interpreter from the writer. The note is only a hint: one grown stale (another hub or
process moved the offer on) costs that claim its quick refusal, never a wrong answer, since the
writer decides from the rows.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from shared.protocol import PersonRef

REMEMBERED = 10_000
OFFERS_NOTED = 50_000  # open offers noted at most (agent and deadline; a few MB), oldest dropped


@dataclass(frozen=True)
class Award:
    ref_id: str
    winner: PersonRef
    at: datetime  # UTC, as stored
    # who saw it on offer just before (its racers, the desk): told who won; anyone else is told
    # there is no such appointment, as the database would answer them
    contenders: frozenset[str] = frozenset()


class AwardBook:
    """The most recent committed awards, by appointment."""

    def __init__(self, size: int = REMEMBERED, offers_noted: int = OFFERS_NOTED) -> None:
        self._size = size
        self._offers_noted = offers_noted
        self._won: OrderedDict[str, Award] = OrderedDict()
        self._deciding: dict[str, asyncio.Future[None]] = {}  # the claim being decided, by id
        # appointment -> agent -> deadline of their open offer, as the last commit left them
        self._open: OrderedDict[str, Mapping[str, datetime]] = OrderedDict()
        self._noted = 0  # open offers in `_open`, all appointments together

    @asynccontextmanager
    async def deciding(self, ref_id: str) -> AsyncIterator[None]:
        """Wait until no other claim of `ref_id` is being decided, then be the one: until this
        context ends, or until an award of `ref_id` is recorded, whichever comes first."""
        while (ahead := self._deciding.get(ref_id)) is not None:
            await asyncio.wait([ahead])  # (a waiter cancelled must not cancel the one ahead)
        mine = self._deciding[ref_id] = asyncio.get_running_loop().create_future()
        try:
            yield
        finally:
            self._release(ref_id, mine)

    def _release(self, ref_id: str, future: asyncio.Future[None] | None = None) -> None:
        current = self._deciding.get(ref_id)
        if current is not None and (future is None or current is future):
            del self._deciding[ref_id]
            current.set_result(None)

    def get(self, ref_id: str) -> Award | None:
        return self._won.get(ref_id)

    def saw_offers(self, ref_id: str, deadlines: Mapping[str, datetime]) -> None:
        """A commit left `ref_id` with these open offers (agent -> deadline)."""
        self._noted -= len(self._open.pop(ref_id, {}))
        if deadlines:
            self._open[ref_id] = deadlines
            self._noted += len(deadlines)
            while self._noted > self._offers_noted and len(self._open) > 1:
                self._noted -= len(self._open.popitem(last=False)[1])

    def holds_offer(self, ref_id: str, agent_id: str, now: datetime) -> bool:
        """The last commit seen left `agent_id` an open offer of `ref_id` running past `now`,
        and no award of it is known."""
        deadline = self._open.get(ref_id, {}).get(agent_id)
        return deadline is not None and deadline > now and ref_id not in self._won

    def record(self, awards: Iterable[Award]) -> None:
        for award in awards:
            self._won[award.ref_id] = award
            self._won.move_to_end(award.ref_id)
            self._release(award.ref_id)  # the claims waiting behind the winner learn it now
        while len(self._won) > self._size:
            self._won.popitem(last=False)
