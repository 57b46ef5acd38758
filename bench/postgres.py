"""PostgreSQL for the multi-hub benchmarks: where it is, a fresh database for each run (created
before the hubs start, dropped with `WITH (FORCE)` when the run ends, whatever happened), and the
figure a benchmark reports when the server cannot be reached.

The server is named by `TRIAGE_BENCH_POSTGRES` (else `TRIAGE_TEST_POSTGRES`, else the CI
machines' `postgresql+asyncpg://postgres@127.0.0.1:5432/test`); the database in that URL is only
used to create and drop the run's own.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import make_url

from bench.harness import Figure

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


class Unreachable(Exception):
    """PostgreSQL cannot be reached (or refuses to create a database)."""


def base_url() -> str:
    return (os.environ.get("TRIAGE_BENCH_POSTGRES") or os.environ.get("TRIAGE_TEST_POSTGRES")
            or DEFAULT_URL)


def url_of(name: str) -> str:
    return make_url(base_url()).set(database=name).render_as_string(hide_password=False)


def where() -> str:
    """The server, for messages (no password)."""
    url = make_url(base_url())
    return f"{url.host or 'localhost'}:{url.port or 5432}"


async def _admin(*statements: str) -> None:
    import asyncpg

    dsn = make_url(base_url()).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def stats(url: str) -> dict[str, int]:
    """The database's deadlocks, commits and rollbacks so far (pg_stat_database; the server
    publishes a backend's counts within about a second of its transaction's end)."""
    import asyncpg

    name = make_url(url).database
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        row = await conn.fetchrow(
            "SELECT deadlocks, xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1",
            name,
        )
    finally:
        await conn.close()
    return dict(row) if row else {}


@contextmanager
def fresh_database(prefix: str = "triage_bench") -> Iterator[str]:
    """A new, empty database for one run; its SQLAlchemy URL. Dropped at the end (any
    connection still open to it is ended). Raises `Unreachable` if it cannot be created."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach or use the server
        raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
    try:
        yield url_of(name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def unreachable(benchmark: str, error: Unreachable) -> list[Figure]:
    """The figure of a benchmark that could not run: counted as broken, not as a crash."""
    return [Figure(benchmark, f"PostgreSQL not reachable at {where()} ({error}); set "
                   "TRIAGE_BENCH_POSTGRES", "runs", False)]
