"""A hub as the benchmarks run it: on a temporary SQLite file (or a benchmark's own PostgreSQL
database), on a free loopback port, with no request rate limit (the benchmarks are the load),
quiet logs, and the wall-clock time of each of its write commits and of the frames it pushes."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from server.events.frames import Push
from server.hub import Hub
from server.settings import HubSettings
from server.storage.database import sqlite_url


def bench_hub(db_path: Path | str, **overrides: Any) -> Hub:
    return bench_hub_on(sqlite_url(db_path), **overrides)


def bench_hub_on(db_url: str, **overrides: Any) -> Hub:
    """`bench_hub` on any database URL (a PostgreSQL one for the multi-hub benchmarks)."""
    logging.basicConfig(level=logging.WARNING)
    settings = HubSettings(db_url=db_url, port=0, rate_limit_per_minute=0)
    for name, value in overrides.items():
        setattr(settings, name, value)
    return Hub(settings)


class CommitTimes:
    """`time.time()` right after each commit of the hub's writer (SQLAlchemy's after_commit).

    On SQLite the writer has an engine of its own. On PostgreSQL reads and writes share one
    engine, so the hub's write sessions are marked as they open (`Database.write_session`
    wrapped on this hub only) and only their commits are stamped: a read committing between a
    write's commit and the benchmark asking for `last` must not move it."""

    MARK = "bench_writer"

    def __init__(self, hub: Hub) -> None:
        self.times: list[float] = []
        db = hub.db
        self._writer = db.write_engine.sync_engine
        self._shared = db.read_engine is db.write_engine
        if self._shared:
            opened = db.write_session

            @asynccontextmanager
            async def marked() -> AsyncIterator[Any]:
                async with opened() as session:
                    session.sync_session.info[self.MARK] = True
                    yield session

            db.write_session = marked  # type: ignore[method-assign]
        event.listen(Session, "after_commit", self._stamp)

    def _stamp(self, session: Session) -> None:
        if session.bind is self._writer and (not self._shared or session.info.get(self.MARK)):
            self.times.append(time.time())

    @property
    def last(self) -> float:
        return self.times[-1]


class PushedFrames:
    """The size in bytes of the frame most recipients got in the hub's last push, measured after
    the push so that it adds nothing to the latency being measured."""

    def __init__(self, hub: Hub) -> None:
        self.last_size = 0
        registry = hub.registry
        push = registry.push

        def recording(pushes: Iterable[Push]) -> None:
            pushes = list(pushes)
            push(pushes)
            if pushes:
                self.last_size = sorted(len(p.frame.encode()) for p in pushes)[len(pushes) // 2]

        registry.push = recording  # type: ignore[method-assign]
