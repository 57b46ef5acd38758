"""Appointments the hub has seen won, so that a late claim is answered without the database.

An appointment once awarded never goes back on offer and its receiver never changes
(`shared.lifecycle`), so for anyone but the winner a claim of a remembered appointment is lost,
exactly as the database would answer it. Only awards that were committed are remembered; an
appointment the book does not hold (won before the hub started, on another hub, or forgotten to
keep the book small) is answered from the database as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from shared.protocol import PersonRef

REMEMBERED = 10_000


@dataclass(frozen=True)
class Award:
    ref_id: str
    winner: PersonRef
    at: datetime  # UTC, as stored


class AwardBook:
    """The most recent committed awards, by appointment."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self._size = size
        self._won: OrderedDict[str, Award] = OrderedDict()

    def get(self, ref_id: str) -> Award | None:
        return self._won.get(ref_id)

    def record(self, awards: Iterable[Award]) -> None:
        for award in awards:
            self._won[award.ref_id] = award
            self._won.move_to_end(award.ref_id)
        while len(self._won) > self._size:
            self._won.popitem(last=False)
