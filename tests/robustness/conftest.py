"""Fixtures for the robustness tests: a hub in its own thread (for synchronous drivers such as
Hypothesis), the integration tests' hubs and clients, and their privacy sweep over every frame."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from server.hub import Hub
from tests.integration.conftest import (  # noqa: F401 - fixtures
    make_hub,
    privacy_sweep,
    settings_for,
    store,
    wires,
)
from triage.runner import HubThread


def scale(name: str, default: int) -> int:
    """A size of a robustness test: the environment variable `name` when set, else `default`."""
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


@pytest.fixture
def threaded_hub(tmp_path: Path) -> Iterator[Callable[..., tuple[Hub, Any]]]:
    """Start a hub in a background thread; returns (hub, what `prepare(hub)` returned)."""
    threads: list[HubThread] = []

    def start(prepare: Callable[[Hub], Awaitable[Any]], **overrides: Any) -> tuple[Hub, Any]:
        thread = HubThread(settings_for(tmp_path, **overrides), prepare=prepare)
        threads.append(thread)
        prepared = thread.start(timeout=60)
        assert thread.hub is not None
        return thread.hub, prepared

    yield start
    for thread in threads:
        assert thread.stop(timeout=20), "the hub thread did not stop"
