"""The PostgreSQL half of the suite: one setting turns it on, every test gets a database of its
own (created from a migrated template, dropped afterwards), so runs never see each other's rows.

    TRIAGE_TEST_POSTGRES=postgresql+asyncpg://postgres@127.0.0.1:5432/test pytest

Without the setting the PostgreSQL tests are skipped and the session's summary says so.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import make_url

SETTING = "TRIAGE_TEST_POSTGRES"
SKIPPED = f"the PostgreSQL half was skipped: set {SETTING}=postgresql+asyncpg://USER@HOST:PORT/DB"


def base_url() -> str | None:
    return os.environ.get(SETTING) or None


requires_postgres = pytest.mark.skipif(base_url() is None, reason=SKIPPED)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    import asyncpg

    url = base_url()
    assert url is not None
    conn = await asyncpg.connect(_dsn(url), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


_template: str | None = None
_template_lock = asyncio.Lock()


async def _migrated_template() -> str:
    """A database migrated to head once per session; each test's database is a copy."""
    global _template
    async with _template_lock:
        if _template is None:
            from server.storage.database import Database

            await _drop_stale_templates()
            name = f"triage_tpl_{int(time.time())}_{uuid.uuid4().hex[:8]}"
            await _admin(f'CREATE DATABASE "{name}"')
            db = Database(url_of(name))
            try:
                await db.migrate()
            finally:
                await db.close()
            _template = name
        return _template


STALE_SECONDS = 6 * 3600  # a template this old belongs to a run that was killed


async def _drop_stale_templates() -> None:
    """Templates left by runs that were killed before their session ended."""
    import asyncpg

    url = base_url()
    assert url is not None
    conn = await asyncpg.connect(_dsn(url), timeout=10)
    try:
        names = [row[0] for row in await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE 'triage\\_tpl\\_%'"
        )]
    finally:
        await conn.close()
    for name in names:
        stamp = name.split("_")[2] if name.count("_") >= 3 else ""
        if not stamp.isdigit() or time.time() - int(stamp) > STALE_SECONDS:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def url_of(name: str) -> str:
    url = base_url()
    assert url is not None
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def drop_template() -> None:
    global _template
    if _template is not None:
        await _admin(f'DROP DATABASE IF EXISTS "{_template}" WITH (FORCE)')
        _template = None


@pytest.fixture
async def postgres_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database for this test; dropped after it."""
    if base_url() is None:
        pytest.skip(SKIPPED)
    template = await _migrated_template()
    name = f"triage_t_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield url_of(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def empty_postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database with no schema at all (for hubs that migrate it)."""
    if base_url() is None:
        pytest.skip(SKIPPED)
    name = f"triage_e_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield url_of(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
