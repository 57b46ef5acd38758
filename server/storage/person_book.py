"""The people requests are answered for, kept while the directory's version stands.

Every request is answered for its person as stored now, so a change to their roles, areas or
availability counts at once. Loading them (their row, roles and areas: three statements and the
ORM's objects) for each request was the largest single cost of a claim storm's event loop after
the writes themselves (bench/README.md). Every change to a person moves the directory's version
on in the same transaction, whichever hub, command line or statement made it: the database's
own triggers do it (migration 0011). So a request reads
that one number and is answered with the person loaded at that version, or with the person
loaded anew once it has moved.

The version is read before the person: a person loaded is at least as new as the version it is
filed under, so nothing older than the database is ever answered from here. The people are
shared by every request and must not be changed; a change loads its own (`Tx.session.get`).
"""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy import select

from server.storage.database import Database
from server.storage.models import DirectoryVersion, Person

KEPT = 10_000  # people kept at most (the least recently asked for are let go first)
_VERSION = select(DirectoryVersion.version)


class PersonBook:
    def __init__(self, db: Database, size: int = KEPT) -> None:
        self._db = db
        self._size = size
        self._version: int | None = None
        self._people: OrderedDict[str, Person] = OrderedDict()
        self.loads = 0  # people loaded from the database, for tests

    async def person(self, person_id: str) -> Person | None:
        """`person_id` as stored now, or None if there is no such person."""
        version = await self._db.loop_scalar(_VERSION)
        if version != self._version:
            self._people.clear()
            self._version = version
        person = self._people.get(person_id)
        if person is not None:
            self._people.move_to_end(person_id)
            return person
        person = await self._db.quick_read(
            lambda session: session.get(Person, person_id, populate_existing=True)
        )
        self.loads += 1
        if person is None:
            return None
        if self._version == version:  # (no newer version was seen meanwhile)
            self._people[person_id] = person
            while len(self._people) > self._size:
                self._people.popitem(last=False)
        return person
