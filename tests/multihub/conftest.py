"""Several real hubs on one real PostgreSQL database (a fresh one per test), on loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from server.hub import Hub
from server.settings import HubSettings
from tests.wire import Wire

pytestmark = pytest.mark.postgres


@pytest.fixture
async def hubs(postgres_url: str) -> AsyncIterator[Callable[..., Awaitable[list[Hub]]]]:
    started: list[Hub] = []

    async def start(count: int, **overrides: Any) -> list[Hub]:
        made = [Hub(HubSettings(db_url=postgres_url, port=0, **overrides)) for _ in range(count)]
        for hub in made:
            await hub.start()
            started.append(hub)
        return made

    yield start
    for hub in started:
        if hub._server is not None and hub._server.is_serving():
            await hub.stop()


@pytest.fixture
async def wires() -> AsyncIterator[list[Wire]]:
    opened: list[Wire] = []
    yield opened
    for wire in opened:
        if not wire.closed.is_set():
            await wire.close()

