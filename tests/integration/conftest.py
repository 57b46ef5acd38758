"""A real hub on loopback with a real SQLite file, and helpers to talk to it and read its state."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.hub import Hub
from server.settings import HubSettings
from server.storage.models import Audit, Delivery, Event, Offer, Person, Recipient, Referral
from tests.integration.privacy_sweep import violations
from tests.wire import Wire


@pytest.fixture(autouse=True)
def privacy_sweep() -> Iterator[None]:
    """After every integration test: no frame any client received broke the masking rules."""
    Wire.opened.clear()
    yield
    frames = [raw for wire in Wire.opened for raw in wire.frames]
    Wire.opened.clear()
    broken = violations(frames)
    assert not broken, "\n".join(broken[:5])


class StepClock:
    """Real time plus a skew that a test can push forward."""

    def __init__(self) -> None:
        self.skew = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.skew

    def advance(self, seconds: float) -> None:
        self.skew += timedelta(seconds=seconds)


def settings_for(tmp_path: Path, **overrides: Any) -> HubSettings:
    return HubSettings(db_url=f"sqlite+aiosqlite:///{tmp_path}/hub.sqlite3", port=0, **overrides)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database every hub of the test uses: the test's SQLite file, or (with
    TRIAGE_TEST_POSTGRES) a PostgreSQL database of its own. Tests marked `sqlite_only` check
    what only SQLite has (its file, its single writer)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/hub.sqlite3"
    if request.node.get_closest_marker("sqlite_only"):
        pytest.skip("about SQLite's own file or writer")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def make_hub(store: str) -> AsyncIterator[Callable[..., Awaitable[Hub]]]:
    """Start hubs on the test's database; every hub still running is stopped at the end."""
    hubs: list[Hub] = []

    async def make(**overrides: Any) -> Hub:
        hub = Hub(HubSettings(db_url=store, port=0, **overrides))
        await hub.start()
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:  # a hub the test stopped itself is stopped again: stop() is idempotent
        await hub.stop()


@pytest.fixture
async def hub(make_hub: Callable[..., Awaitable[Hub]]) -> Hub:
    return await make_hub()


@pytest.fixture
async def wires() -> AsyncIterator[list[Wire]]:
    """Collects the test's clients (`tests.wire.connect` adds to it) and closes them at the end."""
    opened: list[Wire] = []
    yield opened
    for wire in opened:
        if not wire.closed.is_set():
            await wire.close()


async def referral_row(hub: Hub, ref_id: str) -> Referral:
    async with hub.db.read() as session:
        ref = await session.get(Referral, ref_id)
        assert ref is not None
        return ref


async def offer_rows(hub: Hub, ref_id: str) -> list[Offer]:
    async with hub.db.read() as session:
        rows = await session.execute(select(Offer).where(Offer.referral_id == ref_id).order_by(Offer.id))
        return list(rows.scalars())


async def snapshot(hub: Hub) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row that a request could change, as plain tuples."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with hub.db.read() as session:
        for model in (Referral, Offer, Audit, Event, Delivery, Recipient, Person):
            cols = [c for c in model.__table__.columns]
            rows = await session.execute(select(*cols))
            out[model.__tablename__] = sorted(tuple(map(repr, r)) for r in rows)
    return out
