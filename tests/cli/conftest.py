"""Fixtures for the command line: a real hub on a temp SQLite file, in the test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.hub import Hub
from server.settings import HubSettings


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The hub's database URL, as `--db` takes it: the test's SQLite file, or (with
    TRIAGE_TEST_POSTGRES) a PostgreSQL database of its own; `sqlite_only` tests edit the file."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    if request.node.get_closest_marker("sqlite_only"):
        pytest.skip("edits SQLite's own file")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def hub(db: str) -> AsyncIterator[Hub]:
    hub = Hub(HubSettings(db_url=db, host="127.0.0.1", port=0))
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real token or config directory leaks into a test."""
    monkeypatch.delenv("TRIAGE_TOKEN", raising=False)
    monkeypatch.delenv("TRIAGE_HUB", raising=False)
    monkeypatch.delenv("TRIAGE_HUB_DB", raising=False)
    monkeypatch.delenv("TRIAGE_HUB_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
